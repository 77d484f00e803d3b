"""The claimant's status page: plain words for every intake state, documents, material, and no
way to tell which tracking numbers exist."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.cases import secret_hashing
from portal.cases.models import Case, CaseChannel, CaseStatus
from portal.cases.services import intake
from portal.cases.services.intake import (
    case_accept,
    case_file,
    case_refuse,
    case_request_material,
    case_route_to_mediation,
)
from portal.core.models import Document, DocumentStatus
from portal.kiosk.selectors import case_open_deadline
from tests.helpers import png_bytes

from ..factories import case_data

pytestmark = pytest.mark.django_db

STATUS = reverse("kiosk:status")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def filing(mediation: bool = False) -> tuple[Case, str]:
    data = case_data()
    data.claimants[0].name = "张桂兰"
    data.mediation_consent = mediation
    filed = case_file(data=data, channel=CaseChannel.KIOSK)
    return filed.case, filed.secret


def look_up(client: Client, case: Case, secret: str):
    return client.post(STATUS, {"tracking_number": case.tracking_number, "secret": secret})


def page_of(case: Case, secret: str) -> tuple[Client, str]:
    client = Client()
    response = look_up(client, case, secret)
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == STATUS
    return client, client.get(STATUS).content.decode()


def test_the_status_page_asks_for_the_tracking_number_and_fills_it_from_the_qr_code(client):
    page = client.get(STATUS + "?n=KL-2026-000007").content.decode()
    assert 'value="KL-2026-000007"' in page
    assert 'name="secret"' in page


def test_a_filed_case_shows_its_status_next_step_and_deadline_in_plain_words():
    case, secret = filing()
    _client, page = page_of(case, secret)
    assert "已收到：等待仲裁委员会决定是否受理" in page
    assert "请等待决定" in page
    due = case_open_deadline(case, intake.ACCEPTANCE_POLICY).due_on
    assert f'datetime="{due:%Y-%m-%d}"' in page
    assert "张桂兰" in page
    assert 'data-testid="case-number"' not in page  # no arbitration number yet


def test_an_accepted_case_shows_its_number_and_the_notice_for_the_claimant(
    arbitrator, django_capture_on_commit_callbacks
):
    case, secret = filing()
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=arbitrator, case=case)
    case.refresh_from_db()
    client, page = page_of(case, secret)
    assert "已受理：您的案件已立案" in page
    assert case.number in page and "第1号" in case.number
    document = Document.objects.get(kind=intake.ACCEPTANCE_NOTICE_KIND)
    assert document.status == DocumentStatus.READY
    url = reverse("kiosk:status-document", kwargs={"pk": document.pk})
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_refused_case_shows_the_reason_and_the_way_to_court(
    arbitrator, django_capture_on_commit_callbacks
):
    case, secret = filing()
    with django_capture_on_commit_callbacks(execute=True):
        case_refuse(actor=arbitrator, case=case, reason="申请人与被申请人之间不存在劳动关系")
    _client, page = page_of(case, secret)
    assert "不予受理" in page
    assert "申请人与被申请人之间不存在劳动关系" in page
    assert "人民法院" in page
    assert "不予受理通知书" in page


def test_a_case_routed_to_mediation_says_a_mediator_will_call(arbitrator):
    case, secret = filing(mediation=True)
    case_route_to_mediation(actor=arbitrator, case=case)
    _client, page = page_of(case, secret)
    assert "先行调解" in page
    assert "调解员会与您联系" in page


def test_requested_material_is_shown_and_can_be_added_which_returns_the_case_to_the_queue(
    arbitrator,
):
    case, secret = filing()
    case_request_material(actor=arbitrator, case=case, missing="请补充2026年6月至8月的工资条")
    client, page = page_of(case, secret)
    assert "需要补充材料" in page
    assert "请补充2026年6月至8月的工资条" in page
    assert reverse("kiosk:status-material") in page
    upload = SimpleUploadedFile("工资条.png", png_bytes(), "image/png")
    response = client.post(
        reverse("kiosk:status-material"), {"material": [upload], "note": "工资条"}
    )
    assert response["Location"] == STATUS
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert case.evidence.get().original_name == "工资条.png"
    page = client.get(STATUS).content.decode()
    assert "已收到：等待仲裁委员会决定是否受理" in page
    assert "谢谢" in page


def test_material_that_is_not_a_photo_or_pdf_is_refused_next_to_the_field(arbitrator):
    case, secret = filing()
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    client, _page = page_of(case, secret)
    fake = SimpleUploadedFile("工资条.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(reverse("kiosk:status-material"), {"material": [fake]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "只能上传" in page
    assert 'id="id_material_error"' in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.MATERIAL_REQUESTED


def test_material_cannot_be_sent_without_a_lookup(arbitrator):
    case, _secret = filing()
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    upload = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    assert (
        Client().post(reverse("kiosk:status-material"), {"material": [upload]}).status_code == 404
    )
    assert not case.evidence.exists()


def test_a_document_of_another_case_is_not_found(arbitrator, django_capture_on_commit_callbacks):
    mine, secret = filing()
    other, _ = filing()
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=arbitrator, case=other)
    document = Document.objects.get(object_id=other.pk)
    client, _page = page_of(mine, secret)
    assert (
        client.get(reverse("kiosk:status-document", kwargs={"pk": document.pk})).status_code == 404
    )


def test_the_lookup_lapses_after_a_while(settings):
    case, secret = filing()
    client, _page = page_of(case, secret)
    settings.KIOSK_STATUS_SECONDS = 60
    with mock.patch("portal.kiosk.permissions.time.time", return_value=time.time() + 120):
        assert 'name="secret"' in client.get(STATUS).content.decode()


def test_every_intake_move_changes_what_the_claimant_sees(arbitrator):
    seen = []
    for move in ("material", "accept"):
        case, secret = filing()
        client, before = page_of(case, secret)
        if move == "material":
            case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
        else:
            case_accept(actor=arbitrator, case=case)
        after = client.get(STATUS).content.decode()
        seen.append(before != after)
    assert seen == [True, True]


# --- enumeration resistance ------------------------------------------------------------------


def comparable(response) -> str:
    return CSRF.sub("", response.content.decode())


def test_a_wrong_secret_answers_exactly_like_an_unknown_number():
    case, _secret = filing()
    unknown = Client().post(STATUS, {"tracking_number": "KL-2026-999999", "secret": "ABCD2345"})
    wrong = Client().post(STATUS, {"tracking_number": case.tracking_number, "secret": "ABCD2345"})
    assert unknown.status_code == wrong.status_code == 200
    assert [t.name for t in unknown.templates] == [t.name for t in wrong.templates]
    assert comparable(unknown).replace("KL-2026-999999", "N") == comparable(wrong).replace(
        case.tracking_number, "N"
    )
    assert "没有找到与该受理编号和密码相符的申请" in comparable(wrong)


def test_a_wrong_secret_and_an_unknown_number_each_cost_one_keyed_hash():
    case, _secret = filing()
    with mock.patch.object(
        secret_hashing, "salted_hmac", wraps=secret_hashing.salted_hmac
    ) as checked:
        Client().post(STATUS, {"tracking_number": "KL-2026-999999", "secret": "ABCD2345"})
        assert checked.call_count == 1
        Client().post(STATUS, {"tracking_number": case.tracking_number, "secret": "ABCD2345"})
        assert checked.call_count == 2


def test_a_staff_case_number_is_no_tracking_number(arbitrator):
    from ..factories import make_case

    case = make_case(actor=arbitrator)
    response = Client().post(STATUS, {"tracking_number": case.number, "secret": "ABCD2345"})
    assert response.status_code == 200
    assert "受理编号的格式为" in response.content.decode()
