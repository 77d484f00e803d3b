from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.http import report_error
from portal.core.models import User

from . import selectors, services
from .forms import (
    AssignForm,
    CaseCreateForm,
    CaseFilterForm,
    ClaimantFormSet,
    ClaimFormSet,
    EvidenceForm,
)
from .models import Evidence
from .pdf import CASE_SUMMARY
from .permissions import CasePerm, access_case, can_manage, can_register, can_work


def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        user=request.user,  # type: ignore[arg-type]
        status=filters.get("status") or None,
        query=filters.get("q", ""),
    )[:50]
    can_create = can_register(request.user)  # type: ignore[arg-type]
    context = {"cases": cases, "form": form, "can_create": can_create}
    return render(request, "cases/case_list.html", context)


def case_detail(
    request: HttpRequest, pk: int, revealed: list | None = None, forms: dict | None = None
) -> HttpResponse:
    case = selectors.case_detail(access_case(request.user, pk))  # type: ignore[arg-type]
    user: User = request.user  # type: ignore[assignment]
    manage = can_manage(user, case)
    forms = forms or {}
    context = {
        "case": case,
        "revealed": revealed,
        "history": selectors.case_history(case)[:100],
        "deadlines": selectors.case_deadlines(case),
        "documents": selectors.case_documents(case),
        "can_work": can_work(user, case),
        "can_manage": manage,
        "evidence_form": forms.get("evidence") or EvidenceForm(),
        "assign_form": (
            forms.get("assign") or AssignForm(candidates=selectors.case_assign_candidates(case))
        )
        if manage
        else None,
    }
    return render(request, "cases/case_detail.html", context)


def case_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can_register(user):
        messages.error(request, _("Only staff with a working role can register cases."))
        return redirect("cases:list")
    form = CaseCreateForm(request.POST or None)
    claimants = ClaimantFormSet(request.POST or None, prefix="claimant")
    claims = ClaimFormSet(request.POST or None, prefix="claim")
    if request.method == "POST" and form.is_valid() and claimants.is_valid() and claims.is_valid():
        try:
            assert user.agency is not None  # can_register checked it
            case = services.case_create(
                actor=user, agency=user.agency, data=form.to_case_data(claimants, claims)
            )
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    return render(
        request, "cases/case_form.html", {"form": form, "claimants": claimants, "claims": claims}
    )


@require_POST
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, CasePerm.WORK)  # type: ignore[arg-type]
    try:
        revealed = services.case_reveal_personal_info(actor=request.user, case=case)  # type: ignore[arg-type]
    except ApplicationError as error:
        report_error(request, error)
        return redirect("cases:detail", pk=case.pk)
    return case_detail(request, case.pk, revealed=revealed)


@require_POST
def case_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, CasePerm.WORK)  # type: ignore[arg-type]
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_evidence_add(
                actor=request.user,  # type: ignore[arg-type]
                case=case,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as error:
            if error.field is None:  # the action was refused: say so on the page, which may
                # not even show this form (a leader's, a non-admin's)
                report_error(request, error)
                return redirect("cases:detail", pk=case.pk)
            report_error(request, error, form)
        else:
            messages.success(request, _("Evidence added."))
            return redirect("cases:detail", pk=case.pk)
    return case_detail(request, case.pk, forms={"evidence": form})


def case_evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    case = access_case(request.user, pk)  # type: ignore[arg-type]
    evidence = get_object_or_404(Evidence, pk=evidence_pk, case=case)
    # The saved name carries the extension of the checked type; the uploader's name may not
    # ("photo.html" holding a PNG must not come back as an .html file).
    stem = PurePosixPath(evidence.original_name).stem or "evidence"
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=stem + PurePosixPath(evidence.file.name or "").suffix,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def case_summary_request(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)  # type: ignore[arg-type]
    document_request(actor=request.user, owner=case, kind=CASE_SUMMARY.key)  # type: ignore[arg-type]
    messages.success(request, _("The case summary is being generated."))
    return redirect("cases:detail", pk=case.pk)


@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, CasePerm.WORK)  # type: ignore[arg-type]
    form = AssignForm(request.POST, candidates=selectors.case_assign_candidates(case))
    if form.is_valid():
        try:
            with transaction.atomic():
                services.case_assign(
                    actor=request.user,  # type: ignore[arg-type]
                    case=case,
                    assignee=form.cleaned_data["assignee"],
                )
        except ApplicationError as error:
            if error.field is None:  # as in case_evidence_add
                report_error(request, error)
                return redirect("cases:detail", pk=case.pk)
            report_error(request, error, form)
        else:
            messages.success(request, _("Assigned."))
            return redirect("cases:detail", pk=case.pk)
    return case_detail(request, case.pk, forms={"assign": form})
