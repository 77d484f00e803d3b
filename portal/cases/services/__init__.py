"""Writes on cases: one service per change, each with its rule, audit event and after-commit
side effects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.deadlines import deadline_start, deadlines_of
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Appointment, Role, User
from portal.core.notifications import NotificationItem, notify, notify_bulk
from portal.core.numbering import number_take
from portal.core.people import appointment_valid_for
from portal.core.roles import agency_members, has_role
from portal.core.uploads import check_upload
from portal.core.validators import (
    normalize_credit_code,
    normalize_phone,
    normalize_resident_id,
    validate_credit_code,
    validate_phone,
    validate_resident_id,
)

from ..models import (
    PUBLIC_CHANNELS,
    Case,
    CaseAssignment,
    CaseChannel,
    CaseStatus,
    Claim,
    Claimant,
    Employer,
    Evidence,
    TrackingTicket,
)
from ..models import TRANSITIONS as CASE_TRANSITIONS
from ..permissions import (
    WORKING_ROLES,
    can_manage,
    can_work,
    grant_case_to_agency,
    grant_case_to_user,
    revoke_case_from_agency,
    revoke_case_from_user,
)

ACCEPTANCE_POLICY = "case.acceptance"
# What the history shows as the actor of a claimant's own filing (stored data, in Chinese
# like the agencies' names).
PUBLIC_ACTOR_LABELS: dict[str, str] = {
    CaseChannel.KIOSK: "申请人（E法亭）",
    CaseChannel.ONLINE: "申请人（网上）",
}


@dataclass
class ClaimantData:
    name: str
    id_number: str
    phone: str
    address: str = ""
    is_representative: bool = False


@dataclass
class ClaimData:
    kind: str
    amount: Decimal
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    description: str = ""


@dataclass
class EmployerData:
    name: str
    credit_code: str
    address: str = ""


@dataclass
class CaseData:
    employer: EmployerData
    claimants: list[ClaimantData]
    claims: list[ClaimData]
    facts: str = ""
    channel: str = CaseChannel.STAFF
    extra: dict[str, str] = field(default_factory=dict)
    # A claimant's own filing: the tracking number reserved by a saved draft (else a new one
    # is drawn) and the claimant's choice of mediation first.
    tracking_number: str = ""
    mediation_consent: bool = False
    # Its secret as stored (portal.cases.secret_hashing), never the secret itself.
    claimant_secret_hash: str = ""


def employer_credit_code(data: EmployerData) -> str:
    """The employer's credit code, normalised and checked: an ApplicationError (shown by the
    views on the employer's field) for a code that is not one."""
    code = normalize_credit_code(data.credit_code)
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        message = f"{data.name.strip()}: {exc.messages[0]}"
        raise ApplicationError(message, field="credit_code") from exc
    return code


def _employer_get_or_create(*, code: str, data: EmployerData) -> Employer:
    """The employer with this (checked) credit code, created on first sight; the code is the
    identity. Inside case_create's transaction (get_or_create keeps a savepoint for a
    concurrent insert of the same code)."""
    employer, created = Employer.objects.get_or_create(
        credit_code=code, defaults={"name": data.name.strip(), "address": data.address.strip()}
    )
    if not created and data.address and not employer.address:
        employer.address = data.address.strip()
        employer.save(update_fields=["address"])
    return employer


@dataclass
class CheckedCase:
    """A new case's data as case_check passed it: the claimants cleaned, the employer's credit
    code normalised."""

    data: CaseData
    claimants: list[ClaimantData]
    employer_code: str


def case_check(*, actor: User | None, agency: Agency, data: CaseData) -> CheckedCase:
    """Everything that can refuse a new case, before anything is written."""
    if actor is not None and not has_role(actor, *WORKING_ROLES, agency=agency):
        raise ApplicationError(_("Only staff of the agency can register its cases."))
    if not agency.is_member:
        raise ApplicationError(_("Only a portal agency can own a case."))
    claimants = [_clean_claimant(c) for c in data.claimants]
    if not claimants:
        raise ApplicationError(_("A case needs at least one claimant."), field="claimants")
    if not data.claims:
        raise ApplicationError(_("A case needs at least one claim."), field="claims")
    if len(claimants) > 1 and sum(c.is_representative for c in claimants) != 1:
        raise ApplicationError(
            _("A collective claim needs exactly one representative."), field="claimants"
        )
    for claim in data.claims:
        _validate_claim(claim)
    return CheckedCase(
        data=data, claimants=claimants, employer_code=employer_credit_code(data.employer)
    )


def case_create(*, actor: User | None, agency: Agency, data: CaseData) -> Case:
    """Register a dispute: number, parties, claims, the agency's access, the acceptance clock.

    It refuses (case_check) before its first write, so the writes need no savepoint of their
    own inside a caller's transaction: an ApplicationError leaves that transaction as it was."""
    checked = case_check(actor=actor, agency=agency, data=data)
    with transaction.atomic(savepoint=False):
        return case_insert(actor=actor, agency=agency, checked=checked)


def case_insert(*, actor: User | None, agency: Agency, checked: CheckedCase) -> Case:
    """case_create's writes, for a caller that ran case_check, inside its transaction (a
    claimant's filing, case_file)."""
    data, claimants = checked.data, checked.claimants
    employer = _employer_get_or_create(code=checked.employer_code, data=data.employer)
    now = timezone.now()
    public = data.channel in PUBLIC_CHANNELS
    tracking_number: str | None = None
    if public:
        # A claimant's own filing is numbered when it is accepted (立案, case_accept), so the
        # agency's numbers stay gap-free over accepted cases; until then the tracking number
        # is its reference.
        number = data.tracking_number or tracking_number_next()
        tracking_number = number
    else:
        number = case_number_next(agency=agency, now=now)
    case = Case.objects.create(
        number=number,
        tracking_number=tracking_number,
        claimant_secret_hash=data.claimant_secret_hash if public else "",
        agency=agency,
        channel=data.channel,
        employer=employer,
        facts=data.facts.strip(),
        is_collective=len(claimants) > 1,
        mediation_consent=data.mediation_consent,
        created_by=actor,
    )
    if len(claimants) == 1:
        claimants[0].is_representative = True
    Claimant.objects.bulk_create(Claimant(case=case, **claimant.__dict__) for claimant in claimants)
    Claim.objects.bulk_create(Claim(case=case, **claim.__dict__) for claim in data.claims)
    grant_case_to_agency(case, agency)
    deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=now)
    audit_record(
        actor=actor,
        action="case.create",
        obj=case,
        status_after=case.status,
        actor_label=PUBLIC_ACTOR_LABELS.get(data.channel, "") if actor is None else "",
    )
    transaction.on_commit(lambda: _enqueue_new_case_notice(case.pk))
    return case


def case_number_next(*, agency: Agency, now: datetime.datetime | None = None) -> str:
    """The agency's next case number. Inside the numbering transaction: gap-free."""
    return number_take(agency=agency, series="case", now=now)


def tracking_number_next() -> str:
    """A new tracking number for a claimant's filing (or a saved draft of one): KL-2026-000123,
    unique across the portal; the serial part runs on across years (see TrackingTicket)."""
    year = timezone.localdate().year
    return f"KL-{year}-{TrackingTicket.objects.create().pk:06d}"


def _clean_claimant(data: ClaimantData) -> ClaimantData:
    cleaned = ClaimantData(
        name=data.name.strip(),
        id_number=normalize_resident_id(data.id_number),
        phone=normalize_phone(data.phone),
        address=data.address.strip(),
        is_representative=data.is_representative,
    )
    if not cleaned.name:
        raise ApplicationError(_("Every claimant needs a name."), field="claimants")
    try:
        validate_resident_id(cleaned.id_number)
        validate_phone(cleaned.phone)
    except ValidationError as exc:
        raise ApplicationError(f"{cleaned.name}: {exc.messages[0]}", field="claimants") from exc
    return cleaned


def _validate_claim(claim: ClaimData) -> None:
    if claim.amount is None or claim.amount <= 0:
        raise ApplicationError(_("Every claim needs an amount above zero."), field="claims")
    if claim.period_start and claim.period_end and claim.period_end < claim.period_start:
        raise ApplicationError(_("A claim's period cannot end before it starts."), field="claims")


def _enqueue_new_case_notice(case_id: int) -> None:
    from ..tasks import case_new_notify_task

    case_new_notify_task.delay(case_id)


def case_new_notify(*, case_id: int) -> int:
    """Tell the agency's administrators that a case awaits a decision on acceptance.

    A Celery task runs it after the filing commits, so a kiosk surge's requests do not wait for
    it (B6 in bench/). A fixed number of queries however many administrators there are; a
    redelivered task notifies nobody twice (one dedupe key per case). Returns how many
    notifications were made."""
    case = Case.objects.select_related("agency", "employer").filter(pk=case_id).first()
    if case is None:
        return 0
    title = _("New case %(number)s") % {"number": case.number}
    body = _("A new case against %(employer)s awaits a decision on acceptance.") % {
        "employer": case.employer.name
    }
    return len(
        notify_bulk(
            NotificationItem(
                recipient_id=admin.pk,
                title=title,
                body=body,
                url=f"/cases/{case.pk}/",
                dedupe_key=f"case.new:{case.pk}",
            )
            for admin in agency_members(case.agency, Role.AGENCY_ADMIN)
        )
    )


@transaction.atomic
def case_reveal_personal_info(*, actor: User, case: Case) -> list[Claimant]:
    """Whole ID and phone numbers, for staff who work the case; every reveal is audited."""
    if not can_work(actor, case):
        raise ApplicationError(_("Only staff who work this case can see whole personal numbers."))
    claimants = list(case.claimants.all())
    audit_record(
        actor=actor,
        action="case.reveal_personal_info",
        obj=case,
        note=", ".join(c.name for c in claimants),
    )
    return claimants


@transaction.atomic
def case_evidence_add(
    *, actor: User, case: Case, upload: UploadedFile, description: str = ""
) -> Evidence:
    """Attach an evidence file, checked by its content and size."""
    if not can_work(actor, case):
        raise ApplicationError(_("Only staff who work this case can add evidence."))
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="file") from exc
    evidence = Evidence(
        case=case,
        original_name=(upload.name or "upload")[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip(),
        uploaded_by=actor,
    )
    evidence.file.save(f"{case.pk}-{checked.sha256[:16]}.{checked.extension}", upload, save=False)
    evidence.save()
    audit_record(actor=actor, action="case.evidence_add", obj=case, note=evidence.original_name)
    return evidence


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
    audit_record(
        actor=actor, action="case.co_handling_start", obj=case, note=f"{agency.code} {note}".strip()
    )


@transaction.atomic
def case_co_handling_end(*, actor: User | None, case: Case, agency: Agency, note: str = "") -> None:
    if actor is not None and not can_manage(actor, case):
        raise ApplicationError(_("Only an administrator of the owning agency can stop sharing."))
    if not case.co_handling_agencies.filter(pk=agency.pk).exists():
        return
    case.co_handling_agencies.remove(agency)
    revoke_case_from_agency(case, agency)
    audit_record(
        actor=actor, action="case.co_handling_end", obj=case, note=f"{agency.code} {note}".strip()
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
        if not has_role(assignee, *WORKING_ROLES):
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
            title=_("You were assigned case %(number)s") % {"number": case.number},
            url=f"/cases/{case.pk}/",
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
        note=f"{assignment.user.get_username()} {note}".strip(),
    )


def case_assignments_end_for_appointment(*, appointment: Appointment) -> int:
    """Take away the cases an ended appointment gave access to."""
    open_assignments = CaseAssignment.objects.filter(appointment=appointment, ended_at__isnull=True)
    count = 0
    for assignment in open_assignments:
        case_assignment_end(actor=None, assignment=assignment, note=_("appointment ended"))
        count += 1
    return count


def case_assignments_end_for_leaver(*, user: User, agency: Agency) -> int:
    """A person who left an agency keeps no personal access to its cases."""
    open_assignments = CaseAssignment.objects.filter(
        user=user, case__agency=agency, ended_at__isnull=True
    )
    count = 0
    for assignment in open_assignments:
        case_assignment_end(actor=None, assignment=assignment, note=_("left the agency"))
        count += 1
    return count


@transaction.atomic
def case_mediation_start(*, actor: User | None, case: Case, note: str = "") -> Case:
    """A mediation took the case on (portal.mediation checks who may open it)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if CaseStatus.MEDIATING not in CASE_TRANSITIONS.get(case.status, set()):
        raise ApplicationError(
            _("This cannot be done while the case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )
    before = case.status
    case.status = CaseStatus.MEDIATING
    case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="case.mediation_start",
        obj=case,
        status_before=before,
        status_after=case.status,
        note=note,
    )
    return case


@transaction.atomic
def case_mediation_fail(*, actor: User | None, case: Case, reason: str) -> Case:
    """Mediation failed (portal.mediation checks who may say so): a case accepted before goes
    on to arbitration; one routed to mediation at intake returns to the intake queue as
    filed, with everything it holds and a fresh acceptance clock (art. 29's five days)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.MEDIATING:
        raise ApplicationError(
            _("This cannot be done while the case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )
    accepted_before = deadlines_of(case).filter(policy__key="arbitration.award").exists()
    before = case.status
    case.status = CaseStatus.ARBITRATING if accepted_before else CaseStatus.FILED
    case.save(update_fields=["status", "updated_at"])
    if not accepted_before:
        deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=timezone.now())
    audit_record(
        actor=actor,
        action="case.mediation_fail",
        obj=case,
        status_before=before,
        status_after=case.status,
        note=reason,
    )
    return case
