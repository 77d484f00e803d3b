"""Services for agencies' people: memberships and appointments."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import ApplicationError
from .models import Agency, Appointment, AppointmentKind, Membership, Role, User
from .permissions import agency_group
from .roles import has_role
from .signals import appointment_ended, membership_ended


@transaction.atomic
def membership_set(
    *, actor: User | None, user: User, agency: Agency, roles: list[str]
) -> Membership:
    """Put a person in one agency with roles; they leave any other agency (and its group)."""
    if not agency.is_member:
        raise ApplicationError(_("External agencies have no portal accounts."))
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ApplicationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    if actor is not None and not _may_manage(actor, agency):
        raise ApplicationError(_("Only an administrator of this agency can change its members."))
    previous = Membership.objects.select_for_update().filter(user=user).first()
    left: Agency | None = None
    if previous is not None and previous.agency_id != agency.pk:
        left = previous.agency
        user.groups.remove(agency_group(previous.agency))
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"agency": agency, "roles": sorted(set(roles)), "active": True}
    )
    user.groups.add(agency_group(agency))
    audit_record(actor=actor, action="membership.set", obj=membership, note=",".join(sorted(roles)))
    if left is not None:
        transaction.on_commit(lambda: membership_ended.send(Membership, user=user, agency=left))
    return membership


@transaction.atomic
def membership_end(*, actor: User | None, user: User) -> None:
    """A person leaves their agency: they lose its group, and with it everything it sees."""
    membership = (
        Membership.objects.select_for_update().select_related("agency").filter(user=user).first()
    )
    if membership is None:
        raise ApplicationError(_("This person belongs to no agency."))
    if actor is not None and not _may_manage(actor, membership.agency):
        raise ApplicationError(_("Only an administrator of this agency can change its members."))
    if not membership.active:
        return  # already ended: no second audit row, no second signal
    membership.active = False
    membership.save(update_fields=["active"])
    user.groups.remove(agency_group(membership.agency))
    audit_record(actor=actor, action="membership.end", obj=membership)
    # Appointments are made to staff of an agency: someone who left it holds none any more.
    for appointment in Appointment.objects.filter(user=user, ended_at__isnull=True):
        appointment_end(actor=None, appointment=appointment, note="left their agency")
    agency = membership.agency
    transaction.on_commit(lambda: membership_ended.send(Membership, user=user, agency=agency))


@transaction.atomic
def appointment_create(
    *,
    actor: User | None,
    user: User,
    appointing_agency: Agency,
    kind: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    note: str = "",
) -> Appointment:
    """Appoint a person of another agency as special mediator or procuratorial liaison."""
    if valid_until < valid_from:
        raise ApplicationError(
            _("The appointment must end on or after the day it starts."), field="valid_until"
        )
    if not appointing_agency.is_member:
        raise ApplicationError(_("Only a portal agency can appoint."))
    if user.agency is None or user.agency == appointing_agency:
        raise ApplicationError(_("Only a member of another portal agency can be appointed."))
    if kind not in AppointmentKind.values:
        raise ApplicationError(_("Unknown kind of appointment."), field="kind")
    if actor is not None and not _may_manage(actor, appointing_agency):
        raise ApplicationError(_("Only an administrator of the appointing agency can appoint."))
    appointment = Appointment.objects.create(
        user=user,
        appointing_agency=appointing_agency,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
    )
    audit_record(actor=actor, action="appointment.create", obj=appointment)
    return appointment


@transaction.atomic
def appointment_end(*, actor: User | None, appointment: Appointment, note: str = "") -> Appointment:
    """End an appointment now; the cases it gave access to are taken away after commit."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    # The role check comes first: ending an ended appointment is a no-op only for those allowed.
    if actor is not None and not _may_manage(actor, appointment.appointing_agency):
        raise ApplicationError(_("Only an administrator of the appointing agency can end it."))
    if appointment.ended_at is not None:
        return appointment
    appointment.ended_at = timezone.now()
    appointment.save(update_fields=["ended_at"])
    audit_record(actor=actor, action="appointment.end", obj=appointment, note=note)
    transaction.on_commit(lambda: appointment_ended.send(Appointment, appointment=appointment))
    return appointment


def appointments_expire(*, today: datetime.date) -> int:
    """End every appointment whose last valid day has passed. Idempotent."""
    expired = Appointment.objects.filter(ended_at__isnull=True, valid_until__lt=today)
    count = 0
    for appointment in expired:
        appointment_end(actor=None, appointment=appointment, note="expired")
        count += 1
    return count


def appointment_valid_for(user: User, agency: Agency, *, day: datetime.date) -> Appointment | None:
    return (
        Appointment.objects.filter(
            user=user,
            appointing_agency=agency,
            ended_at__isnull=True,
            valid_from__lte=day,
            valid_until__gte=day,
        )
        .order_by("-valid_until")
        .first()
    )


def _may_manage(actor: User, agency: Agency) -> bool:
    return has_role(actor, Role.AGENCY_ADMIN, agency=agency)
