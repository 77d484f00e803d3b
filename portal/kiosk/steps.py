"""The filing's screens, one group of questions each, and how each keeps its answers.

Answers are kept as typed (strings), per step, in the draft: going back, saving for later or
leaving a screen with an error loses nothing, and a screen shows them again as they were.
Whether a step is complete is decided by validating its stored answers again; the submit
validates every step once more before anything is created."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.cases.models import ClaimKind
from portal.cases.services.register import representatives_allowed
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

    def form_kwargs(self, draft: Draft) -> dict[str, Any]:
        return {}

    def build_forms(self, draft: Draft, *, bound: bool) -> list[forms.Form]:
        raw = self.answers(draft)
        entries = self.entries(raw) if raw else [{}]
        kwargs = self.form_kwargs(draft)
        return [
            self.form_class(data=raw, prefix=f"{self.prefix}{i}", **kwargs)
            if bound
            else self.form_class(initial=entry, prefix=f"{self.prefix}{i}", **kwargs)
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
        return self._representatives_fit(items) and valid

    @staticmethod
    def _representatives_fit(items: list[forms.Form]) -> bool:
        """Up to five representatives for ten workers or more (art. 7), else one: the first
        tick too many is named."""
        allowed = representatives_allowed(len(items))
        ticked = [form for form in items if form.cleaned_data.get("is_representative")]
        if len(items) < 2 or len(ticked) <= allowed:
            return True
        ticked[allowed].add_error(
            "is_representative",
            gettext("Ten workers or more choose up to five representatives; fewer choose one."),
        )
        return False


class ClaimsStep(ListStep):
    """The claims, each of them one worker's own or the whole filing's."""

    def form_kwargs(self, draft: Draft) -> dict[str, Any]:
        return {"workers": worker_names(draft)}


def worker_names(draft: Draft) -> list[str]:
    step: ListStep = BY_NAME["claimants"]
    raw = step.answers(draft)
    entries = step.entries(raw) if raw else []
    return [
        entry.get("name", "").strip() or gettext("Worker %(number)s") % {"number": i + 1}
        for i, entry in enumerate(entries)
    ]


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
    ClaimsStep("claims", _("What you claim"), ClaimForm, "k", MAX_CLAIMS),
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


def summary(draft: Draft) -> dict[str, Any]:
    """What the review page shows: the answers as typed, with the claims' labels."""
    claimants_step: ListStep = BY_NAME["claimants"]
    claims_step: ListStep = BY_NAME["claims"]
    kinds = dict(ClaimKind.choices)
    claims = claims_step.entries(claims_step.answers(draft)) if claims_step.answers(draft) else []
    names = worker_names(draft)
    for claim in claims:
        claim["kind_label"] = str(kinds.get(claim.get("kind", ""), claim.get("kind", "")))
        index = parse_id(claim.get("worker", ""))
        claim["worker_name"] = names[index] if index is not None and index < len(names) else ""
    route = draft.answers.get("mediation", {}).get("route", "")
    claimants = (
        claimants_step.entries(claimants_step.answers(draft))
        if claimants_step.answers(draft)
        else []
    )
    if len(claimants) > 1 and not any(c.get("is_representative") for c in claimants):
        claimants[0]["is_representative"] = "on"  # none chosen: worker 1
    return {
        "claimants": claimants,
        "worker_totals": _worker_totals(claims),
        "total": sum((_amount(c.get("amount", "")) for c in claims), Decimal("0")),
        "employer": draft.answers.get("employer", {}),
        "claims": claims,
        "facts": draft.answers.get("facts", {}).get("facts", ""),
        "files": draft.files,
        "mediation_first": route == ROUTE_MEDIATION,
        "route_chosen": bool(route),
    }


def _amount(typed: str) -> Decimal:
    try:
        return Decimal(typed.replace(",", "").strip())
    except InvalidOperation:
        return Decimal("0")


def _worker_totals(claims: list[dict[str, str]]) -> list[tuple[str, Decimal]]:
    """Each named worker's own total, in the order their claims come; empty when no claim
    names a worker."""
    totals: dict[str, Decimal] = {}
    for claim in claims:
        if claim["worker_name"]:
            name = claim["worker_name"]
            totals[name] = totals.get(name, Decimal("0")) + _amount(claim.get("amount", ""))
    return list(totals.items())
