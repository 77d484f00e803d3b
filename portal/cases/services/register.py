"""Registering a case: the checks that can refuse it, its rows, its numbers, and the notice
of the agency's administrators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.deadlines import deadline_start
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Role, User
from portal.core.notifications import NotificationItem, notify_bulk
from portal.core.numbering import number_take
from portal.core.outbox import enqueue_after_commit
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text
from portal.core.validators import (
    normalize_credit_code,
    normalize_phone,
    normalize_resident_id,
    validate_credit_code,
    validate_phone,
    validate_resident_id,
)

from ..models import (
    COLLECTIVE_DISPUTE_WORKERS,
    PUBLIC_CHANNELS,
    Case,
    CaseChannel,
    Claim,
    Claimant,
    Employer,
    TrackingTicket,
)
from ..permissions import can_register, grant_case_to_agency

ACCEPTANCE_POLICY = "case.acceptance"
# 《劳动人事争议仲裁办案规则》 art. 7: a collective dispute chooses three to five representatives.
MAX_REPRESENTATIVES = 5
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
    # A worker's own status secret, as stored (portal.cases.secret_hashing); "" for none.
    status_secret_hash: str = ""


@dataclass
class ClaimData:
    kind: str
    amount: Decimal
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    description: str = ""
    # The worker it belongs to (their place in CaseData.claimants); None: the whole filing's.
    worker: int | None = None


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
    if actor is not None and not can_register(actor, agency):
        raise ApplicationError(_("Only staff of the agency can register its cases."))
    if not agency.is_member:
        raise ApplicationError(_("Only a portal agency can own a case."))
    claimants = [_clean_claimant(c) for c in data.claimants]
    if not claimants:
        raise ApplicationError(_("A case needs at least one claimant."), field="claimants")
    if not data.claims:
        raise ApplicationError(_("A case needs at least one claim."), field="claims")
    _check_representatives(claimants)
    for claim in data.claims:
        _validate_claim(claim)
        if claim.worker is not None and not 0 <= claim.worker < len(claimants):
            raise ApplicationError(_("A claim names a worker who is not listed."), field="claims")
    return CheckedCase(
        data=data, claimants=claimants, employer_code=employer_credit_code(data.employer)
    )


def representatives_allowed(workers: int) -> int:
    """How many representatives a filing of `workers` may choose: up to five for a collective
    dispute (art. 7, ten workers or more), else one."""
    return MAX_REPRESENTATIVES if workers >= COLLECTIVE_DISPUTE_WORKERS else 1


def _check_representatives(claimants: list[ClaimantData]) -> None:
    chosen = sum(c.is_representative for c in claimants)
    if len(claimants) < 2:
        return
    if chosen < 1:
        raise ApplicationError(
            _("A collective claim needs at least one representative."), field="claimants"
        )
    if chosen > representatives_allowed(len(claimants)):
        raise ApplicationError(
            _("Ten workers or more choose up to five representatives; fewer choose one."),
            field="claimants",
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
    workers = Claimant.objects.bulk_create(
        [Claimant(case=case, **claimant.__dict__) for claimant in claimants]
    )
    Claim.objects.bulk_create(
        Claim(
            case=case,
            claimant=workers[claim.worker] if claim.worker is not None else None,
            kind=claim.kind,
            amount=claim.amount,
            period_start=claim.period_start,
            period_end=claim.period_end,
            description=claim.description,
        )
        for claim in data.claims
    )
    grant_case_to_agency(case, agency)
    if agency.code == Agency.ARBITRATION:
        # The acceptance review is the committee's (art. 29): the bureau's and the
        # procuratorate's cases have no such clock.
        deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=now)
    audit_record(
        actor=actor,
        action="case.create",
        obj=case,
        status_after=case.status,
        actor_label=PUBLIC_ACTOR_LABELS.get(data.channel, "") if actor is None else "",
    )
    _enqueue_new_case_notice(case.pk)
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
        status_secret_hash=data.status_secret_hash,
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
    """The administrators' notice, kept with the case and sent after commit (the outbox)."""
    from ..tasks import case_new_notify_task

    enqueue_after_commit(case_new_notify_task, case_id)


def case_new_notify(*, case_id: int) -> int:
    """Tell the agency's administrators that a case awaits a decision on acceptance.

    A Celery task runs it after the filing commits, so a claimant's submit does not wait for
    the notices. A fixed number of queries however many administrators there are; a
    redelivered task notifies nobody twice (one dedupe key per case). Returns how many
    notifications were made."""
    case = Case.objects.select_related("agency", "employer").filter(pk=case_id).first()
    if case is None:
        return 0
    title = stored_text(gettext_lazy("New case %(number)s"), number=case.number)
    body = stored_text(
        gettext_lazy("A new case against %(employer)s awaits a decision on acceptance."),
        employer=case.employer.name,
    )
    return len(
        notify_bulk(
            NotificationItem(
                recipient_id=admin.pk,
                title=title,
                body=body,
                url=reverse("cases:detail", kwargs={"pk": case.pk}),
                dedupe_key=f"case.new:{case.pk}",
            )
            for admin in agency_members(case.agency, Role.AGENCY_ADMIN)
        )
    )
