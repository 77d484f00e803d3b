"""Collective filings at the kiosk and at the counter: each worker's own claims, the
representatives a collective dispute chooses (art. 7), shown on the review pages and the case
page with each worker's total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portal.cases.models import Case, CaseChannel, ClaimKind
from portal.cases.services import ClaimData
from portal.cases.services.intake import case_file

from ..factories import case_data, valid_resident_id
from .conftest import answers

pytestmark = pytest.mark.django_db

NAMES = ["张桂兰", "王芳", "李强", "赵敏", "陈刚", "刘洋", "黄磊", "周杰", "吴倩", "郑浩"]


def workers(count: int, representatives: tuple[int, ...] = ()) -> dict[str, str]:
    """The claimants screen's answers for `count` workers, ticking `representatives`."""
    raw = {"count": str(count)}
    for i in range(count):
        raw.update(
            {
                f"c{i}-name": NAMES[i],
                f"c{i}-id_number": valid_resident_id(),
                f"c{i}-phone": f"138{i:04d}5678",
                f"c{i}-address": "广州市海珠区南洲路12号",
            }
        )
        if i in representatives:
            raw[f"c{i}-is_representative"] = "on"
    return raw


def three_workers() -> dict[str, str]:
    return workers(3)


def claims(*owned: tuple[str, str]) -> dict[str, str]:
    """The claims screen's answers: (worker index or "", amount) per claim."""
    raw = {"count": str(len(owned))}
    for i, (worker, amount) in enumerate(owned):
        raw.update({f"k{i}-kind": "unpaid_wages", f"k{i}-amount": amount, f"k{i}-worker": worker})
    return raw


def test_the_claims_screen_asks_whose_claim_it_is_only_when_several_workers_file(filer):
    alone = filer()
    alone.fill(answers(), until="claims")
    assert 'name="k0-worker"' not in alone.get("claims").content.decode()
    several = filer()
    several.fill({**answers(), "claimants": three_workers()}, until="claims")
    page = several.get("claims").content.decode()
    assert 'name="k0-worker"' in page and "2. 王芳" in page and "整份申请" in page


def test_each_workers_own_claims_are_filed_as_theirs_with_their_totals_on_the_review(filer):
    visitor = filer()
    owned = claims(("0", "3000.00"), ("1", "4500.00"), ("1", "500.00"), ("", "200.00"))
    visitor.fill({**answers(), "claimants": three_workers(), "claims": owned})
    review = visitor.get("review").content.decode()
    assert 'data-testid="worker-totals"' in review
    assert "王芳: ¥5,000.00" in review and "张桂兰: ¥3,000.00" in review
    assert "¥8,200.00" in review
    assert visitor.submit().status_code == 302
    case = Case.objects.get()
    assert [c.claimant.name if c.claimant else "" for c in case.claims.order_by("id")] == [
        "张桂兰",
        "王芳",
        "王芳",
        "",
    ]


def test_a_claim_of_a_worker_removed_since_sends_the_review_back_to_the_claims(filer):
    visitor = filer()
    visitor.fill({**answers(), "claimants": three_workers(), "claims": claims(("2", "100.00"))})
    visitor.post("claimants", workers(2))
    assert visitor.get("review")["Location"] == visitor.url("claims")


def test_two_representatives_of_three_workers_are_refused_next_to_the_second(filer):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    response = visitor.post("claimants", workers(3, representatives=(0, 2)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "最多五名代表人" in page
    assert 'id="id_c2-is_representative_error"' in page
    assert 'id="id_c0-is_representative_error"' not in page
    assert 'class="error-summary' in page or "error-summary" in page


def test_ten_workers_choose_up_to_five_representatives_shown_on_the_intake_review(
    filer, arbitrator
):
    visitor = filer()
    chosen = (1, 3, 5, 7, 9)
    visitor.fill(answers(), until="claimants")
    too_many = visitor.post("claimants", workers(10, representatives=(*chosen, 0)))
    assert too_many.status_code == 200
    visitor.fill({**answers(), "claimants": workers(10, representatives=chosen)})
    assert visitor.submit().status_code == 302
    case = Case.objects.get()
    assert sorted(case.claimants.filter(is_representative=True).values_list("name", flat=True))
    assert {c.name for c in case.claimants.filter(is_representative=True)} == {
        NAMES[i] for i in chosen
    }
    client = Client()
    client.force_login(arbitrator)
    for url in (reverse("intake:detail", args=[case.pk]), reverse("cases:detail", args=[case.pk])):
        page = client.get(url).content.decode()
        assert page.count("代表人</span>") == 5, url


def test_no_representative_ticked_makes_the_first_worker_the_representative(filer):
    visitor = filer()
    visitor.fill({**answers(), "claimants": three_workers()})
    visitor.submit()
    case = Case.objects.get()
    assert [c.name for c in case.claimants.filter(is_representative=True)] == ["张桂兰"]


def test_the_intake_review_and_the_case_page_show_each_workers_claims_and_totals(arbitrator):
    data = case_data(claimants=2)
    data.claims = [
        ClaimData(kind=ClaimKind.UNPAID_WAGES, amount=Decimal("3000"), worker=0),
        ClaimData(kind=ClaimKind.OVERTIME, amount=Decimal("1000"), worker=1),
        ClaimData(kind=ClaimKind.UNPAID_WAGES, amount=Decimal("4500"), worker=1),
        ClaimData(kind=ClaimKind.OTHER, amount=Decimal("100"), description="路费"),
    ]
    case = case_file(data=data, channel=CaseChannel.ONLINE).case
    client = Client()
    client.force_login(arbitrator)
    for url in (reverse("intake:detail", args=[case.pk]), reverse("cases:detail", args=[case.pk])):
        page = client.get(url).content.decode()
        assert 'data-testid="worker-claims"' in page, url
        totals = page.split('data-testid="worker-total">')[1:]
        assert [t.split("<")[0] for t in totals] == ["¥3,000.00", "¥5,500.00", "¥100.00"]
        assert "整份申请" in page and "¥8,600.00" in page


def test_a_filing_whose_claims_name_no_worker_is_listed_as_before(arbitrator):
    case = case_file(data=case_data(claimants=2), channel=CaseChannel.ONLINE).case
    client = Client()
    client.force_login(arbitrator)
    page = client.get(reverse("intake:detail", args=[case.pk])).content.decode()
    assert 'data-testid="worker-claims"' not in page and 'data-testid="total-claimed"' in page


def test_staff_name_a_claims_worker_by_their_place_in_the_list(arbitrator):
    client = Client()
    client.force_login(arbitrator)
    form = {
        "employer_name": "广州市海珠区测试建筑劳务有限公司",
        "credit_code": case_data().employer.credit_code,
        "employer_address": "",
        "facts": "",
        "claim-TOTAL_FORMS": "2",
        "claim-INITIAL_FORMS": "0",
    }
    for i, name in enumerate(NAMES[:2]):
        form.update(
            {
                f"claimant-{i}-name": name,
                f"claimant-{i}-id_number": valid_resident_id(),
                f"claimant-{i}-phone": f"1381234{i:04d}",
                f"claimant-{i}-is_representative": "on" if i == 0 else "",
            }
        )
    form.update({"claimant-TOTAL_FORMS": "2", "claimant-INITIAL_FORMS": "0"})
    form.update({"claim-0-kind": "unpaid_wages", "claim-0-amount": "900", "claim-0-worker": "2"})
    form.update({"claim-1-kind": "overtime", "claim-1-amount": "100", "claim-1-worker": ""})
    response = client.post(reverse("cases:create"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert [c.claimant.name if c.claimant else "" for c in case.claims.order_by("id")] == [
        "王芳",
        "",
    ]
