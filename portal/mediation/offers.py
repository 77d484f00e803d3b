"""The forms of the mediation's page and their order: which of them is the next step of the
mediation as it stands (shown first) and which are the rest of the work (under a disclosure).
Which forms a user is offered at all comes from the move table (`available_moves`) and the
permission functions; this module only arranges them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from portal.core.models import User

from . import selectors
from .forms import (
    AgreementForm,
    ConfirmForm,
    ConflictForm,
    CourtApplyForm,
    CourtDecisionForm,
    EnforcementForm,
    ExtensionForm,
    MediatorForm,
    PaymentForm,
    ReasonForm,
    SessionForm,
    SessionRecordForm,
)
from .models import InstalmentStatus, Mediation, MediationStatus, SessionStatus
from .permissions import (
    Move,
    available_moves,
    can_declare_conflict,
    can_issue_employer_link,
    can_mediate,
    can_record_performance,
)


@dataclass(frozen=True)
class Offer:
    """One form of the page: `key` names it (`record-<session>`, `payment-<instalment>` for
    the forms about one session or instalment), `item` is that session or instalment."""

    key: str
    form: forms.Form
    item: Any = None

    @property
    def template(self) -> str:
        return f"mediation/moves/{self.key.split('-', 1)[0]}.html"


def offered_forms(user: User, mediation: Mediation) -> dict[str, forms.Form]:
    """The forms the page offers this user now, by name: the moves from the table, the rest
    of the work from the permission functions."""
    moves = available_moves(user, mediation)
    agreement = getattr(mediation, "agreement", None)
    confirmed = selectors.agreement_confirmed_by_both(agreement)
    version = {"version": mediation.version}
    shown: dict[str, forms.Form] = {}
    if {Move.ASSIGN, Move.REASSIGN} & moves:
        choices = selectors.mediator_choices(mediation)
        shown["assign"] = MediatorForm(initial=version, choices=choices)
    if can_declare_conflict(user, mediation):
        choices = selectors.mediator_choices(mediation)
        shown["conflict"] = ConflictForm(initial=version, choices=choices)
    if can_mediate(user, mediation):
        shown["session"] = SessionForm()
        for session in mediation.sessions.filter(status=SessionStatus.SCHEDULED):
            shown[f"record-{session.pk}"] = SessionRecordForm(initial={"session": session.pk})
        shown["extension"] = ExtensionForm()
        shown["agreement"] = AgreementForm(initial=agreement_initial(mediation))
    if Move.AGREE in moves and agreement is not None:
        shown["agree"] = ConfirmForm(initial=version)
    if Move.FAIL in moves:
        shown["fail"] = ReasonForm(initial=version)
    if Move.ARBITRATION_CONFIRM in moves and confirmed:
        shown["arbitration_confirm"] = ConfirmForm(initial=version)
    if Move.COURT_APPLY in moves and confirmed:
        shown["court_apply"] = CourtApplyForm(initial=version)
    if {Move.COURT_CONFIRM, Move.COURT_REJECT} & moves:
        shown["court_decision"] = CourtDecisionForm(initial=version)
    if (
        agreement is not None
        and agreement.employer_confirmed_at is None
        and can_issue_employer_link(user, mediation)
    ):
        shown["employer_link"] = forms.Form()
    if agreement is not None and can_record_performance(user, mediation):
        for item in agreement.instalments.exclude(status=InstalmentStatus.PAID):
            shown[f"payment-{item.pk}"] = PaymentForm(
                initial={"instalment": item.pk, "amount": item.amount}
            )
        shown["enforcement"] = EnforcementForm()
    return shown


def agreement_initial(mediation: Mediation) -> dict[str, Any]:
    """The form as the agreement stands; for a collective claim, the workers' names are
    written in for their shares."""
    agreement = getattr(mediation, "agreement", None)
    claimants = list(mediation.case.claimants.all())
    if agreement is None:
        if len(claimants) < 2:
            return {}
        return {"shares": "\n".join(f"{claimant.name} " for claimant in claimants)}
    return {
        "shares": "\n".join(
            f"{share.claimant.name} {share.amount}"
            for share in agreement.shares.select_related("claimant")
        )
        if len(claimants) > 1
        else "",
        "total_amount": agreement.total_amount,
        "payment_method": agreement.payment_method,
        "payment_details": agreement.payment_details,
        "clauses": agreement.clauses,
        "instalments": "\n".join(
            f"{item.due_on:%Y-%m-%d} {item.amount}" for item in agreement.instalments.all()
        ),
    }


def _next_keys(mediation: Mediation, shown: dict[str, forms.Form]) -> list[str]:
    """The forms that make the mediation's next step, in the order they come."""
    status = mediation.status
    keys = list(shown)
    if status == MediationStatus.UNASSIGNED:
        return ["assign"]
    if status == MediationStatus.MEDIATING:
        if getattr(mediation, "agreement", None) is not None:
            return ["agree"]
        records = [key for key in keys if key.startswith("record-")]
        return [*(records or ["session"]), "agreement"]
    if status == MediationStatus.AGREED:
        return ["arbitration_confirm", "employer_link"]
    if status == MediationStatus.COURT_APPLIED:
        return ["court_decision"]
    return [key for key in keys if key.startswith("payment-")]


def arrange(mediation: Mediation, shown: dict[str, forms.Form]) -> tuple[list[Offer], list[Offer]]:
    """The page's forms as (the next step, the rest), each in the page's order."""
    sessions = {f"record-{s.pk}": s for s in mediation.sessions.all()}
    agreement = getattr(mediation, "agreement", None)
    instalments = {f"payment-{i.pk}": i for i in agreement.instalments.all()} if agreement else {}
    items = {**sessions, **instalments}
    offers = {key: Offer(key, form, items.get(key)) for key, form in shown.items()}
    wanted = [key for key in _next_keys(mediation, shown) if key in offers]
    return (
        [offers[key] for key in wanted],
        [offer for key, offer in offers.items() if key not in wanted],
    )
