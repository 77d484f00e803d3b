from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.http import portal_user, post_move, report_error, stored_file_response

from . import selectors, services
from .arbitration_views import arbitration_section
from .forms import (
    AssignForm,
    CaseCreateForm,
    CaseFilterForm,
    ClaimantFormSet,
    ClaimFormSet,
    CoHandlingForm,
    EvidenceForm,
)
from .models import Case, Claimant
from .pdf import CASE_SUMMARY
from .permissions import (
    INTAKE_MOVES,
    CasePerm,
    access_case,
    access_evidence,
    available_moves,
    can_manage,
    can_register,
    can_work,
)
from .related import related_sections


def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        user=portal_user(request),
        status=filters.get("status") or None,
        query=filters.get("q", ""),
    )[:50]
    can_create = can_register(portal_user(request))
    context = {"cases": cases, "form": form, "can_create": can_create}
    return render(request, "cases/case_list.html", context)


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_case(portal_user(request), pk))


def _detail(
    request: HttpRequest,
    case: Case,
    *,
    revealed: list[Claimant] | None = None,
    bound: tuple[str, forms.Form] | None = None,
) -> HttpResponse:
    """The case's page; `bound` is the form (evidence, assign) that was refused, shown as typed."""
    user = portal_user(request)
    case = selectors.case_detail(case)
    work, manage = can_work(user, case), can_manage(user, case)
    refused_key, refused_form = bound if bound else ("", None)
    arbitration = arbitration_section(user, case, bound)
    offered = {
        "evidence": work,
        "assign": manage,
        "share": manage,
        "unshare": manage,
        **arbitration.offered,
    }
    if refused_form is not None and not offered.get(refused_key, False):
        # The page does not offer this user the form (a leader's, a non-admin's): the refusal
        # is told as a message instead.
        messages.error(request, _errors(refused_form))
    context = {
        "case": case,
        "revealed": revealed,
        "worker_claims": selectors.claims_by_worker(case),
        "history": selectors.case_history(case)[:100],
        "deadlines": selectors.case_deadlines(case),
        "documents": selectors.case_documents(case),
        "can_work": work,
        "can_manage": manage,
        "related": related_sections(user, case),
        "intake_desk": bool(available_moves(user, case) & set(INTAKE_MOVES)),
        "arbitration": arbitration,
        "evidence_form": refused_form if refused_key == "evidence" else EvidenceForm(),
        "assign_form": (
            refused_form
            if refused_key == "assign"
            else AssignForm(candidates=selectors.case_assign_candidates(case))
        )
        if manage
        else None,
        "share_form": _bound_or(
            bound,
            "share",
            lambda: CoHandlingForm(agencies=selectors.case_co_handling_candidates(case)),
        )
        if manage
        else None,
        "unshare_error": _errors(refused_form) if refused_key == "unshare" and refused_form else "",
    }
    return render(request, "cases/case_detail.html", context)


# The case page with a refused form shown as typed, for the views of other modules.
render_detail = _detail


def _bound_or(
    bound: tuple[str, forms.Form] | None, key: str, fresh: Callable[[], forms.Form]
) -> forms.Form:
    """The refused form `key` as it was typed, or a fresh one."""
    return bound[1] if bound is not None and bound[0] == key else fresh()


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def case_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
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
    # Not a move: the whole numbers are shown on this response only, so there is nothing to
    # redirect to.
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.WORK)
    try:
        revealed = services.case_reveal_personal_info(actor=user, case=case)
    except ApplicationError as error:
        report_error(request, error)
        return redirect("cases:detail", pk=case.pk)
    return _detail(request, case, revealed=revealed)


@require_POST
def case_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.WORK)
    return post_move(
        request,
        form=EvidenceForm(request.POST, request.FILES),
        perform=lambda data: services.case_evidence_add(
            actor=user, case=case, upload=data["file"], description=data["description"]
        ),
        done=_("Evidence added."),
        then=reverse("cases:detail", kwargs={"pk": case.pk}),
        page=lambda form: _detail(request, access_case(user, pk), bound=("evidence", form)),
    )


def case_evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    evidence = access_evidence(portal_user(request), evidence_pk)
    if evidence.case_id != pk:
        raise Http404
    stem = PurePosixPath(evidence.original_name).stem or "evidence"
    return stored_file_response(evidence.file, stem=stem, content_type=evidence.content_type)


@require_POST
def case_summary_request(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(portal_user(request), pk)
    document_request(actor=portal_user(request), owner=case, kind=CASE_SUMMARY.key)
    messages.success(request, _("The case summary is being generated."))
    return redirect("cases:detail", pk=case.pk)


@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.WORK)
    return post_move(
        request,
        form=AssignForm(request.POST, candidates=selectors.case_assign_candidates(case)),
        perform=lambda data: services.case_assign(actor=user, case=case, assignee=data["assignee"]),
        done=_("Assigned."),
        then=reverse("cases:detail", kwargs={"pk": case.pk}),
        page=lambda form: _detail(request, access_case(user, pk), bound=("assign", form)),
    )


@require_POST
def case_co_handling_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _co_handling(request, pk, share=True)


@require_POST
def case_co_handling_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _co_handling(request, pk, share=False)


def _co_handling(request: HttpRequest, pk: int, *, share: bool) -> HttpResponse:
    """Share the case with an agency (案件协办), or stop; the service checks the admin."""
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.WORK)
    # Stopping is offered for any member agency: the service answers for one not sharing it.
    agencies = selectors.case_co_handling_candidates(case) if share else selectors.member_agencies()
    service = services.case_co_handling_start if share else services.case_co_handling_end
    return post_move(
        request,
        form=CoHandlingForm(request.POST, agencies=agencies),
        perform=lambda data: service(
            actor=user, case=case, agency=data["agency"], note=data["note"]
        ),
        done=_("The case is shared.")
        if share
        else _("The case is no longer shared with that agency."),
        then=reverse("cases:detail", kwargs={"pk": case.pk}),
        page=lambda form: _detail(
            request, access_case(user, pk), bound=("share" if share else "unshare", form)
        ),
    )
