"""Memberships and appointments: who belongs where, and who works another agency's cases."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.utils import timezone, translation

from portal.cases.models import CaseAssignment
from portal.cases.permissions import access_case
from portal.cases.services import case_assign
from portal.core.errors import ApplicationError
from portal.core.models import Appointment, AppointmentKind, AuditEvent, Membership, Role, User
from portal.core.people import (
    appointment_create,
    appointment_end,
    appointment_valid_for,
    appointments_expire,
    membership_end,
    membership_set,
)
from portal.core.permissions import agency_group

from ..factories import UserFactory, agency, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fresh(user: User) -> User:
    """The user as the next request would load it (memberships are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def appoint(
    user: User,
    *,
    by: str = "arbitration",
    actor: User | None = None,
    days_before: int = 1,
    days_after: int = 30,
) -> Appointment:
    today = timezone.localdate()
    return appointment_create(
        actor=actor,
        user=user,
        appointing_agency=agency(by),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=today - datetime.timedelta(days=days_before),
        valid_until=today + datetime.timedelta(days=days_after),
    )


# --- membership_set ---------------------------------------------------------------------------


def test_agency_admin_can_put_a_person_in_their_agency_and_its_group(arbitration_admin):
    newcomer = UserFactory(username="newcomer")
    membership = membership_set(
        actor=arbitration_admin,
        user=newcomer,
        agency=agency("arbitration"),
        roles=[Role.MEDIATOR, Role.ARBITRATOR],
    )
    assert membership.agency == agency("arbitration")
    assert membership.roles == [Role.ARBITRATOR, Role.MEDIATOR]
    assert agency_group(agency("arbitration")) in newcomer.groups.all()
    assert fresh(newcomer).agency == agency("arbitration")


def test_moving_to_another_agency_leaves_the_previous_agencys_group(arbitration_mediator):
    membership_set(
        actor=None, user=arbitration_mediator, agency=agency("bureau"), roles=[Role.MEDIATOR]
    )
    groups = set(arbitration_mediator.groups.all())
    assert agency_group(agency("bureau")) in groups
    assert agency_group(agency("arbitration")) not in groups
    assert Membership.objects.filter(user=arbitration_mediator).count() == 1


def test_moving_to_another_agency_takes_the_old_agencys_cases_away_at_once(
    arbitration_case, arbitration_mediator
):
    membership_set(
        actor=None, user=arbitration_mediator, agency=agency("bureau"), roles=[Role.MEDIATOR]
    )
    with pytest.raises(Http404):
        access_case(fresh(arbitration_mediator), arbitration_case.pk)


def test_moving_agency_ends_the_personal_assignments_of_the_old_agency_after_commit(
    django_capture_on_commit_callbacks, arbitration_case, arbitration_admin, arbitration_mediator
):
    assignment = case_assign(
        actor=arbitration_admin, case=arbitration_case, assignee=arbitration_mediator
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership_set(
            actor=None, user=arbitration_mediator, agency=agency("bureau"), roles=[Role.MEDIATOR]
        )
    assignment.refresh_from_db()
    assert assignment.ended_at is not None


def test_an_unknown_role_is_refused(arbitration_admin):
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ApplicationError, match="Unknown role: judge"):
        membership_set(
            actor=arbitration_admin, user=newcomer, agency=agency("arbitration"), roles=["judge"]
        )
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_external_agency_has_no_members():
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ApplicationError, match="External agencies"):
        membership_set(actor=None, user=newcomer, agency=agency("court"), roles=[Role.MEDIATOR])


def test_an_admin_of_another_agency_cannot_set_members(bureau_admin):
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ApplicationError, match="Only an administrator of this agency"):
        membership_set(
            actor=bureau_admin, user=newcomer, agency=agency("arbitration"), roles=[Role.MEDIATOR]
        )
    assert not Membership.objects.filter(user=newcomer).exists()


def test_staff_without_the_admin_role_cannot_set_members(arbitrator):
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ApplicationError, match="Only an administrator of this agency"):
        membership_set(
            actor=arbitrator, user=newcomer, agency=agency("arbitration"), roles=[Role.MEDIATOR]
        )


def test_setting_a_membership_is_audited(arbitration_admin):
    newcomer = UserFactory(username="newcomer")
    membership = membership_set(
        actor=arbitration_admin,
        user=newcomer,
        agency=agency("arbitration"),
        roles=[Role.MEDIATOR],
    )
    event = AuditEvent.objects.get(action="membership.set", object_id=str(membership.pk))
    assert event.actor == arbitration_admin
    assert event.agency == agency("arbitration")
    assert event.note == "mediator"


# --- membership_end ---------------------------------------------------------------------------


def test_a_leaver_loses_access_to_the_agencys_cases_at_once(
    arbitration_case, arbitration_admin, arbitration_mediator
):
    assert access_case(arbitration_mediator, arbitration_case.pk) == arbitration_case
    membership_end(actor=arbitration_admin, user=arbitration_mediator)
    leaver = fresh(arbitration_mediator)
    assert leaver.agency is None
    with pytest.raises(Http404):
        access_case(leaver, arbitration_case.pk)


def test_a_leavers_personal_assignments_of_that_agency_end_after_commit(
    django_capture_on_commit_callbacks, arbitration_case, arbitration_admin, arbitration_mediator
):
    assignment = case_assign(
        actor=arbitration_admin, case=arbitration_case, assignee=arbitration_mediator
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        membership_end(actor=arbitration_admin, user=arbitration_mediator)
    assert callbacks
    assignment.refresh_from_db()
    assert assignment.ended_at is not None
    assert AuditEvent.objects.filter(action="case.assignment_end").exists()


def test_a_leaver_keeps_no_appointment_nor_the_cases_it_gave(
    django_capture_on_commit_callbacks,
    arbitration_case,
    arbitration_admin,
    bureau_admin,
    bureau_mediator,
):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    assert access_case(fresh(bureau_mediator), arbitration_case.pk) == arbitration_case
    with django_capture_on_commit_callbacks(execute=True):
        membership_end(actor=bureau_admin, user=bureau_mediator)
    appointment.refresh_from_db()
    assert appointment.ended_at is not None
    with pytest.raises(Http404):
        access_case(fresh(bureau_mediator), arbitration_case.pk)


def test_ending_a_membership_is_audited(arbitration_admin, arbitration_mediator):
    membership_end(actor=arbitration_admin, user=arbitration_mediator)
    event = AuditEvent.objects.get(action="membership.end")
    assert event.actor == arbitration_admin
    assert event.object_id == str(arbitration_mediator.membership.pk)


def test_ending_an_ended_membership_changes_nothing(arbitration_admin, arbitration_mediator):
    membership_end(actor=arbitration_admin, user=arbitration_mediator)
    membership_end(actor=arbitration_admin, user=arbitration_mediator)
    assert AuditEvent.objects.filter(action="membership.end").count() == 1


def test_an_admin_of_another_agency_cannot_end_a_membership(bureau_admin, arbitration_mediator):
    with pytest.raises(ApplicationError, match="Only an administrator of this agency"):
        membership_end(actor=bureau_admin, user=arbitration_mediator)
    assert fresh(arbitration_mediator).agency == agency("arbitration")


def test_staff_without_the_admin_role_cannot_end_a_membership(arbitrator, arbitration_mediator):
    with pytest.raises(ApplicationError):
        membership_end(actor=arbitrator, user=arbitration_mediator)
    assert not AuditEvent.objects.filter(action="membership.end").exists()


# --- appointment_create -----------------------------------------------------------------------


def test_an_admin_can_appoint_a_member_of_another_portal_agency(arbitration_admin, bureau_mediator):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    assert appointment.appointing_agency == agency("arbitration")
    assert (
        appointment_valid_for(bureau_mediator, agency("arbitration"), day=timezone.localdate())
        == appointment
    )


def test_creating_an_appointment_is_audited(arbitration_admin, bureau_mediator):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    event = AuditEvent.objects.get(action="appointment.create")
    assert event.object_id == str(appointment.pk)
    assert event.actor == arbitration_admin
    assert event.agency == agency("arbitration")


def test_a_member_of_the_appointing_agency_cannot_be_appointed(arbitration_admin, arbitrator):
    with pytest.raises(ApplicationError, match="another portal agency"):
        appoint(arbitrator, actor=arbitration_admin)
    assert not Appointment.objects.exists()


def test_a_person_without_an_agency_cannot_be_appointed(arbitration_admin, outsider):
    with pytest.raises(ApplicationError, match="another portal agency"):
        appoint(outsider, actor=arbitration_admin)


def test_an_appointment_must_not_end_before_it_starts(arbitration_admin, bureau_mediator):
    with pytest.raises(ApplicationError) as error:
        appointment_create(
            actor=arbitration_admin,
            user=bureau_mediator,
            appointing_agency=agency("arbitration"),
            kind=AppointmentKind.SPECIAL_MEDIATOR,
            valid_from=datetime.date(2026, 5, 2),
            valid_until=datetime.date(2026, 5, 1),
        )
    assert error.value.field == "valid_until"
    assert not Appointment.objects.exists()


def test_a_one_day_appointment_is_allowed(arbitration_admin, bureau_mediator):
    day = datetime.date(2026, 5, 1)
    appointment = appointment_create(
        actor=arbitration_admin,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=day,
        valid_until=day,
    )
    assert appointment.is_valid_on(day)


def test_an_unknown_kind_of_appointment_is_refused(arbitration_admin, bureau_mediator):
    with pytest.raises(ApplicationError) as error:
        appointment_create(
            actor=arbitration_admin,
            user=bureau_mediator,
            appointing_agency=agency("arbitration"),
            kind="judge",
            valid_from=datetime.date(2026, 5, 1),
            valid_until=datetime.date(2026, 6, 1),
        )
    assert error.value.field == "kind"


def test_an_admin_of_another_agency_cannot_appoint_for_the_appointing_agency(
    procuratorate_admin, bureau_mediator
):
    with pytest.raises(ApplicationError, match="administrator of the appointing agency"):
        appoint(bureau_mediator, actor=procuratorate_admin)
    assert not Appointment.objects.exists()


def test_the_appointees_own_admin_cannot_appoint_them_for_another_agency(
    bureau_admin, bureau_mediator
):
    with pytest.raises(ApplicationError, match="administrator of the appointing agency"):
        appoint(bureau_mediator, actor=bureau_admin)


def test_staff_without_the_admin_role_cannot_appoint(arbitrator, bureau_mediator):
    with pytest.raises(ApplicationError, match="administrator of the appointing agency"):
        appoint(bureau_mediator, actor=arbitrator)


# --- appointment_end and appointments_expire --------------------------------------------------


def test_ending_an_appointment_takes_its_cases_away_after_commit(
    django_capture_on_commit_callbacks, arbitration_case, arbitration_admin, bureau_mediator
):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    assert access_case(bureau_mediator, arbitration_case.pk) == arbitration_case
    with django_capture_on_commit_callbacks(execute=True):
        appointment_end(actor=arbitration_admin, appointment=appointment)
    with pytest.raises(Http404):
        access_case(bureau_mediator, arbitration_case.pk)
    assert not CaseAssignment.objects.filter(
        case=arbitration_case, user=bureau_mediator, ended_at__isnull=True
    ).exists()


def test_ending_an_appointment_is_audited_once_and_idempotent(arbitration_admin, bureau_mediator):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    first = appointment_end(actor=arbitration_admin, appointment=appointment, note="left")
    second = appointment_end(actor=arbitration_admin, appointment=appointment)
    assert first.ended_at is not None
    assert second.ended_at == first.ended_at
    events = AuditEvent.objects.filter(action="appointment.end")
    assert [(e.actor, e.note) for e in events] == [(arbitration_admin, "left")]


def test_an_admin_of_another_agency_cannot_end_an_appointment(
    arbitration_admin, bureau_admin, bureau_mediator
):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    with pytest.raises(ApplicationError, match="administrator of the appointing agency"):
        appointment_end(actor=bureau_admin, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.ended_at is None


def test_staff_without_the_admin_role_cannot_end_an_appointment(
    arbitration_admin, arbitrator, bureau_mediator
):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    with pytest.raises(ApplicationError):
        appointment_end(actor=arbitrator, appointment=appointment)


def test_an_ended_appointment_cannot_be_ended_again_by_someone_not_allowed_to(
    arbitration_admin, bureau_admin, bureau_mediator
):
    appointment = appoint(bureau_mediator, actor=arbitration_admin)
    appointment_end(actor=arbitration_admin, appointment=appointment)
    with pytest.raises(ApplicationError):
        appointment_end(actor=bureau_admin, appointment=appointment)


def test_expiry_ends_appointments_past_their_last_day_once(
    django_capture_on_commit_callbacks,
    arbitration_case,
    arbitration_admin,
    bureau_mediator,
    procuratorate_liaison,
):
    expiring = appoint(bureau_mediator, actor=arbitration_admin, days_before=30, days_after=0)
    lasting = appoint(procuratorate_liaison, actor=arbitration_admin, days_after=1)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=procuratorate_liaison)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert appointments_expire(today=tomorrow) == 1
    assert appointments_expire(today=tomorrow) == 0

    expiring.refresh_from_db()
    lasting.refresh_from_db()
    assert expiring.ended_at is not None
    assert lasting.ended_at is None
    with pytest.raises(Http404):
        access_case(bureau_mediator, arbitration_case.pk)
    assert access_case(procuratorate_liaison, arbitration_case.pk) == arbitration_case
    event = AuditEvent.objects.get(action="appointment.end")
    assert (event.actor, event.note) == (None, "expired")


def test_an_appointment_is_not_expired_on_its_last_valid_day(arbitration_admin, bureau_mediator):
    appointment = appoint(bureau_mediator, actor=arbitration_admin, days_after=0)
    assert appointments_expire(today=timezone.localdate()) == 0
    appointment.refresh_from_db()
    assert appointment.ended_at is None


def test_an_appointed_person_sees_only_the_cases_assigned_to_them(
    arbitration_case, arbitration_admin, arbitrator, bureau_mediator
):
    other_case = make_case(agency_code="arbitration", actor=arbitrator)
    appoint(bureau_mediator, actor=arbitration_admin)
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    assert access_case(bureau_mediator, arbitration_case.pk) == arbitration_case
    with pytest.raises(Http404):
        access_case(bureau_mediator, other_case.pk)
