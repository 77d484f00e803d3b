"""The mediator: assigned by the committee, taken off on a conflict of interest."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import CaseAssignment
from portal.cases.services import case_assign, case_assignment_end
from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import AppointmentKind, Role, User
from portal.core.people import appointment_valid_for
from portal.core.roles import has_role
from portal.core.stored_text import stored_text

from ..models import Mediation, MediationStatus, MediatorConflict
from ..permissions import MOVES, Move, is_admin
from .common import admins, check_version, locked, notify_after_commit, required


@transaction.atomic
def mediation_assign(
    *,
    actor: User,
    mediation: Mediation,
    mediator: User,
    expected_version: int | None = None,
) -> Mediation:
    """Give the mediation to a mediator of the committee, or to a special mediator of another
    agency appointed by it and valid today; a declared conflict of interest blocks it."""
    mediation = locked(mediation)
    move = Move.REASSIGN if mediation.status == MediationStatus.MEDIATING else Move.ASSIGN
    MOVES.check(actor, mediation, move, expected_version)
    if mediation.mediator_id == mediator.pk:
        raise ApplicationError(_("This person mediates the case already."), field="mediator")
    conflict = MediatorConflict.objects.filter(mediation=mediation, mediator=mediator).first()
    if conflict is not None:
        raise ApplicationError(
            _("%(name)s declared a conflict of interest in this case: %(reason)s")
            % {
                "name": mediator.get_full_name() or mediator.get_username(),
                "reason": conflict.reason,
            },
            field="mediator",
        )
    appointment = None
    if mediator.agency == mediation.agency:
        if not has_role(mediator, Role.MEDIATOR):
            raise ApplicationError(_("This person is not a mediator."), field="mediator")
    else:
        appointment = appointment_valid_for(mediator, mediation.agency, day=timezone.localdate())
        if appointment is None or appointment.kind != AppointmentKind.SPECIAL_MEDIATOR:
            raise ApplicationError(
                _("This person holds no appointment as special mediator valid today."),
                field="mediator",
            )
        if mediation.case.agency_id != mediation.agency_id:
            raise ApplicationError(
                _("A special mediator mediates only the committee's own cases."), field="mediator"
            )
    _release_mediator(mediation)
    mediation.mediator = mediator
    mediation.appointment = appointment
    mediation.case_assignment = _case_assignment(actor, mediation, mediator)
    MOVES.finish(
        actor,
        mediation,
        move,
        fields=["mediator", "appointment", "case_assignment"],
        note=mediator.username,
    )
    notify_after_commit(
        mediation,
        [mediator],
        stored_text(gettext_lazy("You mediate case %(number)s"), number=mediation.case.number),
    )
    return mediation


def _case_assignment(actor: User, mediation: Mediation, mediator: User) -> CaseAssignment | None:
    """Assign the mediator to the case (a special mediator sees it through this assignment),
    unless they are already; only an assignment made here is ended with the mediation."""
    if mediation.case.agency_id != mediation.agency_id:
        return None  # a referred case: the committee's group sees it while it co-handles
    already = CaseAssignment.objects.filter(
        case=mediation.case, user=mediator, ended_at__isnull=True
    ).exists()
    if already:
        return None
    return case_assign(actor=actor, case=mediation.case, assignee=mediator)


def _release_mediator(mediation: Mediation) -> None:
    assignment = mediation.case_assignment
    if assignment is not None and assignment.ended_at is None:
        case_assignment_end(actor=None, assignment=assignment, note=_("mediator changed"))
    mediation.case_assignment = None


@transaction.atomic
def mediation_conflict_declare(
    *,
    actor: User,
    mediation: Mediation,
    mediator: User,
    reason: str,
    expected_version: int | None = None,
) -> MediatorConflict:
    """Record that a person is linked to a party: they may not mediate this case (and stop, if
    they were mediating it)."""
    mediation = locked(mediation)
    if actor.pk != mediator.pk and not is_admin(actor, mediation):
        raise ApplicationError(
            _("A conflict of interest is declared by the person concerned or an administrator.")
        )
    unassign = mediation.mediator_id == mediator.pk
    if unassign:
        MOVES.check(actor, mediation, Move.UNASSIGN, expected_version)
    else:
        check_version(mediation, expected_version)
    reason = required(reason, _("Say how the person is linked to a party."), "reason")
    if MediatorConflict.objects.filter(mediation=mediation, mediator=mediator).exists():
        raise ApplicationError(_("This conflict of interest is recorded already."))
    conflict = MediatorConflict.objects.create(
        mediation=mediation, mediator=mediator, reason=reason, declared_by=actor
    )
    audit_record(
        actor=actor,
        action="mediation.conflict_declare",
        obj=mediation,
        note=f"{mediator.get_username()}: {reason}",
    )
    if unassign:
        _release_mediator(mediation)
        mediation.mediator = None
        mediation.appointment = None
        MOVES.finish(
            actor,
            mediation,
            Move.UNASSIGN,
            fields=["mediator", "appointment", "case_assignment"],
            note=reason,
        )
        notify_after_commit(
            mediation,
            admins(mediation),
            _("Mediation of case %(number)s needs another mediator")
            % {"number": mediation.case.number},
            reason,
        )
    return conflict
