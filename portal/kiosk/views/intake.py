"""Staff intake: the queue of filings awaiting a decision, and one POST per move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from portal.cases import selectors as case_selectors
from portal.cases.models import INTAKE_OPEN, Case, CaseStatus
from portal.cases.permissions import (
    INTAKE_MOVES,
    INTAKE_REFUSAL,
    CasePerm,
    Move,
    access_case,
    available_moves,
    can_decide_intake,
)
from portal.cases.services import intake
from portal.core.forms import own_ids
from portal.core.http import portal_user, post_move
from portal.core.models import User

from .. import selectors
from ..forms import AcceptForm, MaterialRequestForm, RefuseForm, RouteToMediationForm

# The page's form of each move, under the name the template knows it by.
_FORMS: dict[Move, tuple[str, type[forms.Form]]] = {
    Move.ACCEPT: ("accept_form", AcceptForm),
    Move.ROUTE_TO_MEDIATION: ("mediation_form", RouteToMediationForm),
    Move.REFUSE: ("refuse_form", RefuseForm),
    Move.REQUEST_MATERIAL: ("material_form", MaterialRequestForm),
}


# The queue's tabs: the filings awaiting the committee.
_QUEUES = {
    CaseStatus.FILED: gettext_lazy("Awaiting a decision"),
    CaseStatus.MATERIAL_REQUESTED: gettext_lazy("Waiting for material"),
}


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if not can_decide_intake(user):
        messages.error(request, str(INTAKE_REFUSAL))
        return redirect("core:home")
    status = request.GET.get("status", CaseStatus.FILED)
    status = status if status in INTAKE_OPEN else CaseStatus.FILED
    cases = list(selectors.intake_queue(user=user, status=status)[:200])
    for case in cases:
        case.days_left = selectors.days_left(case.due_on)  # type: ignore[attr-defined]
    counts = selectors.intake_counts(user=user)
    tabs = [
        {"status": tab, "label": label, "count": counts[tab], "current": tab == status}
        for tab, label in _QUEUES.items()
    ]
    context = {"cases": cases, "counts": counts, "status": status, "tabs": tabs}
    return render(request, "intake/queue.html", context)


def _initial(case: Case, move: Move) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": case.version}
    if move == Move.ROUTE_TO_MEDIATION:
        initial["claimant_consented"] = case.mediation_consent
    return initial


def _detail(
    request: HttpRequest, case: Case, *, bound: tuple[Move, forms.Form] | None = None
) -> HttpResponse:
    """The decision page; `bound` is the move whose form was refused, shown as typed."""
    case = case_selectors.case_detail(case)
    moves = available_moves(portal_user(request), case)
    refused_move, refused_form = bound if bound else (None, None)
    if refused_form is not None and refused_move not in moves:
        # The page no longer offers the refused move (the case was decided meanwhile): the
        # refusal is told as a message.
        errors = refused_form.errors.values()
        messages.error(request, " ".join(str(e) for field in errors for e in field))
    deadline = selectors.case_open_deadline(case, intake.ACCEPTANCE_POLICY)
    context: dict[str, Any] = {
        "case": case,
        "worker_claims": case_selectors.claims_by_worker(case),
        "deadline": deadline,
        "days_left": selectors.days_left(deadline.due_on if deadline else None),
        "can": {move.value: move in moves for move in INTAKE_MOVES},
    }
    page_forms = {}
    for move, (name, form_class) in _FORMS.items():
        shown = refused_form if move == refused_move and move in moves else None
        page_forms[move.value] = context[name] = shown or form_class(initial=_initial(case, move))
    own_ids(page_forms)
    return render(request, "intake/detail.html", context)


def _decider_case(request: HttpRequest, pk: int, perm: str = CasePerm.VIEW) -> Case | None:
    """The case, for a decider of its committee; None (with the message) for anyone else, who
    is sent to the case's own page: the desk is the committee's."""
    user = portal_user(request)
    case = access_case(user, pk, perm)
    if not can_decide_intake(user, case):
        messages.error(request, str(INTAKE_REFUSAL))
        return None
    return case


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _decider_case(request, pk)
    if case is None:
        return redirect("cases:detail", pk=pk)
    return _detail(request, case)


def _move(
    move: Move,
    call: Callable[[User, Case, dict[str, Any]], Case],
    done: Callable[[Case], str],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The POST of one intake move: the form, the service, the refusal next to the form."""

    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = _decider_case(request, pk, CasePerm.WORK)
        if case is None:
            return redirect("cases:detail", pk=pk)
        user = portal_user(request)
        moved: list[Case] = []

        def perform(data: dict[str, Any]) -> None:
            moved.append(call(user, case, data))

        _name, form_class = _FORMS[move]
        return post_move(
            request,
            form=form_class(request.POST),
            perform=perform,
            # Said once the move is made: acceptance draws the case's number.
            done=lazy(lambda: done(moved[0]), str)(),
            then=reverse("intake:queue"),
            page=lambda form: _detail(request, access_case(user, pk), bound=(move, form)),
        )

    view.__name__ = move.value
    return view


accept = _move(
    Move.ACCEPT,
    lambda user, case, data: intake.case_accept(
        actor=user, case=case, note=data["note"], expected_version=data["version"]
    ),
    lambda case: (
        _("Accepted as %(number)s; the notice of acceptance is being generated.")
        % {"number": case.number}
    ),
)
route_to_mediation = _move(
    Move.ROUTE_TO_MEDIATION,
    lambda user, case, data: intake.case_route_to_mediation(
        actor=user,
        case=case,
        claimant_consented=data["claimant_consented"],
        note=data["note"],
        expected_version=data["version"],
    ),
    lambda case: _("%(number)s goes to mediation first.") % {"number": case.number},
)
refuse = _move(
    Move.REFUSE,
    lambda user, case, data: intake.case_refuse(
        actor=user, case=case, reason=data["reason"], expected_version=data["version"]
    ),
    lambda case: (
        _("%(number)s was not accepted; the written notice is being generated.")
        % {"number": case.number}
    ),
)
request_material = _move(
    Move.REQUEST_MATERIAL,
    lambda user, case, data: intake.case_request_material(
        actor=user, case=case, missing=data["missing"], expected_version=data["version"]
    ),
    lambda case: (
        _("The claimant of %(number)s sees what is missing on the status page.")
        % {"number": case.number}
    ),
)
