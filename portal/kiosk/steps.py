"""The filing's screens, one group of questions each, and how each keeps its answers.

Answers are kept as typed (strings), per step, in the draft: going back, saving for later or
leaving a screen with an error loses nothing, and a screen shows them again as they were.
Whether a step is complete is decided by validating its stored answers again; the submit
validates every step once more before anything is created."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.cases.models import ClaimKind
from portal.cases.services import CaseData, ClaimantData, ClaimData, EmployerData
from portal.core.http import parse_id

from . import abuse, drafts, selectors
from .drafts import Draft
from .forms import (
    ROUTE_MEDIATION,
    ClaimantForm,
    ClaimForm,
    ConsentForm,
    EmployerForm,
    EmployerSearchForm,
    EvidenceForm,
    FactsForm,
    MediationForm,
    ReviewForm,
)

MAX_VALUE_LENGTH = 6000  # longer than any field allows: a typed value is kept, not a flood
MAX_CLAIMANTS = 30
MAX_CLAIMS = 10
MAX_FILES = 10

# Navigation buttons (name="nav"): next is the default.
NEXT, BACK, SAVE, STAY = "next", "back", "save", "stay"


@dataclass
class Outcome:
    """What a POST to a step leads to: a move (next, back, save) or the screen again."""

    move: str
    context: dict[str, Any] = field(default_factory=dict)


def _cap(value: Any) -> str:
    return str(value if value is not None else "")[:MAX_VALUE_LENGTH]


def _nav(request: HttpRequest) -> str:
    nav = request.POST.get("nav", NEXT)
    return nav if nav in (NEXT, BACK, SAVE) else STAY


class FormStep:
    """A screen with one form."""

    form_class: type[forms.Form]

    def __init__(self, name: str, title: Promise, form_class: type[forms.Form]) -> None:
        self.name, self.title, self.form_class = name, title, form_class
        self.template = f"kiosk/steps/{name}.html"

    def answers(self, draft: Draft) -> dict[str, str]:
        return draft.answers.get(self.name, {})

    def bound(self, draft: Draft) -> forms.Form:
        return self.form_class(data=self.answers(draft))

    def store(self, draft: Draft, data: Any) -> None:
        draft.answers[self.name] = {
            name: _cap(data.get(name)) for name in self.form_class.base_fields
        }

    def is_complete(self, draft: Draft) -> bool:
        return self.bound(draft).is_valid()

    def context(self, draft: Draft) -> dict[str, Any]:
        return {"form": self.form_class(initial=self.answers(draft))}

    def post(self, request: HttpRequest, draft: Draft) -> Outcome:
        nav = _nav(request)
        self.store(draft, request.POST)
        form = self.bound(draft)
        complete = form.is_valid()
        draft.mark(self.name, complete)
        if nav in (BACK, SAVE) or (nav == NEXT and complete):
            return Outcome(nav)
        return Outcome(STAY, {"form": form})


class EmployerStep(FormStep):
    """The employer, with a search among the employers the public may see (it fills in the
    name and the credit code); searches and picks are rate-limited like the other look-ups."""

    def context(
        self, draft: Draft, search: forms.Form | None = None, request: HttpRequest | None = None
    ) -> dict[str, Any]:
        search = search or EmployerSearchForm()
        results = None
        if search.is_bound and search.is_valid():
            if request is not None and _employer_lookup_limited(request):
                search.add_error("q", _LIMITED)
            else:
                results = selectors.employer_search(search.cleaned_data["q"])
        return {**super().context(draft), "search": search, "results": results}

    def post(self, request: HttpRequest, draft: Draft) -> Outcome:
        if request.POST.get("nav") == "search":
            self.store(draft, request.POST)
            search = EmployerSearchForm(request.POST)
            return Outcome(STAY, self.context(draft, search, request))
        pick = request.POST.get("pick", "")
        if pick:
            if _employer_lookup_limited(request):
                search = EmployerSearchForm()
                search.add_error("q", _LIMITED)
                return Outcome(STAY, self.context(draft, search))
            employer = selectors.public_employer(parse_id(pick))
            if employer is not None:  # what the visitor typed of the address stays
                draft.answers[self.name] = {
                    **draft.answers.get(self.name, {}),
                    "employer_name": employer.name,
                    "credit_code": employer.credit_code,
                }
            return Outcome(STAY, self.context(draft))
        outcome = super().post(request, draft)
        if outcome.move == STAY:
            outcome.context = {"search": EmployerSearchForm(), "results": None, **outcome.context}
        return outcome


_LIMITED = _("Too many searches from this device. Type the employer's details below.")


def _employer_lookup_limited(request: HttpRequest) -> bool:
    client, _terminal = abuse.lookup_client(request)
    return abuse.rate_hits({abuse.EMPLOYER_LOOKUP: [client]}) is not None


class ListStep:
    """A screen with a list of like forms (workers, claims): add and remove without losing
    what was typed."""

    def __init__(
        self,
        name: str,
        title: Promise,
        form_class: type[forms.Form],
        prefix: str,
        maximum: int,
    ) -> None:
        self.name, self.title, self.form_class = name, title, form_class
        self.prefix, self.maximum = prefix, maximum
        self.template = f"kiosk/steps/{name}.html"

    def answers(self, draft: Draft) -> dict[str, str]:
        return draft.answers.get(self.name, {})

    def count(self, raw: Any) -> int:
        value = str(raw.get("count") or "1")
        return min(max(parse_id(value) or 1, 1), self.maximum)

    def entries(self, raw: Any) -> list[dict[str, str]]:
        return [
            {
                name: _cap(raw.get(f"{self.prefix}{i}-{name}"))
                for name in self.form_class.base_fields
            }
            for i in range(self.count(raw))
        ]

    def put(self, draft: Draft, entries: list[dict[str, str]]) -> None:
        raw = {"count": str(len(entries))}
        for i, entry in enumerate(entries):
            raw.update({f"{self.prefix}{i}-{name}": value for name, value in entry.items()})
        draft.answers[self.name] = raw

    def build_forms(self, draft: Draft, *, bound: bool) -> list[forms.Form]:
        raw = self.answers(draft)
        entries = self.entries(raw) if raw else [{}]
        return [
            self.form_class(data=raw, prefix=f"{self.prefix}{i}")
            if bound
            else self.form_class(initial=entry, prefix=f"{self.prefix}{i}")
            for i, entry in enumerate(entries)
        ]

    def validate(self, items: list[forms.Form]) -> bool:
        return all([form.is_valid() for form in items])  # every form, for every error

    def is_complete(self, draft: Draft) -> bool:
        return bool(self.answers(draft)) and self.validate(self.build_forms(draft, bound=True))

    def context(self, draft: Draft) -> dict[str, Any]:
        return {"forms": self.build_forms(draft, bound=False), "can_add": self._can_add(draft)}

    def _can_add(self, draft: Draft) -> bool:
        return self.count(self.answers(draft)) < self.maximum

    def post(self, request: HttpRequest, draft: Draft) -> Outcome:
        entries = self.entries(request.POST)
        nav = request.POST.get("nav", NEXT)
        remove = request.POST.get("remove", "")
        if nav == "add" and len(entries) < self.maximum:
            entries.append({})
        elif (index := parse_id(remove)) is not None and index < len(entries) and len(entries) > 1:
            entries.pop(index)
        self.put(draft, entries)
        items = self.build_forms(draft, bound=True)
        complete = self.validate(items)
        draft.mark(self.name, complete)
        nav = _nav(request) if not remove else STAY
        if nav in (BACK, SAVE) or (nav == NEXT and complete):
            return Outcome(nav)
        if nav == NEXT:
            return Outcome(STAY, {"forms": items, "can_add": self._can_add(draft)})
        return Outcome(STAY, self.context(draft))


class ClaimantsStep(ListStep):
    def validate(self, items: list[forms.Form]) -> bool:
        valid = super().validate(items)
        seen: set[str] = set()
        for form in items:
            number = form.cleaned_data.get("id_number") if form.is_valid() else None
            if number and number in seen:
                form.add_error("id_number", gettext("This ID number is already listed above."))
                valid = False
            elif number:
                seen.add(number)
        return valid


class EvidenceStep:
    """Photos and PDFs, each checked by its content the moment it is uploaded. Optional."""

    def __init__(self, name: str, title: Promise) -> None:
        self.name, self.title = name, title
        self.template = f"kiosk/steps/{name}.html"

    def is_complete(self, draft: Draft) -> bool:
        return self.name in draft.complete

    def context(self, draft: Draft, form: forms.Form | None = None) -> dict[str, Any]:
        return {
            "form": form or EvidenceForm(),
            "files": draft.files,
            "can_add": len(draft.files) < MAX_FILES,
        }

    def post(self, request: HttpRequest, draft: Draft) -> Outcome:
        remove = request.POST.get("remove", "")
        if remove:
            drafts.file_remove(draft, remove)
            return Outcome(STAY, self.context(draft))
        nav = request.POST.get("nav", NEXT)
        form = EvidenceForm(request.POST, request.FILES)
        upload = request.FILES.get("file")
        if nav == "upload" or (nav == NEXT and upload):
            if not form.is_valid() or upload is None:
                if upload is None:
                    form.add_error("file", gettext("Choose a file first."))
                return Outcome(STAY, self.context(draft, form))
            if len(draft.files) >= MAX_FILES:
                form.add_error(
                    "file", gettext("At most %(count)s files here.") % {"count": MAX_FILES}
                )
                return Outcome(STAY, self.context(draft, form))
            try:
                drafts.file_add(draft, upload, form.cleaned_data.get("description", ""))
            except ValidationError as exc:
                form.add_error("file", exc.messages[0])
                return Outcome(STAY, self.context(draft, form))
            if nav == "upload":
                return Outcome(STAY, self.context(draft))
        draft.mark(self.name, True)
        move = _nav(request)
        return Outcome(move if move != STAY else NEXT)


class ReviewStep(FormStep):
    """Everything on one page, each part with a link to change it; then submit."""

    def store(self, draft: Draft, data: Any) -> None:
        """The confirmation is given anew at each submit."""

    def is_complete(self, draft: Draft) -> bool:
        return False

    def context(self, draft: Draft) -> dict[str, Any]:
        return {"form": ReviewForm(), "summary": summary(draft)}


STEPS: list[Any] = [
    FormStep("consent", _("Your consent"), ConsentForm),
    ClaimantsStep("claimants", _("Who is filing"), ClaimantForm, "c", MAX_CLAIMANTS),
    EmployerStep("employer", _("The employer"), EmployerForm),
    ListStep("claims", _("What you claim"), ClaimForm, "k", MAX_CLAIMS),
    FormStep("facts", _("What happened"), FactsForm),
    EvidenceStep("evidence", _("Evidence")),
    FormStep("mediation", _("Mediation or arbitration"), MediationForm),
    ReviewStep("review", _("Check and submit"), ReviewForm),
]
STEP_NAMES = [step.name for step in STEPS]
BY_NAME = {step.name: step for step in STEPS}


def first_open(draft: Draft, before: str | None = None) -> str | None:
    """The first step (before `before`, if given) that is not complete yet."""
    for step in STEPS:
        if step.name == before:
            return None
        if step.name != "review" and not step.is_complete(draft):
            return step.name
    return None


def neighbour(name: str, offset: int) -> str | None:
    index = STEP_NAMES.index(name) + offset
    return STEP_NAMES[index] if 0 <= index < len(STEP_NAMES) else None


def progress(current: str) -> list[dict[str, Any]]:
    index = STEP_NAMES.index(current)
    return [
        {"name": step.name, "title": step.title, "number": i + 1, "state": _state(i, index)}
        for i, step in enumerate(STEPS)
    ]


def _state(i: int, current: int) -> str:
    return "done" if i < current else "current" if i == current else "todo"


# --- from answers to the case ---------------------------------------------------------------


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
                is_representative=i == 0,
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
            )
            for c in claims
        ],
        facts=facts["facts"],
        tracking_number=draft.saved,
        mediation_consent=route["route"] == ROUTE_MEDIATION,
    )


def summary(draft: Draft) -> dict[str, Any]:
    """What the review page shows: the answers as typed, with the claims' labels."""
    claimants_step: ListStep = BY_NAME["claimants"]
    claims_step: ListStep = BY_NAME["claims"]
    kinds = dict(ClaimKind.choices)
    claims = claims_step.entries(claims_step.answers(draft)) if claims_step.answers(draft) else []
    for claim in claims:
        claim["kind_label"] = str(kinds.get(claim.get("kind", ""), claim.get("kind", "")))
    route = draft.answers.get("mediation", {}).get("route", "")
    return {
        "claimants": claimants_step.entries(claimants_step.answers(draft))
        if claimants_step.answers(draft)
        else [],
        "employer": draft.answers.get("employer", {}),
        "claims": claims,
        "facts": draft.answers.get("facts", {}).get("facts", ""),
        "files": draft.files,
        "mediation_first": route == ROUTE_MEDIATION,
        "route_chosen": bool(route),
    }
