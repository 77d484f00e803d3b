"""Who else works a case: co-handling agencies (案件协办) and assigned people."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Appointment, User
from portal.core.notifications import notify
from portal.core.people import appointment_valid_for
from portal.core.stored_text import stored_text

from ..models import Case, CaseAssignment
from ..permissions import (
    can_manage,
    grant_case_to_agency,
    grant_case_to_user,
    has_working_role,
    revoke_case_from_agency,
    revoke_case_from_user,
)


@transaction.atomic
def case_co_handling_start(
    *, actor: User | None, case: Case, agency: Agency, note: str = ""
) -> None:
    """Share a case with another portal agency, which then sees and works it (案件协办).

    Called by an admin of the owning agency, or by another app's service (actor None for
    system moves, e.g. a referral being accepted)."""
    if actor is not None and not can_manage(actor, case):
        raise ApplicationError(_("Only an administrator of the owning agency can share the case."))
    if agency == case.agency or not agency.is_member:
        raise ApplicationError(_("The case can only be shared with another portal agency."))
    if case.co_handling_agencies.filter(pk=agency.pk).exists():
        return
    case.co_handling_agencies.add(agency)
    grant_case_to_agency(case, agency)
    _sharing_recorded(actor, case, agency, "start", note)


@transaction.atomic
def case_co_handling_end(*, actor: User | None, case: Case, agency: Agency, note: str = "") -> None:
    if actor is not None and not can_manage(actor, case):
        raise ApplicationError(_("Only an administrator of the owning agency can stop sharing."))
    if not case.co_handling_agencies.filter(pk=agency.pk).exists():
        return
    case.co_handling_agencies.remove(agency)
    revoke_case_from_agency(case, agency)
    _sharing_recorded(actor, case, agency, "end", note)


def _sharing_recorded(actor: User | None, case: Case, agency: Agency, what: str, note: str) -> None:
    """The case's history names the agency it is shared with (start) or no longer (end)."""
    audit_record(
        actor=actor,
        action=f"case.co_handling_{what}",
        obj=case,
        note=f"{agency.code} {note}".strip(),
    )


@transaction.atomic
def case_assign(*, actor: User, case: Case, assignee: User) -> CaseAssignment:
    """Assign a person to work the case: staff of the owning agency, or someone of another
    agency holding a valid appointment from it (then they see this case and nothing else)."""
    if not can_manage(actor, case):
        raise ApplicationError(_("Only an administrator of the owning agency can assign the case."))
    # Lock the case: two admins assigning the same person at once get one assignment and one
    # clear message, not a constraint error.
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    appointment: Appointment | None = None
    if assignee.agency == case.agency:
        if not has_working_role(assignee):
            raise ApplicationError(_("This person holds no working role."), field="assignee")
    else:
        appointment = appointment_valid_for(assignee, case.agency, day=timezone.localdate())
        if appointment is None:
            raise ApplicationError(
                _("This person has no valid appointment from %(agency)s today.")
                % {"agency": case.agency.short_name},
                field="assignee",
            )
    if CaseAssignment.objects.filter(case=case, user=assignee, ended_at__isnull=True).exists():
        raise ApplicationError(_("This person is already assigned to the case."), field="assignee")
    assignment = CaseAssignment.objects.create(case=case, user=assignee, appointment=appointment)
    if appointment is not None:
        grant_case_to_user(case, assignee)
    audit_record(actor=actor, action="case.assign", obj=case, note=assignee.get_username())
    transaction.on_commit(
        lambda: notify(
            recipients=[assignee],
            title=stored_text(
                gettext_lazy("You were assigned case %(number)s"), number=case.number
            ),
            url=reverse("cases:detail", kwargs={"pk": case.pk}),
        )
    )
    return assignment


@transaction.atomic
def case_assignment_end(*, actor: User | None, assignment: CaseAssignment, note: str = "") -> None:
    assignment = (
        CaseAssignment.objects.select_for_update().select_related("case").get(pk=assignment.pk)
    )
    if assignment.ended_at is not None:
        return
    if actor is not None and not can_manage(actor, assignment.case):
        raise ApplicationError(
            _("Only an administrator of the owning agency can end an assignment.")
        )
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    if assignment.appointment_id is not None:
        revoke_case_from_user(assignment.case, assignment.user)
    audit_record(
        actor=actor,
        action="case.assignment_end",
        obj=assignment.case,
        # The note may be stored text (core.stored_text), shown in the reader's language.
        note=stored_text("%(user)s %(note)s", user=assignment.user.get_username(), note=note)
        if note
        else assignment.user.get_username(),
    )


def case_assignments_end_for_appointment(*, appointment: Appointment) -> int:
    """Take away the cases an ended appointment gave access to."""
    open_assignments = CaseAssignment.objects.filter(appointment=appointment, ended_at__isnull=True)
    count = 0
    for assignment in open_assignments:
        case_assignment_end(
            actor=None, assignment=assignment, note=stored_text(gettext_lazy("appointment ended"))
        )
        count += 1
    return count


def case_assignments_end_for_leaver(*, user: User, agency: Agency) -> int:
    """A person who left an agency keeps no personal access to its cases."""
    open_assignments = CaseAssignment.objects.filter(
        user=user, case__agency=agency, ended_at__isnull=True
    )
    count = 0
    for assignment in open_assignments:
        case_assignment_end(
            actor=None, assignment=assignment, note=stored_text(gettext_lazy("left the agency"))
        )
        count += 1
    return count
