"""Performance of the agreement: payments recorded, missed instalments swept and alerted,
applications for a payment order (art. 16) or for enforcement recorded."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.stored_text import stored_text
from portal.core.uploads import upload_accepted

from ..models import (
    Agreement,
    EnforcementKind,
    Instalment,
    InstalmentStatus,
    Mediation,
    MediationStatus,
)
from ..permissions import INSTALMENT_MOVES, MOVES, InstalmentMove, Move, conducts
from .common import locked, mediator_or_admins, notify_after_commit


def _check_performer(actor: User, mediation: Mediation) -> Agreement:
    if not conducts(actor, mediation):
        raise ApplicationError(str(MOVES[Move.AGREE].refusal))
    agreement = Agreement.objects.select_for_update().filter(mediation=mediation).first()
    if agreement is None or agreement.effective_at is None:
        raise ApplicationError(_("Payments follow an agreement both parties confirmed."))
    return agreement


@transaction.atomic
def instalment_record_payment(
    *,
    actor: User,
    instalment: Instalment,
    paid_on: datetime.date,
    amount: Decimal,
    evidence: UploadedFile | None = None,
) -> Instalment:
    """Record that an instalment was paid (also one first recorded as missed)."""
    mediation = locked(instalment.agreement.mediation)
    _check_performer(actor, mediation)
    instalment = INSTALMENT_MOVES.begin(actor, instalment, InstalmentMove.PAY)
    if paid_on > timezone.localdate():
        raise ApplicationError(_("The payment cannot be in the future."), field="paid_on")
    if amount is None or amount <= 0:
        raise ApplicationError(_("Enter the amount paid."), field="amount")
    if evidence is not None:
        checked = upload_accepted(evidence, field="evidence")
        name = f"{instalment.pk}-{checked.sha256[:16]}.{checked.extension}"
        instalment.evidence.save(name, evidence, save=False)
        instalment.evidence_sha256 = checked.sha256
    instalment.paid_on = paid_on
    instalment.paid_amount = amount
    instalment.recorded_by = actor
    INSTALMENT_MOVES.finish(
        actor,
        instalment,
        InstalmentMove.PAY,
        fields=["paid_on", "paid_amount", "recorded_by", "evidence", "evidence_sha256"],
        note=f"{instalment.sequence}: {amount} {paid_on:%Y-%m-%d}",
    )
    return instalment


def instalments_missed_sweep(*, today: datetime.date | None = None) -> int:
    """Mark every instalment past its day and not paid as missed, and alert the mediator.
    Idempotent: each instalment once."""
    today = today or timezone.localdate()
    late = Instalment.objects.filter(
        status=InstalmentStatus.DUE,
        due_on__lt=today,
        agreement__effective_at__isnull=False,
    ).values_list("pk", flat=True)
    return sum(_miss_one(pk) for pk in late)


@transaction.atomic
def _miss_one(pk: int) -> int:
    instalment = INSTALMENT_MOVES.lock(Instalment(pk=pk))
    if not INSTALMENT_MOVES.possible(instalment, InstalmentMove.MISS):
        return 0  # paid or marked meanwhile: the sweep is idempotent
    instalment.missed_at = timezone.now()
    INSTALMENT_MOVES.finish(
        None,
        instalment,
        InstalmentMove.MISS,
        fields=["missed_at"],
        note=f"{instalment.sequence}: {instalment.due_on:%Y-%m-%d}",
    )
    mediation = instalment.agreement.mediation
    notify_after_commit(
        mediation,
        mediator_or_admins(mediation),
        stored_text(
            gettext_lazy("Instalment %(sequence)s of case %(number)s was not paid by %(date)s"),
            sequence=instalment.sequence,
            number=mediation.case.number,
            date=f"{instalment.due_on:%Y-%m-%d}",
        ),
        stored_text(
            gettext_lazy(
                "Record the payment if it came late, or an application for a payment order."
            )
        ),
    )
    return 1


@transaction.atomic
def agreement_enforcement_record(
    *,
    actor: User,
    mediation: Mediation,
    kind: str,
    applied_on: datetime.date,
    note: str = "",
) -> Agreement:
    """Record the application for a payment order (art. 16) or for enforcement."""
    mediation = locked(mediation)
    agreement = _check_performer(actor, mediation)
    if kind not in EnforcementKind.values:
        raise ApplicationError(_("Choose what was applied for."), field="kind")
    if kind == EnforcementKind.ENFORCEMENT and mediation.status != MediationStatus.CONFIRMED:
        raise ApplicationError(
            _("Enforcement needs a confirmed agreement (a 调解书 or the court's ruling)."),
            field="kind",
        )
    if applied_on > timezone.localdate():
        raise ApplicationError(_("The application cannot be in the future."), field="applied_on")
    if not agreement.instalments.filter(status=InstalmentStatus.MISSED).exists():
        raise ApplicationError(_("No instalment was missed."))
    agreement.enforcement_kind = kind
    agreement.enforcement_applied_on = applied_on
    agreement.enforcement_note = note.strip()
    agreement.save(
        update_fields=[
            "enforcement_kind",
            "enforcement_applied_on",
            "enforcement_note",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="mediation.enforcement_record",
        obj=mediation,
        note=f"{kind} {applied_on:%Y-%m-%d} {note}".strip(),
    )
    return agreement
