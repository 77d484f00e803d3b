"""The outcome of the mediation: the agreement drafted from the template, then the mediation
ends in agreement or fails (and the case goes on to arbitration)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import Claimant
from portal.cases.services import case_mediation_fail
from portal.core.audit import audit_record
from portal.core.deadlines import deadline_meet
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import Role, User
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text

from ..models import (
    Agreement,
    AgreementShare,
    Instalment,
    Mediation,
    MediationStatus,
    PaymentMethod,
)
from ..permissions import MOVES, Move
from ..selectors import COURT_WINDOW_POLICY, TERM_POLICY
from .common import AGREEMENT_PDF, admins, check_conduct, locked, notify_after_commit, required


@dataclass
class InstalmentData:
    due_on: datetime.date
    amount: Decimal


@dataclass
class ShareData:
    """One worker's share of the total, the worker named as on the case."""

    name: str
    amount: Decimal


@dataclass
class AgreementData:
    """What the template asks for; the parties come from the case. `shares` splits the total
    among the workers of a collective claim (one worker alone has it all)."""

    total_amount: Decimal
    payment_method: str
    instalments: list[InstalmentData] = field(default_factory=list)
    payment_details: str = ""
    clauses: str = ""
    shares: list[ShareData] = field(default_factory=list)


def _check_agreement(data: AgreementData) -> None:
    if data.total_amount is None or data.total_amount <= 0:
        raise ApplicationError(_("Enter the total amount."), field="total_amount")
    if data.payment_method not in PaymentMethod.values:
        raise ApplicationError(_("Choose the payment method."), field="payment_method")
    if not data.instalments:
        raise ApplicationError(_("Enter at least one instalment."), field="instalments")
    if any(item.amount <= 0 for item in data.instalments):
        raise ApplicationError(_("Every instalment must be more than zero."), field="instalments")
    dates = [item.due_on for item in data.instalments]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ApplicationError(
            _("Give the instalments in order, one per day."), field="instalments"
        )
    if sum((item.amount for item in data.instalments), Decimal("0")) != data.total_amount:
        raise ApplicationError(
            _("The instalments must add up to the total amount."), field="instalments"
        )


def _split(mediation: Mediation, data: AgreementData) -> list[tuple[Claimant, Decimal]]:
    """Each worker of the case with their share: every worker named once, the shares adding up
    to the total."""
    claimants = list(mediation.case.claimants.all())
    if len(claimants) == 1 and not data.shares:
        return [(claimants[0], data.total_amount)]
    by_name = {claimant.name: claimant for claimant in claimants}
    named = [share.name.strip() for share in data.shares]
    unknown = [name for name in named if name not in by_name]
    if unknown:
        raise ApplicationError(
            _("No worker of this case is called %(name)s.") % {"name": unknown[0]},
            field="shares",
        )
    if sorted(named) != sorted(by_name) or len(by_name) != len(claimants):
        raise ApplicationError(
            _("Give the share of every worker of the case, once each."), field="shares"
        )
    if any(share.amount <= 0 for share in data.shares):
        raise ApplicationError(_("Every share must be more than zero."), field="shares")
    if sum((share.amount for share in data.shares), Decimal("0")) != data.total_amount:
        raise ApplicationError(
            _("The workers' shares must add up to the total amount."), field="shares"
        )
    return [(by_name[share.name.strip()], share.amount) for share in data.shares]


@transaction.atomic
def agreement_draft(*, actor: User, mediation: Mediation, data: AgreementData) -> Agreement:
    """Write (or rewrite) the agreement's terms while the mediation runs."""
    mediation = locked(mediation)
    redraft = mediation.status == MediationStatus.AGREED
    check_conduct(
        actor, mediation, status=MediationStatus.AGREED if redraft else MediationStatus.MEDIATING
    )
    _check_agreement(data)
    split = _split(mediation, data)
    agreement, _created = Agreement.objects.update_or_create(
        mediation=mediation,
        defaults={
            "total_amount": data.total_amount,
            "payment_method": data.payment_method,
            "payment_details": data.payment_details.strip(),
            "clauses": data.clauses.strip(),
            "drafted_by": actor,
        },
    )
    agreement.instalments.all().delete()
    Instalment.objects.bulk_create(
        Instalment(agreement=agreement, sequence=number, due_on=item.due_on, amount=item.amount)
        for number, item in enumerate(data.instalments, start=1)
    )
    agreement.shares.all().delete()
    AgreementShare.objects.bulk_create(
        AgreementShare(agreement=agreement, claimant=claimant, amount=amount)
        for claimant, amount in split
    )
    audit_record(
        actor=actor,
        action="mediation.agreement_redraft" if redraft else "mediation.agreement_draft",
        obj=mediation,
        note=f"{data.total_amount} / {len(data.instalments)}",
    )
    if redraft:
        _unfreeze(actor, agreement)
    return agreement


def _unfreeze(actor: User, agreement: Agreement) -> None:
    """A changed text is a new text: both parties confirm it again, on a new PDF."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.version += 1
    agreement.effective_at = None
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=agreement.mediation)
    agreement.claimant_confirmed_at = agreement.employer_confirmed_at = None
    agreement.claimant_confirmed_sha256 = agreement.employer_confirmed_sha256 = ""
    agreement.employer_representative = ""
    agreement.document = document_request(actor=actor, owner=agreement, kind=AGREEMENT_PDF)
    agreement.save()
    agreement.links.filter(used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )


@transaction.atomic
def mediation_agree(
    *, actor: User, mediation: Mediation, expected_version: int | None = None
) -> Mediation:
    """The parties reached the drafted agreement: the mediation ends in agreement, the term
    is met, and the 调解协议书 is rendered after commit."""
    mediation = MOVES.begin(actor, mediation, Move.AGREE, expected_version)
    agreement = Agreement.objects.filter(mediation=mediation).first()
    if agreement is None:
        raise ApplicationError(_("Draft the agreement first."))
    mediation.ended_at = timezone.now()
    MOVES.finish(actor, mediation, Move.AGREE, fields=["ended_at"])
    deadline_meet(policy_key=TERM_POLICY, subject=mediation)
    agreement.document = document_request(actor=actor, owner=agreement, kind=AGREEMENT_PDF)
    agreement.save(update_fields=["document", "updated_at"])
    notify_after_commit(
        mediation,
        admins(mediation),
        stored_text(
            gettext_lazy("Agreement reached in case %(number)s"), number=mediation.case.number
        ),
    )
    return mediation


@transaction.atomic
def mediation_fail(
    *, actor: User, mediation: Mediation, reason: str, expected_version: int | None = None
) -> Mediation:
    """Mediation failed: the case goes on to arbitration intake as it stands (art. 14)."""
    mediation = MOVES.begin(actor, mediation, Move.FAIL, expected_version)
    reason = required(reason, _("Say why mediation failed."), "reason")
    mediation.failure_reason = reason
    mediation.ended_at = timezone.now()
    MOVES.finish(actor, mediation, Move.FAIL, fields=["failure_reason", "ended_at"], note=reason)
    deadline_meet(policy_key=TERM_POLICY, subject=mediation)
    if mediation.case.agency_id == mediation.agency_id:
        case_mediation_fail(actor=actor, case=mediation.case, reason=reason)
    deciders = [*agency_members(mediation.agency, Role.ARBITRATOR), *admins(mediation)]
    notify_after_commit(
        mediation,
        deciders,
        stored_text(
            gettext_lazy("Mediation of case %(number)s failed: it goes to arbitration"),
            number=mediation.case.number,
        ),
        reason,
    )
    return mediation
