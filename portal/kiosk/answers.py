"""From the filing's answers to the case as the cases app takes it: each step validated once
more, the first one not complete named (StepIncomplete)."""

from __future__ import annotations

from typing import Any

from portal.cases.services import CaseData, ClaimantData, ClaimData, EmployerData

from .drafts import Draft
from .forms import ROUTE_MEDIATION
from .steps import BY_NAME, ListStep


class StepIncomplete(Exception):
    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def _clean(step_name: str, draft: Draft) -> Any:
    step = BY_NAME[step_name]
    if isinstance(step, ListStep):
        items = step.build_forms(draft, bound=True)
        if not step.answers(draft) or not step.validate(items):
            raise StepIncomplete(step_name)
        return [form.cleaned_data for form in items]
    form = step.bound(draft)
    if not form.is_valid():
        raise StepIncomplete(step_name)
    return form.cleaned_data


def case_data(draft: Draft) -> CaseData:
    """The filing as the cases app takes it; StepIncomplete names the first step to redo."""
    _clean("consent", draft)
    claimants = _clean("claimants", draft)
    employer = _clean("employer", draft)
    claims = _clean("claims", draft)
    facts = _clean("facts", draft)
    if "evidence" not in draft.complete:
        raise StepIncomplete("evidence")
    route = _clean("mediation", draft)
    chosen = len(claimants) > 1 and any(c.get("is_representative") for c in claimants)
    return CaseData(
        employer=EmployerData(
            name=employer["employer_name"],
            credit_code=employer["credit_code"],
            address=employer["employer_address"],
        ),
        claimants=[
            ClaimantData(
                name=c["name"],
                id_number=c["id_number"],
                phone=c["phone"],
                address=c["address"],
                is_representative=bool(c.get("is_representative")) if chosen else i == 0,
            )
            for i, c in enumerate(claimants)
        ],
        claims=[
            ClaimData(
                kind=c["kind"],
                amount=c["amount"],
                period_start=c.get("period_start"),
                period_end=c.get("period_end"),
                description=c.get("description", ""),
                worker=int(c["worker"]) if c.get("worker") else None,
            )
            for c in claims
        ],
        facts=facts["facts"],
        tracking_number=draft.saved,
        mediation_consent=route["route"] == ROUTE_MEDIATION,
    )
