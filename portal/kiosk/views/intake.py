"""Staff intake: the queue of filings awaiting a decision, and one POST per move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.cases import selectors as case_selectors
from portal.cases.models import Case, CaseStatus
from portal.cases.permissions import CasePerm, access_case
from portal.cases.services import intake
from portal.core.errors import ApplicationError
from portal.core.http import report_error
from portal.core.models import User

from .. import selectors
from ..forms import AcceptForm, MaterialRequestForm, RefuseForm, RouteToMediationForm


def _refused(request: HttpRequest) -> None:
    messages.error(
        request,
        _("Only arbitrators and administrators of the arbitration committee decide on intake."),
    )


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not intake.can_decide_intake(user):
        _refused(request)
        return redirect("core:home")
    status = request.GET.get("status", CaseStatus.FILED)
    cases = list(selectors.intake_queue(user=user, status=status)[:200])
    for case in cases:
        case.days_left = selectors.days_left(case.due_on)  # type: ignore[attr-defined]
    return render(
        request,
        "intake/queue.html",
        {
            "cases": cases,
            "counts": selectors.intake_counts(user=user),
            "status": status
            if status in (CaseStatus.FILED, CaseStatus.MATERIAL_REQUESTED)
            else CaseStatus.FILED,
        },
    )


def _detail(
    request: HttpRequest, case: Case, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    case = case_selectors.case_detail(case)
    bound = bound or {}
    deadline = selectors.case_open_deadline(case, intake.ACCEPTANCE_POLICY)
    open_moves = case.status in (CaseStatus.FILED, CaseStatus.MATERIAL_REQUESTED)
    return render(
        request,
        "intake/detail.html",
        {
            "case": case,
            "deadline": deadline,
            "days_left": selectors.days_left(deadline.due_on if deadline else None),
            "open_moves": open_moves,
            "can_request_material": case.status == CaseStatus.FILED,
            "accept_form": bound.get("accept") or AcceptForm(),
            "mediation_form": bound.get("mediation")
            or RouteToMediationForm(initial={"claimant_consented": case.mediation_consent}),
            "refuse_form": bound.get("refuse") or RefuseForm(),
            "material_form": bound.get("material") or MaterialRequestForm(),
        },
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)  # type: ignore[arg-type]
    if not intake.can_decide_intake(request.user, case):  # type: ignore[arg-type]
        _refused(request)
        return redirect("cases:detail", pk=case.pk)
    return _detail(request, case)


def _move(
    request: HttpRequest,
    pk: int,
    key: str,
    form_class: type[forms.Form],
    call: Callable[[User, Case, dict[str, Any]], Case],
    done: Callable[[Case], str],
) -> HttpResponse:
    """Parse the form, call the service, report: the shape of every intake move."""
    user: User = request.user  # type: ignore[assignment]
    case = access_case(user, pk, CasePerm.WORK)
    if not intake.can_decide_intake(user, case):
        _refused(request)
        return redirect("cases:detail", pk=case.pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            case = call(user, case, form.cleaned_data)
        except ApplicationError as error:
            if error.field is None:
                report_error(request, error)
                return redirect("intake:detail", pk=case.pk)
            report_error(request, error, form)
        else:
            messages.success(request, done(case))
            return redirect("intake:queue")
    return _detail(request, case, {key: form})


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        "accept",
        AcceptForm,
        lambda user, case, data: intake.case_accept(actor=user, case=case, note=data["note"]),
        lambda case: (
            _("Accepted as %(number)s; the notice of acceptance is being generated.")
            % {"number": case.number}
        ),
    )


@require_POST
def route_to_mediation(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        "mediation",
        RouteToMediationForm,
        lambda user, case, data: intake.case_route_to_mediation(
            actor=user,
            case=case,
            claimant_consented=data["claimant_consented"],
            note=data["note"],
        ),
        lambda case: _("%(number)s goes to mediation first.") % {"number": case.number},
    )


@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        "refuse",
        RefuseForm,
        lambda user, case, data: intake.case_refuse(actor=user, case=case, reason=data["reason"]),
        lambda case: (
            _("%(number)s was not accepted; the written notice is being generated.")
            % {"number": case.number}
        ),
    )


@require_POST
def request_material(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        "material",
        MaterialRequestForm,
        lambda user, case, data: intake.case_request_material(
            actor=user, case=case, missing=data["missing"]
        ),
        lambda case: (
            _("The claimant of %(number)s sees what is missing on the status page.")
            % {"number": case.number}
        ),
    )
