"""Referral pages: the inbox and outbox with their filters and fixed query count, the detail
page and its buttons, the form, the moves by POST, downloads and letters."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.core.deadlines import deadlines_of
from portal.core.documents import document_render
from portal.core.models import Deadline, Document
from portal.referrals import services
from portal.referrals.models import Referral, ReferralKind, ReferralStatus
from tests.helpers import png_bytes, refusals, refused_in_place

from ..factories import agency, make_case, valid_credit_code
from .builders import draft, drive, move, referral_data

pytestmark = pytest.mark.django_db

S = ReferralStatus


def url(name: str, referral: Referral, **kwargs: object) -> str:
    return reverse(f"referrals:{name}", kwargs={"pk": referral.pk, **kwargs})


def listed(response) -> list[int]:
    return [referral.pk for referral in response.context["page"].object_list]


def errors(response) -> list[str]:
    return refusals(response)


def login(client, user):
    client.force_login(user)
    return client


# --- inbox and outbox ---------------------------------------------------------------------------


def test_the_inbox_does_not_offer_drafts_as_a_filter_and_the_outbox_does(client, bureau_leader):
    login(client, bureau_leader)

    def offered(box: str) -> list[str]:
        form = client.get(reverse(f"referrals:{box}")).context["form"]
        return [value for value, _label in form.fields["status"].choices]

    assert S.DRAFT not in offered("inbox") and S.SENT in offered("inbox")
    assert S.DRAFT in offered("outbox")


def test_the_outbox_lists_what_the_agency_sent_and_drafts_and_the_inbox_what_it_received(
    client, bureau_inspector, bureau_leader, procuratorate_liaison, arbitrator
):
    drafted = draft(bureau_inspector, "procuratorate")
    sent = move(draft(bureau_inspector, "procuratorate"), "send", bureau_inspector)
    received = move(draft(arbitrator, "bureau"), "send", arbitrator)
    elsewhere = move(draft(arbitrator, "procuratorate"), "send", arbitrator)
    login(client, bureau_leader)
    assert set(listed(client.get(reverse("referrals:outbox")))) == {drafted.pk, sent.pk}
    assert listed(client.get(reverse("referrals:inbox"))) == [received.pk]
    login(client, procuratorate_liaison)
    assert set(listed(client.get(reverse("referrals:inbox")))) == {sent.pk, elsewhere.pk}
    assert listed(client.get(reverse("referrals:outbox"))) == []


def test_the_lists_filter_by_status_type_overdue_and_dates_and_search_number_or_employer(
    client, bureau_inspector, procuratorate_liaison, procuratorate_admin
):
    clue = move(
        draft(bureau_inspector, "procuratorate", employer_name="海珠鑫达服装厂"),
        "send",
        bureau_inspector,
    )
    crime = draft(bureau_inspector, "procuratorate", kind=ReferralKind.WAGE_REFUSAL_CRIME)
    crime = drive(crime, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    Deadline.objects.filter(object_id=clue.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    Referral.objects.filter(pk=crime.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=40)
    )
    login(client, procuratorate_liaison)
    inbox = reverse("referrals:inbox")
    assert listed(client.get(inbox, {"status": S.ACKNOWLEDGED})) == [crime.pk]
    assert listed(client.get(inbox, {"kind": ReferralKind.FALSE_ARBITRATION_CLUE})) == [clue.pk]
    assert listed(client.get(inbox, {"overdue": "on"})) == [clue.pk]
    recent = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert listed(client.get(inbox, {"date_from": recent})) == [clue.pk]
    assert listed(client.get(inbox, {"date_to": recent})) == [crime.pk]
    assert listed(client.get(inbox, {"q": clue.number})) == [clue.pk]
    assert listed(client.get(inbox, {"q": "鑫达"})) == [clue.pk]
    page = client.get(inbox, {"overdue": "on"}).content.decode()
    assert 'class="overdue"' in page


def _squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {
            "q": '鑫达<"',
            "status": S.SENT,
            "kind": ReferralKind.OTHER,
            "overdue": "on",
            "date_from": "2026-01-02",
            "date_to": "not a date",
        },
        {"status": "nonsense", "kind": "", "q": "x" * 101, "date_from": "2026-13-01"},
    ],
)
def test_the_written_out_filters_are_the_markup_of_the_forms_own_fields(
    client, procuratorate_liaison, query
):
    """The inbox writes its filter inputs out (bench B1); they keep what was chosen and show
    what is wrong exactly as includes/field.html around Django's widgets does."""
    login(client, procuratorate_liaison)
    response = client.get(reverse("referrals:inbox"), query)
    page = _squeezed(response.content.decode())
    for field in response.context["form"]:
        assert _squeezed(render_to_string("includes/field.html", {"field": field})) in page


def _list_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_list_page_costs_the_same_queries_for_3_and_for_30_referrals(
    client, bureau_inspector, procuratorate_liaison, bureau_case
):
    login(client, procuratorate_liaison)
    counts = []
    for size in (3, 27):
        for _ in range(size):
            move(
                draft(bureau_inspector, "procuratorate", case=bureau_case), "send", bureau_inspector
            )
        counts.append(_list_queries(client, reverse("referrals:inbox")))
    assert counts[0] == counts[1]
    assert Referral.objects.count() == 30


def test_the_outbox_query_count_does_not_grow_either(
    client, bureau_inspector, django_assert_num_queries
):
    login(client, bureau_inspector)
    for _ in range(3):
        draft(bureau_inspector, "procuratorate")
    count = _list_queries(client, reverse("referrals:outbox"))
    for _ in range(27):
        draft(bureau_inspector, "arbitration", kind=ReferralKind.DISPUTE)
    with django_assert_num_queries(count):
        client.get(reverse("referrals:outbox"))


def test_lists_show_25_referrals_a_page(client, bureau_inspector):
    for _ in range(27):
        draft(bureau_inspector, "procuratorate")
    login(client, bureau_inspector)
    first = client.get(reverse("referrals:outbox"))
    assert len(listed(first)) == 25
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("referrals:outbox"), {"page": 2})
    assert len(listed(second)) == 2


# --- the detail page -----------------------------------------------------------------------------


def test_the_detail_page_shows_the_timeline_the_feedback_and_a_collective_subject(
    client, bureau_inspector, procuratorate_liaison, procuratorate_admin
):
    referral = draft(bureau_inspector, "procuratorate", workers=23, amount_owed="356000.00")
    services.referral_attachment_add(
        actor=bureau_inspector,
        referral=referral,
        upload=SimpleUploadedFile("工资表.png", png_bytes(), "image/png"),
    )
    referral = drive(
        referral,
        S.FEEDBACK_GIVEN,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    response = login(client, bureau_inspector).get(url("detail", referral))
    page = response.content.decode()
    actions = re.findall(r'data-action="([^"]+)"', page)
    assert actions == [
        "referral.create",
        "referral.attachment_add",
        "referral.send",
        "referral.acknowledge",
        "referral.accept",
        "referral.give_feedback",
    ]
    assert "已立案审查。" in page
    assert "工资表.png" in page
    assert "23" in page and "¥356,000.00" in page
    assert response.context["can"]["close"] and response.context["can"]["request_more"]
    assert not response.context["can"]["acknowledge"]


def test_the_receiver_sees_only_its_own_moves(
    client, clue, bureau_inspector, procuratorate_liaison
):
    clue = move(clue, "send", bureau_inspector)
    response = login(client, procuratorate_liaison).get(url("detail", clue))
    assert {move for move, allowed in response.context["can"].items() if allowed} == {"acknowledge"}
    page = response.content.decode()
    assert url("acknowledge", clue) in page
    assert url("withdraw", clue) not in page
    assert f'name="version" value="{clue.version}"' in page


def test_a_leader_reads_but_gets_no_buttons(client, arrears, arbitrator, bureau_leader):
    arrears = move(arrears, "send", arbitrator)
    response = login(client, bureau_leader).get(url("detail", arrears))
    assert response.status_code == 200
    assert not any(response.context["can"].values())
    assert 'data-testid="moves"' not in response.content.decode()


# --- the form ----------------------------------------------------------------------------------


def form_data(**overrides: object) -> dict[str, object]:
    return {
        "receiver": agency("procuratorate").pk,
        "kind": ReferralKind.FALSE_ARBITRATION_CLUE,
        "urgency": "urgent",
        "case_number": "",
        "employer_name": "广州市海珠区鸿运建筑劳务有限公司",
        "employer_credit_code": valid_credit_code(),
        "workers": 8,
        "amount_owed": "96000.00",
        "summary": "多名工人反映该公司与个别人员串通，虚构劳动争议申请仲裁。",
        "legal_basis": "《人民检察院民事诉讼监督规则》",
        **overrides,
    }


def test_staff_draft_a_referral_through_the_form(client, bureau_inspector):
    response = login(client, bureau_inspector).post(reverse("referrals:create"), form_data())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", referral)
    assert (referral.status, referral.urgency, referral.workers) == (S.DRAFT, "urgent", 8)


def test_the_form_offers_every_agency_but_ones_own(client, bureau_inspector):
    form = login(client, bureau_inspector).get(reverse("referrals:create")).context["form"]
    codes = {a.code for a in form.fields["receiver"].queryset}
    assert codes == {"arbitration", "procuratorate", "court", "police"}


def test_a_linked_case_is_found_by_its_number_among_visible_cases(
    client, bureau_inspector, bureau_case, arbitration_case
):
    login(client, bureau_inspector)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("referrals:create"), form_data(case_number=arbitration_case.number)
    )
    assert "No case with this number" in response.content.decode()
    client.post(
        reverse("referrals:create"),
        form_data(case_number=bureau_case.number, employer_name="", employer_credit_code=""),
    )
    assert Referral.objects.get().case == bureau_case


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"employer_credit_code": "91440105MA59XK3T70"}, "not a valid unified social credit code"),
        ({"kind": ReferralKind.WAGE_ARREARS_CLUE}, "cannot go to"),
        ({"employer_name": ""}, "Name the employer"),
        ({"summary": ""}, "This field is required"),
    ],
)
def test_bad_input_on_the_form_says_what_is_wrong_and_saves_nothing(
    client, bureau_inspector, overrides, message
):
    with_english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    client.cookies["django_language"] = "en"
    response = login(client, bureau_inspector).post(
        reverse("referrals:create"), form_data(**overrides), **with_english
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.exists()


def test_a_leader_cannot_open_the_form(client, bureau_leader):
    response = login(client, bureau_leader).get(reverse("referrals:create"), follow=True)
    assert errors(response)
    assert response.redirect_chain[-1][0] == reverse("referrals:outbox")


def test_editing_from_a_stale_page_says_so_and_keeps_the_newer_text(
    client, clue, bureau_inspector, bureau_mediator
):
    services.referral_update(
        actor=bureau_mediator,
        referral=clue,
        expected_version=1,
        data=referral_data(summary="新版本"),
    )
    client.cookies["django_language"] = "en"
    response = login(client, bureau_inspector).post(
        url("edit", clue), {**form_data(summary="旧页面"), "version": 1}
    )
    assert "changed meanwhile; reload the page" in response.content.decode()
    clue.refresh_from_db()
    assert clue.summary == "新版本"


# --- moves by POST -------------------------------------------------------------------------------


def test_a_move_by_post_redirects_to_the_referral_with_a_message(client, clue, bureau_inspector):
    response = login(client, bureau_inspector).post(url("send", clue), {"version": 1}, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", clue)
    clue.refresh_from_db()
    assert clue.status == S.SENT
    assert not errors(response)


@pytest.mark.parametrize(
    ("who", "name", "data", "message"),
    [
        ("bureau_mediator", "send", {"version": 1}, "Only the author or an administrator"),
        ("bureau_inspector", "withdraw", {"version": 1}, "cannot be done while"),
        ("bureau_inspector", "send", {"version": 7}, "changed meanwhile; reload the page"),
        ("bureau_inspector", "send", {}, "This field is required"),
    ],
)
def test_a_refused_move_by_post_tells_why_and_changes_nothing(
    request, client, clue, who, name, data, message
):
    client.cookies["django_language"] = "en"
    response = login(client, request.getfixturevalue(who)).post(url(name, clue), data, follow=True)
    assert any(message in text for text in errors(response)), errors(response)
    clue.refresh_from_db()
    assert (clue.status, clue.version, clue.number) == (S.DRAFT, 1, "")


def test_returning_without_a_reason_by_post_is_refused(
    client, clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(clue, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    response = login(client, procuratorate_admin).post(
        url("return", clue), {"version": clue.version, "reason": ""}, follow=True
    )
    assert errors(response)
    clue.refresh_from_db()
    assert clue.status == S.ACKNOWLEDGED


def test_feedback_by_post_carries_files(client, clue, procuratorate_liaison, procuratorate_admin):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    files = [
        SimpleUploadedFile("a.png", png_bytes(), "image/png"),
        SimpleUploadedFile("b.png", png_bytes(), "image/png"),
    ]
    login(client, procuratorate_liaison).post(
        url("give-feedback", clue),
        {
            "version": clue.version,
            "outcome": "case_opened",
            "text": "已立案审查。",
            "attachments": files,
        },
    )
    feedback = clue.feedback.get()
    assert feedback.outcome == "case_opened"
    assert sorted(a.original_name for a in feedback.attachments.all()) == ["a.png", "b.png"]


def test_a_bad_file_in_the_feedback_by_post_refuses_it_all(
    client, clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = login(client, procuratorate_liaison).post(
        url("give-feedback", clue),
        {"version": clue.version, "outcome": "other", "text": "文字", "attachments": [bad]},
        follow=True,
    )
    assert errors(response)
    clue.refresh_from_db()
    assert clue.status == S.ACCEPTED
    assert not clue.feedback.exists()


# --- downloads and letters --------------------------------------------------------------------------


def test_an_attachment_downloads_as_an_attachment_with_nosniff(client, clue, bureau_inspector):
    attachment = services.referral_attachment_add(
        actor=bureau_inspector,
        referral=clue,
        upload=SimpleUploadedFile("scan.html", png_bytes(), "text/html"),
    )
    response = login(client, bureau_inspector).get(
        url("attachment-download", clue, attachment_pk=attachment.pk)
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'attachment; filename="scan.png"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == png_bytes()


def test_an_attachment_of_another_referral_is_404_under_a_visible_one(
    client, bureau_inspector, arbitrator
):
    mine = draft(bureau_inspector, "procuratorate")
    theirs = draft(arbitrator, "procuratorate")
    foreign = services.referral_attachment_add(
        actor=arbitrator, referral=theirs, upload=SimpleUploadedFile("a.png", png_bytes())
    )
    response = login(client, bureau_inspector).get(
        url("attachment-download", mine, attachment_pk=foreign.pk)
    )
    assert response.status_code == 404


def test_the_letters_are_generated_as_pdfs_and_downloaded(
    client,
    clue,
    bureau_inspector,
    procuratorate_liaison,
    procuratorate_admin,
    django_capture_on_commit_callbacks,
):
    clue = drive(
        clue,
        S.FEEDBACK_GIVEN,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    login(client, bureau_inspector)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("letter-request", clue))
        client.post(url("feedback-letter-request", clue))
    documents = Document.objects.order_by("pk")
    assert [d.kind for d in documents] == [services.LETTER, services.FEEDBACK_LETTER]
    assert all(d.status == "ready" for d in documents)
    response = client.get(reverse("core:document-download", kwargs={"pk": documents[0].pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_arbitration_user_gets_404_for_a_bureau_to_procuratorate_referral_and_all_it_holds(
    client, clue, bureau_inspector, procuratorate_liaison, procuratorate_admin, arbitration_mediator
):
    attachment = services.referral_attachment_add(
        actor=bureau_inspector, referral=clue, upload=SimpleUploadedFile("a.png", png_bytes())
    )
    clue = drive(
        clue,
        S.FEEDBACK_GIVEN,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    letters = [
        services.referral_letter_request(actor=bureau_inspector, referral=clue, kind=kind)
        for kind in (services.LETTER, services.FEEDBACK_LETTER)
    ]
    for letter in letters:
        document_render(document_id=letter.pk)
    login(client, arbitration_mediator)
    gets = [
        url("detail", clue),
        url("edit", clue),
        url("attachment-download", clue, attachment_pk=attachment.pk),
        *(reverse("core:document-download", kwargs={"pk": letter.pk}) for letter in letters),
    ]
    for page in gets:
        assert client.get(page).status_code == 404, page
    for name in ("letter-request", "feedback-letter-request", "close", "request-more"):
        assert client.post(url(name, clue), {"version": clue.version}).status_code == 404, name
    assert Document.objects.count() == 2
    assert list(client.get(reverse("referrals:inbox")).context["page"].object_list) == []


def test_deadlines_on_the_page_show_overdue_steps(client, clue, bureau_inspector):
    clue = move(clue, "send", bureau_inspector)
    deadlines_of(clue).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    page = login(client, bureau_inspector).get(url("detail", clue)).content.decode()
    assert "移送签收" in page
    assert "逾期" in page or "overdue" in page


def test_a_collective_referral_shows_its_workers_in_the_list(client, bureau_inspector):
    draft(bureau_inspector, "procuratorate", workers=40, amount_owed="880000.00")
    page = login(client, bureau_inspector).get(reverse("referrals:outbox")).content.decode()
    assert re.search(r"40\s*(名劳动者|workers)", page)


def test_a_case_with_claimants_links_back_from_the_referral(
    client, bureau_inspector, procuratorate_liaison
):
    case = make_case(agency_code="bureau", actor=bureau_inspector, claimants=3)
    referral = move(draft(bureau_inspector, "procuratorate", case=case), "send", bureau_inspector)
    response = login(client, procuratorate_liaison).get(url("detail", referral))
    assert response.context["case_visible"]
    assert reverse("cases:detail", kwargs={"pk": case.pk}) in response.content.decode()


def test_the_procuratorate_is_not_offered_an_administrative_penalty_as_its_outcome(
    client, clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    page = login(client, procuratorate_liaison).get(url("detail", clue))
    offered = [value for value, _label in page.context["feedback_form"].fields["outcome"].choices]
    assert "penalty_imposed" not in offered
    assert "case_opened" in offered
    response = client.post(
        url("give-feedback", clue),
        {"version": clue.version, "outcome": "penalty_imposed", "text": "已作出行政处罚。"},
    )
    assert response.status_code == 200
    assert not clue.feedback.exists()


def test_a_refused_referral_keeps_everything_typed_and_names_the_field(client, bureau_inspector):
    data = form_data(employer_credit_code="91440105MA59XK3T7Y")  # a wrong check character
    response = login(client, bureau_inspector).post(reverse("referrals:create"), data)
    refused_in_place(
        response,
        typed=[
            "91440105MA59XK3T7Y",
            "广州市海珠区鸿运建筑劳务有限公司",
            "96000.00",
            "多名工人反映该公司与个别人员串通，虚构劳动争议申请仲裁。",
            "《人民检察院民事诉讼监督规则》",
        ],
        field_id="id_employer_credit_code",
    )
    assert not Referral.objects.exists()
