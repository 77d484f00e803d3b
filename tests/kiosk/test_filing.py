"""Public filing at /kiosk/: screens, answers kept, field errors, uploads, submit, receipt."""

from __future__ import annotations

import re
from dataclasses import replace
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import Case, CaseChannel, CaseStatus, Claimant, Employer, Evidence
from portal.cases.secret_hashing import secret_matches
from portal.cases.services import ACCEPTANCE_POLICY, case_create
from portal.core.models import AuditEvent, Deadline, NumberSequence
from portal.kiosk import steps
from portal.kiosk.drafts import DRAFTS_KEY
from tests.helpers import png_bytes

from ..factories import agency, case_data, valid_resident_id
from .conftest import answers

pytestmark = pytest.mark.django_db

INVALID_ID = "440105198503122420"  # one digit off: the checksum fails
INVALID_CODE = "91440105MA5CXXXXX1"


def html(response) -> str:
    return response.content.decode()


def field_block(page: str, field_id: str) -> str:
    """The .field element holding the input with this id: where its error must stand."""
    start = page.rfind('<div class="field', 0, page.index(f'id="{field_id}"'))
    return page[start : page.index("</div>", page.index(f'id="{field_id}"'))]


# --- the screens -------------------------------------------------------------------------------


def test_the_start_page_is_public_and_offers_filing_status_and_resume(client):
    response = client.get(reverse("kiosk:start"))
    assert response.status_code == 200
    page = html(response)
    assert reverse("kiosk:new") in page
    assert reverse("kiosk:status") in page
    assert reverse("kiosk:resume") in page
    assert 'lang="zh-CN"' in page


def test_every_screen_shows_where_the_visitor_is(filer):
    visitor = filer()
    visitor.fill(answers())
    for number, name in enumerate(steps.STEP_NAMES, start=1):
        page = html(visitor.get(name))
        assert f"第 {number} 步，共 {len(steps.STEPS)} 步" in page, name
        current = re.findall(r'<li class="current" aria-current="step">', page)
        assert len(current) == 1, name
        assert f'<progress value="{number}" max="{len(steps.STEPS)}"' in page


def test_a_visitor_files_a_claim_screen_by_screen(filed):
    visitor, case, secret = filed(name="李明")
    assert case.status == CaseStatus.FILED
    assert case.channel == CaseChannel.ONLINE
    assert re.fullmatch(r"KL-\d{4}-\d{6}", case.tracking_number)
    assert case.claimants.get().name == "李明"
    assert case.claims.get().amount == 18600
    assert case.employer.name == "广州市海珠区鸿运建筑劳务有限公司"
    assert secret_matches(secret, case.claimant_secret_hash)
    assert secret not in case.claimant_secret_hash
    assert Deadline.objects.filter(object_id=case.pk, policy__key=ACCEPTANCE_POLICY).exists()
    assert AuditEvent.objects.filter(action="case.create", object_id=str(case.pk)).exists()
    # The draft is gone from the session: submitting again creates nothing.
    assert visitor.token not in visitor.client.session.get(DRAFTS_KEY, {})
    assert visitor.submit().status_code == 302
    assert Case.objects.count() == 1


def test_a_filing_at_the_kiosk_terminal_counts_as_filed_at_the_kiosk(filed):
    _visitor, case, _secret = filed(terminal=True)
    assert case.channel == CaseChannel.KIOSK


def test_a_mediation_choice_is_recorded_as_the_claimants_consent(filer):
    visitor = filer()
    data = answers()
    data["mediation"] = {"route": "mediation"}
    visitor.fill(data)
    visitor.submit()
    assert Case.objects.get().mediation_consent


def test_a_later_screen_cannot_be_opened_before_the_earlier_ones_are_done(filer):
    visitor = filer()
    visitor.fill(answers(), until="employer")
    response = visitor.get("review")
    assert response["Location"] == visitor.url("employer")


def test_an_unknown_draft_token_goes_back_to_the_start(client):
    url = reverse("kiosk:step", kwargs={"token": "not-mine", "step": "consent"})
    assert client.get(url)["Location"] == reverse("kiosk:start")


# --- field errors: next to the field, in Chinese, everything typed kept -----------------------


def test_a_wrong_id_number_is_shown_next_to_its_field_in_chinese_and_nothing_typed_is_lost(filer):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    data = {**answers()["claimants"], "c0-id_number": INVALID_ID, "c0-name": "王芳"}
    response = visitor.post("claimants", data)
    assert response.status_code == 200
    page = html(response)
    block = field_block(page, "id_c0-id_number")
    assert "居民身份证号码无效" in block
    assert 'aria-invalid="true"' in block
    assert 'aria-describedby="id_c0-id_number_help id_c0-id_number_error"' in block
    for value in ("王芳", INVALID_ID, "13812345678", "广州市海珠区南洲路12号"):
        assert f'value="{value}"' in page
    assert 'href="#id_c0-id_number"' in page  # the error summary leads to the field


def test_a_wrong_credit_code_is_shown_next_to_its_field_in_chinese(filer):
    visitor = filer()
    visitor.fill(answers(), until="employer")
    data = {**answers()["employer"], "credit_code": INVALID_CODE}
    page = html(visitor.post("employer", data))
    assert "统一社会信用代码无效" in field_block(page, "id_credit_code")
    assert f'value="{INVALID_CODE}"' in page
    assert 'value="广州市海珠区鸿运建筑劳务有限公司"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("c0-phone", "12345", "11位手机号码"),
        ("c0-name", "", "这个字段是必填项"),
    ],
)
def test_other_claimant_errors_stand_next_to_their_fields(filer, field, value, message):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    page = html(visitor.post("claimants", {**answers()["claimants"], field: value}))
    assert message in field_block(page, f"id_{field}")


def test_both_consents_are_needed_each_on_its_own(filer):
    visitor = filer()
    response = visitor.post("consent", {"consent_processing": "on"})
    assert response.status_code == 200
    page = html(response)
    assert "没有这项同意" in field_block(page, "id_consent_id_number")
    assert "没有这项同意" not in field_block(page, "id_consent_processing")


def test_a_claim_period_that_ends_before_it_starts_is_refused_at_its_end_date(filer):
    visitor = filer()
    visitor.fill(answers(), until="claims")
    data = {**answers()["claims"], "k0-period_start": "2026-08-01", "k0-period_end": "2026-06-01"}
    page = html(visitor.post("claims", data))
    assert "截止日期不能早于起始日期" in field_block(page, "id_k0-period_end")
    assert 'value="2026-08-01"' in page


def test_an_amount_that_is_not_a_number_is_refused_and_kept(filer):
    visitor = filer()
    visitor.fill(answers(), until="claims")
    page = html(visitor.post("claims", {**answers()["claims"], "k0-amount": "一万八"}))
    assert "输入一个数字" in field_block(page, "id_k0-amount")
    assert 'value="一万八"' in page


# --- back without losing answers ---------------------------------------------------------------


def test_going_back_keeps_what_was_typed_on_the_screen_left_even_with_errors(filer):
    visitor = filer()
    visitor.fill(answers(), until="employer")
    typed = {"employer_name": "某某公司", "credit_code": INVALID_CODE, "employer_address": ""}
    response = visitor.post("employer", {**typed, "nav": "back"})
    assert response["Location"] == visitor.url("claimants")
    page = html(visitor.get("claimants"))
    assert 'value="张桂兰"' in page
    page = html(visitor.get("employer"))
    assert 'value="某某公司"' in page and f'value="{INVALID_CODE}"' in page
    assert "统一社会信用代码无效" not in page  # kept, not scolded, until the visitor moves on


def test_a_screen_changed_to_invalid_makes_the_review_send_the_visitor_back_there(filer):
    visitor = filer()
    visitor.fill(answers())
    visitor.post("claimants", {**answers()["claimants"], "c0-id_number": INVALID_ID, "nav": "back"})
    assert visitor.get("review")["Location"] == visitor.url("claimants")


# --- collective claims ------------------------------------------------------------------------


def test_a_collective_claim_adds_workers_and_the_first_represents_them(filer):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    one = answers()["claimants"]
    response = visitor.post("claimants", {**one, "nav": "add"})
    assert response.status_code == 200
    page = html(response)
    assert 'name="c1-name"' in page
    assert "这个字段是必填项" not in page  # adding a worker is not an error
    second = {
        "count": "2",
        "c1-name": "王芳",
        "c1-id_number": valid_resident_id(born="19921105"),
        "c1-phone": "13733335555",
        "c1-address": "广州市海珠区赤岗路8号",
    }
    assert visitor.post("claimants", {**one, **second})["Location"] == visitor.url("employer")
    visitor.fill({k: v for k, v in answers().items() if k not in ("consent", "claimants")})
    visitor.submit()
    case = Case.objects.get()
    assert case.is_collective
    assert case.claimants.get(is_representative=True).name == "张桂兰"


def test_removing_a_worker_keeps_the_others(filer):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    data = {
        **answers()["claimants"],
        "count": "2",
        "c1-name": "王芳",
        "c1-id_number": "",
        "c1-phone": "",
        "c1-address": "",
    }
    page = html(visitor.post("claimants", {**data, "remove": "0"}))
    assert 'value="王芳"' in page
    assert 'value="张桂兰"' not in page
    assert 'name="c1-name"' not in page


def test_the_same_id_number_twice_in_one_filing_is_refused_next_to_the_second(filer):
    visitor = filer()
    visitor.fill(answers(), until="claimants")
    one = answers()["claimants"]
    data = {
        **one,
        "count": "2",
        "c1-name": "王芳",
        "c1-id_number": one["c0-id_number"],
        "c1-phone": "13733335555",
        "c1-address": "广州市海珠区赤岗路8号",
    }
    page = html(visitor.post("claimants", data))
    assert "已经填写" in field_block(page, "id_c1-id_number")
    assert "已经填写" not in field_block(page, "id_c0-id_number")


# --- the employer search ---------------------------------------------------------------------


def _employer_known_from(channel: str, name: str, address: str) -> Employer:
    """An employer the portal first learnt of from a case of `channel` (its name and address
    as that case's author typed them)."""
    data = case_data(employer_name=name)
    data = replace(data, channel=channel, employer=replace(data.employer, address=address))
    case = case_create(actor=None, agency=agency("arbitration"), data=data)
    return case.employer


def test_the_employer_search_offers_a_publicly_filed_employers_name_and_code_only(filer):
    known = _employer_known_from(
        CaseChannel.ONLINE, "广州琶洲会展餐饮服务有限公司", "阅江中路688号"
    )
    visitor = filer()
    visitor.fill(answers(), until="employer")
    page = html(visitor.post("employer", {"q": "琶洲", "nav": "search", "employer_name": ""}))
    assert f'name="pick" value="{known.pk}"' in page
    assert "阅江中路688号" not in page
    page = html(visitor.post("employer", {"pick": str(known.pk), "employer_address": "我填的地址"}))
    assert f'value="{known.credit_code}"' in page
    assert 'value="广州琶洲会展餐饮服务有限公司"' in page
    assert "阅江中路688号" not in page


def test_the_kiosk_never_offers_an_employer_known_only_from_staffs_work(filer):
    """Issue 17, item 4: neither in the search nor by its id in `pick`."""
    staff_only = _employer_known_from(
        CaseChannel.STAFF, "琶洲某劳务公司（稽查备注）", "员工录入的地址"
    )
    visitor = filer()
    visitor.fill(answers(), until="employer")
    page = html(visitor.post("employer", {"q": "琶洲", "nav": "search", "employer_name": ""}))
    assert f'value="{staff_only.pk}"' not in page
    assert "稽查备注" not in page
    page = html(visitor.post("employer", {"pick": str(staff_only.pk)}))
    assert staff_only.credit_code not in page
    assert "稽查备注" not in page and "员工录入的地址" not in page


def test_employer_searches_and_picks_are_rate_limited(settings, filer):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "employer-lookup": (2, 3600)}
    known = _employer_known_from(CaseChannel.ONLINE, "广州琶洲会展餐饮服务有限公司", "")
    visitor = filer()
    visitor.fill(answers(), until="employer")
    search = {"q": "琶洲", "nav": "search", "employer_name": ""}
    assert f'value="{known.pk}"' in html(visitor.post("employer", search))
    assert f'value="{known.credit_code}"' in html(visitor.post("employer", {"pick": str(known.pk)}))
    limited = html(visitor.post("employer", search))
    assert f'value="{known.pk}"' not in limited
    assert "搜索次数过多" in limited


def test_the_receipt_names_the_employer_as_the_claimant_typed_it(filer):
    on_file = _employer_known_from(CaseChannel.STAFF, "稽查录入的名称", "")
    visitor = filer()
    visitor.fill(answers(employer_name="我写的公司名", credit_code=on_file.credit_code))
    response = visitor.submit()
    assert response.status_code == 302
    receipt = html(visitor.client.get(reverse("kiosk:receipt")))
    assert "我写的公司名" in receipt
    assert "稽查录入的名称" not in receipt


def test_a_search_without_a_match_says_so_and_keeps_what_was_typed(filer):
    visitor = filer()
    visitor.fill(answers(), until="employer")
    page = html(
        visitor.post("employer", {"q": "不存在的公司", "nav": "search", "employer_name": "某厂"})
    )
    assert "没有找到" in page
    assert 'value="某厂"' in page


# --- evidence ------------------------------------------------------------------------------------


def test_evidence_is_checked_on_content_and_kept_privately_until_submit(
    filer, django_capture_on_commit_callbacks
):
    visitor = filer()
    visitor.fill(answers(), until="evidence")
    disguised = SimpleUploadedFile("工资条.png", b"<html><script>x</script></html>", "image/png")
    page = html(visitor.post("evidence", {"file": disguised, "nav": "upload"}))
    assert "只能上传" in field_block(page, "id_file")
    photo = SimpleUploadedFile("工资条.png", png_bytes(), "image/png")
    page = html(visitor.post("evidence", {"file": photo, "description": "六月", "nav": "upload"}))
    assert "工资条.png" in page
    (item,) = visitor.client.session[DRAFTS_KEY][visitor.token]["files"]
    assert item["path"].startswith(f"kiosk-drafts/{visitor.token}/")
    assert default_storage.exists(item["path"])
    visitor.fill({k: v for k, v in answers().items() if k in ("evidence", "mediation")})
    with django_capture_on_commit_callbacks(execute=True):
        visitor.submit()
    evidence = Evidence.objects.get()
    assert (evidence.original_name, evidence.description) == ("工资条.png", "六月")
    assert evidence.file.read() == png_bytes()
    assert not default_storage.exists(item["path"])  # the draft's copy is gone after commit


def test_a_file_chosen_but_not_added_is_added_on_next(filer):
    visitor = filer()
    visitor.fill(answers(), until="evidence")
    photo = SimpleUploadedFile("合同.png", png_bytes(), "image/png")
    assert visitor.post("evidence", {"file": photo})["Location"] == visitor.url("mediation")
    assert len(visitor.client.session[DRAFTS_KEY][visitor.token]["files"]) == 1


def test_a_removed_file_is_deleted(filer):
    visitor = filer()
    visitor.fill(answers(), until="evidence")
    visitor.post("evidence", {"file": SimpleUploadedFile("a.png", png_bytes()), "nav": "upload"})
    (item,) = visitor.client.session[DRAFTS_KEY][visitor.token]["files"]
    visitor.post("evidence", {"remove": item["id"]})
    assert visitor.client.session[DRAFTS_KEY][visitor.token]["files"] == []
    assert not default_storage.exists(item["path"])


# --- submit: one transaction ---------------------------------------------------------------------


def _fail_at_the_case_audit():
    return mock.patch(
        "portal.cases.services.register.audit_record", side_effect=RuntimeError("gone")
    )


def _fail_after_everything_was_written():
    """The last write of the submit (dropping the saved draft) fails: the case, its rows and
    the evidence files written before must all go."""
    from portal.kiosk import services

    failing = mock.MagicMock()
    failing.objects.filter.return_value.delete.side_effect = RuntimeError("commit failed")
    return mock.patch.object(services, "FilingDraft", failing)


@pytest.mark.parametrize("failure", [_fail_at_the_case_audit, _fail_after_everything_was_written])
def test_nothing_is_half_created_when_the_submit_fails(filer, failure):
    visitor = filer()
    visitor.fill(answers(), until="evidence")
    visitor.post("evidence", {"file": SimpleUploadedFile("a.png", png_bytes()), "nav": "upload"})
    visitor.fill({k: v for k, v in answers().items() if k in ("evidence", "mediation")})
    visitor.post("mediation", {**answers()["mediation"], "nav": "save"})
    with failure(), pytest.raises(RuntimeError):
        visitor.submit()
    assert not Case.objects.exists()
    assert not Claimant.objects.exists()
    assert not Employer.objects.exists()
    assert not Evidence.objects.exists()
    assert not Deadline.objects.exists()
    assert not NumberSequence.objects.filter(series="case", last__gt=0).exists()
    _evidence_files_left = [
        name
        for folder in (
            default_storage.listdir("evidence")[0] if default_storage.exists("evidence") else []
        )
        for month in default_storage.listdir(f"evidence/{folder}")[0]
        for name in default_storage.listdir(f"evidence/{folder}/{month}")[1]
    ]
    assert _evidence_files_left == []
    # The draft is still there, answers and file included: the visitor can submit again.
    assert visitor.submit().status_code == 302
    assert Case.objects.get().evidence.count() == 1


def test_the_review_asks_for_the_confirmation(filer):
    visitor = filer()
    visitor.fill(answers())
    response = visitor.post("review", {"website": ""})
    assert response.status_code == 200
    assert "勾选" in field_block(html(response), "id_confirm")
    assert not Case.objects.exists()


# --- the receipt ---------------------------------------------------------------------------------


def test_the_receipt_shows_the_tracking_number_the_secret_and_a_qr_code(filed):
    visitor, case, secret = filed()
    page = html(visitor.client.get(reverse("kiosk:receipt")))
    assert case.tracking_number in page
    assert f"{secret[:4]}-{secret[4:]}" in page
    assert 'src="data:image/svg+xml' in page
    assert f"/kiosk/status/?n={case.tracking_number}" in page
    assert "张桂兰" in page


def test_the_receipt_belongs_to_the_visit_that_filed(filed):
    filed()
    stranger = Client()
    assert stranger.get(reverse("kiosk:receipt")).status_code == 404
    assert stranger.get(reverse("kiosk:receipt-pdf")).status_code == 404


def test_the_receipt_pdf_opens_in_the_kiosk_browser_for_printing(filed):
    visitor, _case, _secret = filed()
    response = visitor.client.get(reverse("kiosk:receipt-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")


# --- save and resume -----------------------------------------------------------------------------


def test_a_saved_filing_resumes_elsewhere_and_keeps_its_tracking_number(filer):
    visitor = filer()
    visitor.fill(answers(), until="facts")
    response = visitor.post("facts", {"facts": "还没写完的事实经过", "nav": "save"})
    saved_page = html(visitor.client.get(response["Location"]))
    number = re.search(r"KL-\d{4}-\d{6}", saved_page).group()
    secret = re.search(r'data-testid="secret">(\w{4}-\w{4})<', saved_page).group(1)
    # The secret is shown once only.
    assert secret not in html(visitor.client.get(response["Location"]))

    elsewhere = Client()
    response = elsewhere.post(
        reverse("kiosk:resume"), {"tracking_number": number, "secret": secret}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/facts/")  # the first screen not yet done
    assert "还没写完的事实经过" in html(elsewhere.get(response["Location"]))
    token = response["Location"].rstrip("/").split("/")[-2]
    url = reverse("kiosk:step", kwargs={"token": token, "step": "facts"})
    elsewhere.post(url, answers()["facts"])
    for step in ("evidence", "mediation"):
        elsewhere.post(
            reverse("kiosk:step", kwargs={"token": token, "step": step}), answers()[step]
        )
    review = reverse("kiosk:step", kwargs={"token": token, "step": "review"})
    assert elsewhere.post(review, {"confirm": "on"})["Location"] == reverse("kiosk:receipt")
    case = Case.objects.get()
    assert case.tracking_number == number
    # A new secret comes with the receipt; the draft's is spent.
    assert not secret_matches(secret, case.claimant_secret_hash)
    from portal.kiosk.models import FilingDraft

    assert not FilingDraft.objects.exists()


def test_a_wrong_secret_resumes_nothing(filer):
    visitor = filer()
    visitor.fill(answers(), until="facts")
    response = visitor.post("facts", {"facts": "", "nav": "save"})
    number = re.search(r"KL-\d{4}-\d{6}", html(visitor.client.get(response["Location"]))).group()
    response = Client().post(
        reverse("kiosk:resume"), {"tracking_number": number, "secret": "ABCD2345"}
    )
    assert response.status_code == 200
    assert "没有与该受理编号和密码相符的已保存申请" in html(response)


def test_saving_again_updates_the_answers_under_the_same_number(filer):
    from portal.kiosk.models import FilingDraft

    visitor = filer()
    visitor.fill(answers(), until="facts")
    visitor.post("facts", {"facts": "第一稿", "nav": "save"})
    visitor.post("facts", {"facts": "第二稿，更完整", "nav": "save"})
    saved = FilingDraft.objects.get()
    assert saved.answers["facts"]["facts"] == "第二稿，更完整"
    assert saved.expires_at > timezone.now()


# --- a shared screen --------------------------------------------------------------------------


def test_the_terminal_pages_carry_the_idle_timeout_and_online_pages_do_not(client, settings):
    settings.KIOSK_IDLE_SECONDS = 75
    online = html(client.get(reverse("kiosk:start")))
    assert "data-idle-seconds" not in online
    client.get(reverse("kiosk:terminal"))
    page = html(client.get(reverse("kiosk:start")))
    assert 'data-idle-seconds="75"' in page
    assert "data-idle-dialog" in page and reverse("kiosk:discard") in page


def test_the_kiosk_parameter_starts_terminal_mode_too(client):
    assert "data-idle-seconds" in html(client.get(reverse("kiosk:start") + "?kiosk=1"))


def test_discarding_wipes_the_drafts_their_files_and_the_receipt_but_keeps_terminal_mode(filer):
    visitor = filer(terminal=True)
    visitor.fill(answers(), until="evidence")
    visitor.post("evidence", {"file": SimpleUploadedFile("a.png", png_bytes()), "nav": "upload"})
    (item,) = visitor.client.session[DRAFTS_KEY][visitor.token]["files"]
    old_session = visitor.client.session.session_key
    response = visitor.client.post(reverse("kiosk:discard"))
    assert response["Location"] == reverse("kiosk:start")
    assert visitor.client.session.session_key != old_session
    assert DRAFTS_KEY not in visitor.client.session
    assert not default_storage.exists(item["path"])
    assert visitor.get("claimants")["Location"] == reverse("kiosk:start")
    assert "data-idle-seconds" in html(visitor.client.get(reverse("kiosk:start")))


def test_public_pages_are_never_cached(filer):
    visitor = filer()
    response = visitor.get("consent")
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_posting_without_the_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("kiosk:new")).status_code == 403
    assert (
        client.post(reverse("kiosk:status"), {"tracking_number": "KL-2026-000001"}).status_code
        == 403
    )


def test_a_logged_in_visitor_keeps_the_login_when_the_kiosk_is_cleared(filer, arbitrator):
    client = Client()
    client.force_login(arbitrator)
    filer(client)
    client.post(reverse("kiosk:discard"))
    assert client.get(reverse("core:home")).status_code == 200
