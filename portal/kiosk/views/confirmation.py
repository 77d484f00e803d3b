"""The parties' confirmation of a mediation agreement, on public pages: the claimant from the
status page (proved by tracking number and secret in this visit), the employer through its
one-time link. The pages only parse and show; the mediation services decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.core.errors import ApplicationError
from portal.core.http import report_error, stored_file_response
from portal.core.models import DocumentStatus
from portal.mediation.forms import EmployerConfirmForm
from portal.mediation.models import Agreement
from portal.mediation.selectors import employer_link_get, token_digest, worker_shares
from portal.mediation.services import (
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_download_by_claimant,
    agreement_download_by_employer,
)

from .. import abuse
from ..permissions import access_claimant_case
from .common import public, too_many


@public
@require_POST
def claimant_confirm(request: HttpRequest) -> HttpResponse:
    case = access_claimant_case(request, whole_filing=True)
    try:
        agreement_confirm_claimant(case=case, shown_sha256=request.POST.get("sha256", ""))
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("Thank you: your confirmation of the agreement is recorded."))
    return redirect("kiosk:status")


@public
@require_safe
def claimant_agreement_pdf(request: HttpRequest) -> HttpResponseBase:
    """The claimant's copy, only while their status lookup is open in this session."""
    case = access_claimant_case(request, whole_filing=True)
    return _agreement_pdf(agreement_download_by_claimant(case=case))


@public
@require_http_methods(["GET", "HEAD", "POST"])
def employer_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The employer's one-time page: its own agreement, and nothing else."""
    link = employer_link_get(token)
    if link is None:
        raise Http404
    form = EmployerConfirmForm(request.POST or None)
    if request.method == "POST":
        # Each try at the credit code is counted against the link: guessing it stops here.
        limited = abuse.rate_hits({abuse.EMPLOYER_LINK: [token_digest(token)]})
        if limited:
            return too_many(request, limited)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_confirm_employer(
                token=token,
                representative=form.cleaned_data["representative"],
                credit_code=form.cleaned_data["credit_code"],
                shown_sha256=form.cleaned_data["sha256"],
            )
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            return render(request, "mediation/employer_done.html", {})
    agreement = link.agreement
    document = agreement.document
    sha256 = document.sha256 if document and document.status == DocumentStatus.READY else ""
    context = {
        "agreement": agreement,
        "case": agreement.mediation.case,
        "instalments": list(agreement.instalments.all()),
        "shares": worker_shares(agreement),
        "sha256": sha256,
        "token": token,
        "form": form,
    }
    return render(request, "mediation/employer_confirm.html", context)


@public
@require_safe
def employer_agreement_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    """The employer's copy (the claimant's numbers masked in it); reading it does not use up
    the one-time link, and is audited."""
    return _agreement_pdf(agreement_download_by_employer(token=token))


def _agreement_pdf(agreement: Agreement | None) -> HttpResponseBase:
    """The agreement's rendered PDF as an attachment; 404 while it is not ready."""
    document = agreement.document if agreement is not None else None
    if document is None or document.status != DocumentStatus.READY or not document.file:
        raise Http404
    return stored_file_response(document.file, stem=document.title or "agreement")
