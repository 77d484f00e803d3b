"""Mediation services: opening, assigning (conflicts of interest, special mediators),
sessions and the 15-day term; each move's happy path, wrong state, wrong agency, wrong role,
audit row and after-commit effects."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from portal.cases.models import CaseAssignment, CaseStatus
from portal.cases.permissions import access_case
from portal.cases.services.intake import case_accept
from portal.core.audit import audit_actions, audit_history
from portal.core.deadlines import deadline_for
from portal.core.errors import ApplicationError
from portal.core.models import Notification, Role
from portal.mediation.models import (
    Mediation,
    MediationSource,
    MediationStatus,
    MediatorConflict,
    SessionStatus,
)
from portal.mediation.selectors import term_deadline
from portal.mediation.services import (
    mediation_assign,
    mediation_conflict_declare,
    mediation_open,
    mediation_session_record,
    mediation_session_schedule,
    mediation_term_extend,
    mediation_terms_warn,
)

from ..factories import member
from ..referrals.builders import draft, drive

pytestmark = pytest.mark.django_db


# --- opening -------------------------------------------------------------------------------------


def test_mediator_opens_mediation_of_case_routed_at_intake(
    routed_case, arbitration_mediator, arbitration_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mediation = mediation_open(actor=arbitration_mediator, case=routed_case)
    routed_case.refresh_from_db()
    assert routed_case.status == CaseStatus.MEDIATING
    assert mediation.status == MediationStatus.UNASSIGNED
    assert mediation.source == MediationSource.FILING
    assert mediation.requested_on == timezone.localdate(routed_case.decided_at)
    assert audit_actions(audit_history(mediation)) == ["mediation.open"]
    assert "case.mediation_start" in audit_actions(audit_history(routed_case))
    assert Notification.objects.filter(recipient=arbitration_admin).exists()


def test_the_term_runs_fifteen_days_from_the_mediation_request(mediation):
    deadline = term_deadline(mediation)
    assert deadline is not None
    assert deadline.started_on == mediation.requested_on
    assert deadline.due_on == deadline_for("mediation.term", mediation.requested_on).date


def test_staff_open_mediation_of_an_accepted_case(arbitration_case, arbitrator):
    case_accept(actor=arbitrator, case=arbitration_case)
    mediation = mediation_open(actor=arbitrator, case=arbitration_case)
    assert mediation.source == MediationSource.STAFF
    assert mediation.requested_on == timezone.localdate()


def test_a_filed_case_cannot_be_mediated_before_the_intake_decision(arbitration_case, arbitrator):
    with pytest.raises(ApplicationError):
        mediation_open(actor=arbitrator, case=arbitration_case)
    assert not Mediation.objects.exists()


def test_a_case_has_one_mediation(mediation, arbitration_mediator):
    with pytest.raises(ApplicationError):
        mediation_open(actor=arbitration_mediator, case=mediation.case)
    assert Mediation.objects.count() == 1


def test_the_bureau_cannot_open_a_mediation_of_its_own_case(bureau_case, bureau_mediator):
    with pytest.raises(ApplicationError):
        mediation_open(actor=bureau_mediator, case=bureau_case)
    assert not Mediation.objects.exists()


def test_the_leader_cannot_open_a_mediation(routed_case, bureau_leader):
    with pytest.raises(ApplicationError):
        mediation_open(actor=bureau_leader, case=routed_case)


def test_committee_opens_mediation_of_a_bureau_case_referred_as_a_dispute(
    bureau_case, bureau_inspector, arbitration_mediator, arbitration_admin
):
    referral = drive(
        draft(bureau_inspector, "arbitration", case=bureau_case),
        "accepted",
        receiver_staff=arbitration_mediator,
        receiver_admin=arbitration_admin,
    )
    mediation = mediation_open(actor=arbitration_mediator, case=bureau_case, referral=referral)
    assert mediation.source == MediationSource.REFERRAL
    assert mediation.referral == referral
    assert mediation.requested_on == timezone.localdate(referral.sent_at)
    bureau_case.refresh_from_db()
    assert bureau_case.status != CaseStatus.MEDIATING  # the bureau's case keeps its own status


def test_a_referral_not_yet_accepted_opens_no_mediation(
    bureau_case, bureau_inspector, arbitration_mediator, arbitration_admin
):
    referral = drive(
        draft(bureau_inspector, "arbitration", case=bureau_case),
        "acknowledged",
        receiver_staff=arbitration_mediator,
        receiver_admin=arbitration_admin,
    )
    with pytest.raises(ApplicationError):
        mediation_open(actor=arbitration_mediator, case=bureau_case, referral=referral)
    assert not Mediation.objects.exists()


# --- assigning -----------------------------------------------------------------------------------


def test_admin_assigns_a_mediator_of_the_committee(
    mediation, arbitration_admin, arbitration_mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mediation_assign(
            actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator
        )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.MEDIATING
    assert mediation.mediator == arbitration_mediator
    assert mediation.appointment is None
    assert CaseAssignment.objects.filter(
        case=mediation.case, user=arbitration_mediator, ended_at__isnull=True
    ).exists()
    assert "mediation.assign" in audit_actions(audit_history(mediation))
    assert Notification.objects.filter(
        recipient=arbitration_mediator, title__contains=mediation.case.number
    ).exists()


def test_a_special_mediator_with_a_valid_appointment_is_assigned_and_sees_the_case(
    mediation, arbitration_admin, bureau_mediator, special_appointment
):
    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=bureau_mediator)
    mediation.refresh_from_db()
    assert mediation.appointment == special_appointment
    assert access_case(bureau_mediator, mediation.case.pk) == mediation.case


def test_a_special_mediator_without_a_valid_appointment_is_refused(
    mediation, arbitration_admin, bureau_mediator
):
    with pytest.raises(ApplicationError):
        mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=bureau_mediator)
    mediation.refresh_from_db()
    assert mediation.mediator is None
    assert mediation.status == MediationStatus.UNASSIGNED


def test_an_appointment_that_starts_tomorrow_is_not_valid_today(
    mediation, arbitration_admin, bureau_mediator, special_appointment
):
    special_appointment.valid_from = timezone.localdate() + datetime.timedelta(days=1)
    special_appointment.save(update_fields=["valid_from"])
    with pytest.raises(ApplicationError):
        mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=bureau_mediator)


def test_a_liaison_appointment_does_not_make_a_mediator(
    mediation, arbitration_admin, procuratorate_liaison
):
    from portal.core.models import Agency, AppointmentKind
    from portal.core.people import appointment_create

    today = timezone.localdate()
    appointment_create(
        actor=arbitration_admin,
        user=procuratorate_liaison,
        appointing_agency=Agency.objects.get(code="arbitration"),
        kind=AppointmentKind.LIAISON,
        valid_from=today,
        valid_until=today,
    )
    with pytest.raises(ApplicationError):
        mediation_assign(
            actor=arbitration_admin, mediation=mediation, mediator=procuratorate_liaison
        )


def test_a_committee_member_without_the_mediator_role_is_refused(
    mediation, arbitration_admin, arbitrator
):
    with pytest.raises(ApplicationError):
        mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=arbitrator)


def test_only_an_admin_of_the_committee_assigns(
    mediation, arbitration_mediator, arbitrator, bureau_admin
):
    for actor in (arbitration_mediator, arbitrator, bureau_admin):
        with pytest.raises(ApplicationError):
            mediation_assign(actor=actor, mediation=mediation, mediator=arbitration_mediator)
    mediation.refresh_from_db()
    assert mediation.mediator is None


def test_a_declared_conflict_blocks_the_assignment_and_is_recorded(
    mediation, arbitration_admin, arbitration_mediator
):
    mediation_conflict_declare(
        actor=arbitration_mediator,
        mediation=mediation,
        mediator=arbitration_mediator,
        reason="申请人是本人表弟",
    )
    with pytest.raises(ApplicationError, match="表弟"):
        mediation_assign(
            actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator
        )
    mediation.refresh_from_db()
    assert mediation.mediator is None
    assert MediatorConflict.objects.filter(mediation=mediation).count() == 1
    assert "mediation.conflict_declare" in audit_actions(audit_history(mediation))


def test_a_mediator_who_declares_a_conflict_is_taken_off_the_case(
    mediating, arbitration_mediator, arbitration_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mediation_conflict_declare(
            actor=arbitration_mediator,
            mediation=mediating,
            mediator=arbitration_mediator,
            reason="曾在被申请人处任职",
        )
    mediating.refresh_from_db()
    assert mediating.status == MediationStatus.UNASSIGNED
    assert mediating.mediator is None
    assert not CaseAssignment.objects.filter(
        case=mediating.case, user=arbitration_mediator, ended_at__isnull=True
    ).exists()
    assert Notification.objects.filter(recipient=arbitration_admin, body="曾在被申请人处任职")


def test_nobody_else_declares_a_conflict_for_a_mediator(
    mediation, arbitrator, arbitration_mediator
):
    with pytest.raises(ApplicationError):
        mediation_conflict_declare(
            actor=arbitrator, mediation=mediation, mediator=arbitration_mediator, reason="x"
        )
    assert not MediatorConflict.objects.exists()


def test_a_conflict_needs_its_reason(mediation, arbitration_admin, arbitration_mediator):
    with pytest.raises(ApplicationError):
        mediation_conflict_declare(
            actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator, reason=" "
        )


def test_reassigning_ends_the_previous_mediators_case_assignment(
    mediating, arbitration_admin, arbitration_mediator
):
    second = member("arb.mediator2", "arbitration", Role.MEDIATOR)
    mediation_assign(actor=arbitration_admin, mediation=mediating, mediator=second)
    mediating.refresh_from_db()
    assert mediating.mediator == second
    assert not CaseAssignment.objects.filter(
        case=mediating.case, user=arbitration_mediator, ended_at__isnull=True
    ).exists()
    assert "mediation.reassign" in audit_actions(audit_history(mediating))


# --- sessions ------------------------------------------------------------------------------------


def _when() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=2)


def test_the_mediator_schedules_and_records_a_session(mediating, arbitration_mediator):
    session = mediation_session_schedule(
        actor=arbitration_mediator, mediation=mediating, scheduled_for=_when(), place="调解室一"
    )
    assert session.status == SessionStatus.SCHEDULED
    mediation_session_record(
        actor=arbitration_mediator,
        session=session,
        attendees="申请人张三；被申请人代理人李四",
        summary="双方对欠薪数额无争议，对支付期限有分歧。",
        proposals="分三期支付",
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert session.held_at is not None
    assert session.recorded_by == arbitration_mediator
    assert audit_actions(audit_history(mediating))[:2] == [
        "mediation.session_record",
        "mediation.session_schedule",
    ]


def test_a_session_is_recorded_once(mediating, arbitration_mediator):
    session = mediation_session_schedule(
        actor=arbitration_mediator, mediation=mediating, scheduled_for=_when(), place="调解室一"
    )
    mediation_session_record(
        actor=arbitration_mediator, session=session, attendees="a", summary="b"
    )
    with pytest.raises(ApplicationError):
        mediation_session_record(
            actor=arbitration_mediator, session=session, attendees="c", summary="d"
        )
    session.refresh_from_db()
    assert session.attendees == "a"


def test_a_record_needs_attendees_and_summary(mediating, arbitration_mediator):
    session = mediation_session_schedule(
        actor=arbitration_mediator, mediation=mediating, scheduled_for=_when(), place="调解室一"
    )
    with pytest.raises(ApplicationError):
        mediation_session_record(
            actor=arbitration_mediator, session=session, attendees="", summary="b"
        )
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_no_session_before_a_mediator_is_assigned(mediation, arbitration_admin):
    with pytest.raises(ApplicationError):
        mediation_session_schedule(
            actor=arbitration_admin, mediation=mediation, scheduled_for=_when(), place="调解室一"
        )


def test_only_the_assigned_mediator_or_an_admin_runs_sessions(
    mediating, arbitrator, bureau_mediator, arbitration_admin
):
    for actor in (arbitrator, bureau_mediator):
        with pytest.raises(ApplicationError):
            mediation_session_schedule(
                actor=actor, mediation=mediating, scheduled_for=_when(), place="调解室一"
            )
    mediation_session_schedule(
        actor=arbitration_admin, mediation=mediating, scheduled_for=_when(), place="调解室一"
    )
    assert mediating.sessions.count() == 1


def test_a_special_mediator_whose_appointment_ended_can_no_longer_run_sessions(
    mediation, arbitration_admin, bureau_mediator, special_appointment
):
    from portal.core.people import appointment_end

    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=bureau_mediator)
    mediation_session_schedule(
        actor=bureau_mediator, mediation=mediation, scheduled_for=_when(), place="调解室一"
    )
    appointment_end(actor=arbitration_admin, appointment=special_appointment)
    with pytest.raises(ApplicationError):
        mediation_session_schedule(
            actor=bureau_mediator, mediation=mediation, scheduled_for=_when(), place="调解室二"
        )


# --- the term ------------------------------------------------------------------------------------


def test_an_extension_agreed_by_the_parties_moves_the_end_of_the_term(
    mediating, arbitration_mediator
):
    before = term_deadline(mediating).due_on
    extension = mediation_term_extend(
        actor=arbitration_mediator, mediation=mediating, days=10, agreement="双方书面同意延长"
    )
    assert extension.due_before == before
    assert term_deadline(mediating).due_on == before + datetime.timedelta(days=10)
    assert "mediation.term_extend" in audit_actions(audit_history(mediating))


def test_an_extension_needs_the_parties_agreement_and_a_sensible_length(
    mediating, arbitration_mediator
):
    before = term_deadline(mediating).due_on
    for days, agreement in ((10, ""), (0, "同意"), (61, "同意")):
        with pytest.raises(ApplicationError):
            mediation_term_extend(
                actor=arbitration_mediator, mediation=mediating, days=days, agreement=agreement
            )
    assert term_deadline(mediating).due_on == before


def test_the_mediator_is_warned_once_before_the_term_ends(
    mediating, arbitration_mediator, django_capture_on_commit_callbacks
):
    due = term_deadline(mediating).due_on
    assert mediation_terms_warn(today=due - datetime.timedelta(days=10)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert mediation_terms_warn(today=due - datetime.timedelta(days=2)) == 1
        assert mediation_terms_warn(today=due - datetime.timedelta(days=1)) == 0
    warnings = Notification.objects.filter(
        recipient=arbitration_mediator, title__contains=f"{due:%Y-%m-%d}"
    )
    assert warnings.count() == 1


def test_without_a_mediator_the_admins_are_warned(
    mediation, arbitration_admin, django_capture_on_commit_callbacks
):
    due = term_deadline(mediation).due_on
    with django_capture_on_commit_callbacks(execute=True):
        assert mediation_terms_warn(today=due) == 1
    warning = Notification.objects.get(
        recipient=arbitration_admin, title__contains=f"{due:%Y-%m-%d}"
    )
    assert mediation.case.number in warning.title


def test_an_extension_earns_a_fresh_warning(mediating, arbitration_mediator):
    due = term_deadline(mediating).due_on
    assert mediation_terms_warn(today=due) == 1
    mediation_term_extend(
        actor=arbitration_mediator, mediation=mediating, days=10, agreement="同意"
    )
    assert mediation_terms_warn(today=due) == 0
    assert mediation_terms_warn(today=due + datetime.timedelta(days=9)) == 1


def test_the_warning_task_calls_the_service(mediating):
    from portal.mediation.tasks import mediation_terms_warn_task

    mediating.requested_on = timezone.localdate() - datetime.timedelta(days=14)
    deadline = term_deadline(mediating)
    deadline.due_on = timezone.localdate() + datetime.timedelta(days=1)
    deadline.save(update_fields=["due_on"])
    assert mediation_terms_warn_task() == 1
    assert mediation_terms_warn_task() == 0
