"""The staff intake desk: the queue with its countdown and flags, and one POST per move."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import Case, CaseChannel, CaseStatus
from portal.cases.permissions import MOVES
from portal.cases.services.intake import case_file, case_request_material
from portal.core.models import Deadline

from ..factories import case_data, make_case
from ..helpers import refusals

pytestmark = pytest.mark.django_db

QUEUE = reverse("intake:queue")


def filing(**kwargs) -> Case:
    data = case_data(**kwargs)
    return case_file(data=data, channel=CaseChannel.ONLINE).case


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def version(case: Case) -> int:
    """What the decision page's forms carry (the stale-page check)."""
    return Case.objects.get(pk=case.pk).version


def test_the_queue_lists_filings_soonest_deadline_first_with_days_left(arbitrator):
    later, sooner = filing(), filing(claimants=3)
    Deadline.objects.filter(object_id=sooner.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=1)
    )
    Deadline.objects.filter(object_id=later.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=4)
    )
    response = logged_in(arbitrator).get(QUEUE)
    assert response.status_code == 200
    assert [case.pk for case in response.context["cases"]] == [sooner.pk, later.pk]
    page = response.content.decode()
    assert "剩 1 天" in page and "剩 4 天" in page
    assert "共 3 人" in page  # the representative and two more: three in all
    assert page.index(sooner.number) < page.index(later.number)


def test_an_overdue_filing_is_marked_overdue(arbitrator):
    case = filing()
    Deadline.objects.filter(object_id=case.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = logged_in(arbitrator).get(QUEUE).content.decode()
    assert 'class="overdue"' in page
    assert "已逾期" in page


def test_the_queue_shows_only_the_agencys_open_filings(
    arbitrator, arbitration_admin, bureau_inspector
):
    waiting = filing()
    decided = filing()
    asked = filing()
    case_request_material(actor=arbitrator, case=asked, missing="请补充工资条")
    from portal.cases.services.intake import case_accept

    case_accept(actor=arbitrator, case=decided)
    bureau = make_case(agency_code="bureau", actor=bureau_inspector)
    client = logged_in(arbitration_admin)
    listed = {case.pk for case in client.get(QUEUE).context["cases"]}
    assert listed == {waiting.pk}
    material = client.get(QUEUE + "?status=material_requested")
    assert {case.pk for case in material.context["cases"]} == {asked.pk}
    assert material.context["counts"] == {"filed": 1, "material_requested": 1}
    assert bureau.pk not in listed


def test_the_queue_takes_a_fixed_number_of_queries(arbitrator, django_assert_max_num_queries):
    for i in range(3):
        filing(claimants=1 + i)
    client = logged_in(arbitrator)
    client.get(QUEUE)  # warm the content-type cache
    with django_assert_max_num_queries(12) as few:
        client.get(QUEUE)
    for _ in range(5):
        filing(claimants=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert len(response.context["cases"]) == 8


@pytest.mark.parametrize(
    "role", ["arbitration_mediator", "bureau_admin", "bureau_leader", "procuratorate_liaison"]
)
def test_others_are_told_they_do_not_decide_intake(request, role):
    client = logged_in(request.getfixturevalue(role))
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "只有仲裁委员会的仲裁员和管理员可以作出受理决定" in messages_of(response)[0]


def test_the_navigation_offers_intake_to_deciders_only(arbitrator, arbitration_mediator):
    assert QUEUE in logged_in(arbitrator).get(reverse("core:home")).content.decode()
    assert QUEUE not in logged_in(arbitration_mediator).get(reverse("core:home")).content.decode()


def test_the_decision_page_shows_the_filing_and_the_four_moves(arbitrator):
    case = filing()
    page = logged_in(arbitrator).get(reverse("intake:detail", args=[case.pk])).content.decode()
    for name in ("accept", "route-to-mediation", "refuse", "request-material"):
        assert reverse(f"intake:{name}", args=[case.pk]) in page
    claimant = case.claimants.get()
    assert claimant.id_number not in page  # masked
    assert claimant.name in page


def test_accepting_on_the_desk_numbers_the_case_and_says_so(arbitrator):
    case = filing()
    response = logged_in(arbitrator).post(
        reverse("intake:accept", args=[case.pk]), {"note": "", "version": version(case)}
    )
    assert response["Location"] == QUEUE
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.number in messages_of(response)[0]


def test_a_refusal_without_a_reason_shows_the_error_next_to_the_field(arbitrator):
    case = filing()
    response = logged_in(arbitrator).post(
        reverse("intake:refuse", args=[case.pk]), {"reason": "", "version": version(case)}
    )
    assert response.status_code == 200
    assert response.context["refuse_form"].errors["reason"]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED


def test_mediation_without_consent_is_refused_next_to_the_consent_box(arbitrator):
    case = filing()
    url = reverse("intake:route-to-mediation", args=[case.pk])
    response = logged_in(arbitrator).post(url, {"note": "", "version": version(case)})
    assert response.status_code == 200
    assert "须经申请人同意" in response.context["mediation_form"].errors["claimant_consented"][0]
    consented = {"claimant_consented": "on", "version": version(case)}
    assert logged_in(arbitrator).post(url, consented).status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.MEDIATION_PENDING


def test_a_move_on_a_decided_case_is_refused_with_a_message(arbitrator):
    case = filing()
    client = logged_in(arbitrator)
    client.post(reverse("intake:accept", args=[case.pk]), {"version": version(case)})
    response = client.post(
        reverse("intake:refuse", args=[case.pk]), {"reason": "重复申请", "version": version(case)}
    )
    # The page again, which no longer offers the refused move: the refusal is told above.
    assert response.status_code == 200
    assert "不能进行此操作" in refusals(response)[-1]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_another_agencys_filing_is_not_found(bureau_admin):
    case = filing()
    client = logged_in(bureau_admin)
    assert client.get(reverse("intake:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("intake:accept", args=[case.pk])).status_code == 404


def test_the_history_names_the_intake_moves_in_chinese(arbitrator):
    case = filing()
    client = logged_in(arbitrator)
    client.post(
        reverse("intake:request-material", args=[case.pk]),
        {"missing": "请补充工资条", "version": version(case)},
    )
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "要求申请人补正材料" in page
    assert "申请人（网上）" in page  # who filed


def test_the_admin_shows_the_intake_state_read_only_and_never_the_secret_hash():
    from ..factories import UserFactory

    case = filing()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    page = logged_in(root).get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert case.tracking_number in page
    assert case.claimant_secret_hash not in page
    assert 'name="material_requested"' not in page  # read-only: no input for it


def test_a_stale_page_is_refused_next_to_its_form_with_what_was_typed(arbitrator):
    case = filing()
    shown = version(case)
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")  # meanwhile
    url = reverse("intake:refuse", args=[case.pk])
    response = logged_in(arbitrator).post(url, {"reason": "超过仲裁时效", "version": shown})
    assert response.status_code == 200
    assert refusals(response) == [str(MOVES.stale)]  # in the page's language, as the test's
    assert response.context["refuse_form"].data["reason"] == "超过仲裁时效"
    assert "超过仲裁时效" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.MATERIAL_REQUESTED
