"""The agenda and the visibility of the cases it links: a participant whose agency cannot see
a case reads the item's title only, unless the organiser shares the case for the meeting,
which lasts until the minutes are approved (or the meeting is cancelled), audited."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from portal.cases.permissions import access_case
from portal.cases.services import case_assign
from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.core.models import AppointmentKind
from portal.core.people import appointment_create
from portal.meetings.models import AgendaItem, CaseShare, CaseShareGrant
from portal.meetings.selectors import agenda_for
from portal.meetings.services import (
    agenda_item_add,
    case_share_for_meeting,
    meeting_cancel,
    participant_add,
    participant_remove,
)

from ..factories import agency, make_case
from ..helpers import notification_titles, shown_note
from .builders import approved, held, make_meeting, scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(bureau_admin, arbitration_admin, procuratorate_liaison):
    """The bureau organises a consultation about one of its cases with the other two."""
    return make_meeting(bureau_admin, [arbitration_admin, procuratorate_liaison])


def share(meeting, actor, case):  # type: ignore[no-untyped-def]
    item = agenda_item_add(actor=actor, meeting=meeting, title="鑫达服装厂欠薪案研商", case=case)
    return item, case_share_for_meeting(actor=actor, meeting=meeting, item=item)


def test_the_organiser_adds_agenda_items_about_cases_they_see(
    consultation, bureau_admin, bureau_case
):
    first = agenda_item_add(actor=bureau_admin, meeting=consultation, title="通报工作")
    second = agenda_item_add(
        actor=bureau_admin,
        meeting=consultation,
        title="欠薪案研商",
        case=bureau_case,
        notes="请准备材料",
    )
    assert [(i.position, i.title) for i in consultation.agenda_items.all()] == [
        (1, "通报工作"),
        (2, "欠薪案研商"),
    ]
    assert (first.case, second.case) == (None, bureau_case)
    notes = audit_history(consultation).filter(action="meeting.agenda_item_add")
    assert list(notes.values_list("note", flat=True)) == ["2. 欠薪案研商", "1. 通报工作"]
    # The case's own history records the link; the meeting's, read by all, does not name it.
    link = audit_history(bureau_case).filter(action="meeting.agenda_link").get()
    assert (link.actor, link.note) == (bureau_admin, consultation.title)


def test_a_case_the_organiser_cannot_see_cannot_be_linked(
    consultation, bureau_admin, arbitration_case
):
    with pytest.raises(ApplicationError, match="only link a case you can see") as error:
        agenda_item_add(
            actor=bureau_admin, meeting=consultation, title="仲裁案", case=arbitration_case
        )
    assert error.value.field == "case"
    assert not AgendaItem.objects.exists()


def test_only_the_organising_agency_sets_the_agenda(consultation, arbitration_admin):
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        agenda_item_add(actor=arbitration_admin, meeting=consultation, title="我方议题")


def test_a_participant_whose_agency_cannot_see_the_case_reads_only_the_title(
    client, consultation, bureau_admin, arbitration_admin, bureau_case
):
    agenda_item_add(actor=bureau_admin, meeting=consultation, title="欠薪案研商", case=bureau_case)

    (row,) = agenda_for(consultation, arbitration_admin)
    assert (row.has_case, row.case_visible, row.item.case) == (True, False, None)
    (own,) = agenda_for(consultation, bureau_admin)
    assert (own.case_visible, own.item.case) == (True, bureau_case)

    client.force_login(arbitration_admin)
    page = client.get(reverse("meetings:detail", kwargs={"pk": consultation.pk})).content.decode()
    assert "欠薪案研商" in page
    assert bureau_case.number not in page
    assert reverse("cases:detail", kwargs={"pk": bureau_case.pk}) not in page
    with pytest.raises(Http404):
        access_case(arbitration_admin, bureau_case.pk)


def test_sharing_the_case_opens_it_to_the_participants_who_could_not_see_it(
    django_capture_on_commit_callbacks,
    consultation,
    bureau_admin,
    arbitration_admin,
    procuratorate_liaison,
    bureau_case,
):
    with django_capture_on_commit_callbacks(execute=True):
        _item, case_share = share(consultation, bureau_admin, bureau_case)
    for user in (arbitration_admin, procuratorate_liaison):
        assert access_case(user, bureau_case.pk) == bureau_case
        (row,) = agenda_for(consultation, user)
        assert (row.case_visible, row.shared) == (True, True)
    # Personally, for the meeting: their colleagues and the organiser's own agency get nothing.
    assert set(case_share.grants.values_list("user__username", flat=True)) == {
        "arb.admin",
        "proc.liaison",
    }
    assert f"Case {bureau_case.number} is shared with you for a meeting" in notification_titles(
        arbitration_admin
    )
    on_meeting = audit_history(consultation).filter(action="meeting.case_share").get()
    on_case = audit_history(bureau_case).filter(action="case.meeting_share").get()
    assert on_meeting.actor == on_case.actor == bureau_admin
    assert "arb.admin" in on_case.note and "proc.liaison" in on_case.note


def test_a_colleague_of_a_participant_does_not_get_the_shared_case(
    consultation, bureau_admin, arbitrator, bureau_case
):
    share(consultation, bureau_admin, bureau_case)
    with pytest.raises(Http404):
        access_case(arbitrator, bureau_case.pk)


def test_sharing_is_refused_to_others_twice_or_without_a_case(
    consultation, bureau_admin, bureau_leader, arbitration_admin, bureau_case
):
    item, _share = share(consultation, bureau_admin, bureau_case)
    with pytest.raises(ApplicationError, match="already shared"):
        case_share_for_meeting(actor=bureau_admin, meeting=consultation, item=item)
    for actor in (arbitration_admin, bureau_leader):
        with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
            case_share_for_meeting(actor=actor, meeting=consultation, item=item)
    plain = agenda_item_add(actor=bureau_admin, meeting=consultation, title="其他事项")
    with pytest.raises(ApplicationError, match="links no case"):
        case_share_for_meeting(actor=bureau_admin, meeting=consultation, item=plain)
    assert CaseShare.objects.count() == 1


def test_an_organiser_who_only_reads_a_case_cannot_share_it_further(
    consultation, bureau_admin, procuratorate_admin, procuratorate_liaison, bureau_case
):
    """The procuratorate liaison reads the bureau's case through the consultation's share; the
    procuratorate organises its own meeting on it, but only those who work a case share it."""
    share(consultation, bureau_admin, bureau_case)
    own = make_meeting(procuratorate_liaison, [procuratorate_admin], title="检察院内部研商")
    item = agenda_item_add(actor=procuratorate_liaison, meeting=own, title="研商", case=bureau_case)
    with pytest.raises(ApplicationError, match="Only someone who works this case can share it"):
        case_share_for_meeting(actor=procuratorate_liaison, meeting=own, item=item)


def test_approving_the_minutes_takes_the_shared_case_back_and_records_it(
    bureau_admin, arbitration_admin, bureau_case
):
    meeting = scheduled(bureau_admin, [arbitration_admin])
    share(meeting, bureau_admin, bureau_case)
    assert access_case(arbitration_admin, bureau_case.pk) == bureau_case
    approved(held(meeting), bureau_admin)
    with pytest.raises(Http404):
        access_case(arbitration_admin, bureau_case.pk)
    assert access_case(bureau_admin, bureau_case.pk) == bureau_case  # the owner keeps it
    assert CaseShare.objects.get().revoked_at is not None
    assert not CaseShareGrant.objects.exists()
    ended = audit_history(bureau_case).filter(action="case.meeting_share_end").get()
    assert "arb.admin" in shown_note(ended) and "minutes approved" in shown_note(ended)
    with translation.override("zh-hans"):  # the same note, read in Chinese
        assert "纪要已批准" in shown_note(ended)
    assert audit_history(meeting).filter(action="meeting.case_share_end").exists()


def test_cancelling_the_meeting_takes_the_shared_case_back(
    consultation, bureau_admin, arbitration_admin, bureau_case
):
    share(consultation, bureau_admin, bureau_case)
    meeting_cancel(actor=bureau_admin, meeting=consultation)
    with pytest.raises(Http404):
        access_case(arbitration_admin, bureau_case.pk)


def test_people_invited_after_the_share_get_it_and_people_removed_lose_it(
    consultation, bureau_admin, arbitration_admin, arbitrator, bureau_case
):
    share(consultation, bureau_admin, bureau_case)
    participant_add(actor=bureau_admin, meeting=consultation, user=arbitrator)
    assert access_case(arbitrator, bureau_case.pk) == bureau_case
    participant_remove(
        actor=bureau_admin,
        meeting=consultation,
        participant=consultation.participants.get(user=arbitration_admin),
    )
    with pytest.raises(Http404):
        access_case(arbitration_admin, bureau_case.pk)
    assert access_case(arbitrator, bureau_case.pk) == bureau_case
    assert audit_history(bureau_case).filter(action="case.meeting_share_end").count() == 1


def test_ending_a_share_keeps_access_the_person_holds_for_another_reason(
    bureau_admin, bureau_mediator, arbitration_admin, arbitrator, arbitration_case
):
    """A special mediator assigned to the case after it was shared keeps it afterwards; so does
    someone to whom another meeting still shares it."""
    today = timezone.localdate()
    appointment_create(
        actor=None,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    first = scheduled(arbitration_admin, [bureau_mediator, bureau_admin], title="第一次研商")
    second = make_meeting(arbitration_admin, [bureau_admin], title="第二次研商")
    share(first, arbitration_admin, arbitration_case)
    share(second, arbitration_admin, arbitration_case)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)

    approved(held(first), arbitration_admin)

    assert access_case(bureau_mediator, arbitration_case.pk) == arbitration_case  # assigned
    assert access_case(bureau_admin, arbitration_case.pk) == arbitration_case  # second share
    meeting_cancel(actor=arbitration_admin, meeting=second)
    with pytest.raises(Http404):
        access_case(bureau_admin, arbitration_case.pk)
    assert access_case(bureau_mediator, arbitration_case.pk) == arbitration_case


def test_an_agenda_item_links_a_referral_only_for_those_who_see_it(
    bureau_admin, arbitration_admin, bureau_inspector
):
    from portal.referrals.models import Referral

    from ..referrals.builders import draft, move

    referral: Referral = move(draft(bureau_inspector, "procuratorate"), "send", bureau_inspector)
    meeting = make_meeting(bureau_admin, [arbitration_admin])
    agenda_item_add(actor=bureau_admin, meeting=meeting, title="移送线索通报", referral=referral)
    (own,) = agenda_for(meeting, bureau_admin)
    (other,) = agenda_for(meeting, arbitration_admin)
    assert (own.referral_visible, own.item.referral) == (True, referral)
    assert (other.has_referral, other.referral_visible, other.item.referral) == (True, False, None)
    with pytest.raises(ApplicationError, match="only link a referral you can see"):
        agenda_item_add(
            actor=arbitration_admin,
            meeting=make_meeting(arbitration_admin),
            title="移送",
            referral=referral,
        )


def test_a_case_from_another_agency_stays_hidden_in_the_case_list(
    client, consultation, bureau_admin, arbitration_admin
):
    case = make_case(agency_code="bureau", actor=bureau_admin)
    agenda_item_add(actor=bureau_admin, meeting=consultation, title="议题", case=case)
    client.force_login(arbitration_admin)
    listed = client.get(reverse("cases:list")).context["cases"]
    assert case not in list(listed)


def test_a_case_is_not_shared_for_a_cancelled_meeting(
    consultation, bureau_admin, arbitration_admin, bureau_case
):
    item = agenda_item_add(actor=bureau_admin, meeting=consultation, title="研商", case=bureau_case)
    meeting_cancel(actor=bureau_admin, meeting=consultation)
    with pytest.raises(ApplicationError, match="The meeting was cancelled"):
        case_share_for_meeting(actor=bureau_admin, meeting=consultation, item=item)
    with pytest.raises(Http404):
        access_case(arbitration_admin, bureau_case.pk)
