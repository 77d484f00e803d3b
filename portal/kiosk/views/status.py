"""The claimant's status page: tracking number and secret in, the case in plain words out.

An unknown tracking number and a wrong secret get the same page, status and message, at the
same cost (portal.cases.services.intake.secret_matches), so the page cannot tell anyone which numbers
exist."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.cases.models import Case, Claimant
from portal.cases.selectors import claimant_clock
from portal.cases.services.intake import case_material_supply, claimant_access_get
from portal.core.forms import error_summary
from portal.core.http import post_move, stored_file_response
from portal.mediation.selectors import claimant_mediation

from .. import abuse, selectors
from ..forms import LookupForm, MaterialForm
from ..permissions import (
    access_claimant_case,
    claimant_case_pk,
    claimant_grant,
    claimant_worker_pk,
)
from ..services import claimant_document_download, worker_status_open
from .common import kiosk_render, public, too_many


def _not_found() -> str:
    return _(
        "We found no filing with this tracking number and secret. Check both on your receipt "
        "and try again."
    )


def _case_page(
    request: HttpRequest,
    case: Case,
    material: MaterialForm | None = None,
    worker: Claimant | None = None,
) -> HttpResponse:
    view = selectors.claimant_view(case)
    mediation = claimant_mediation(case)
    if worker is not None:
        selectors.worker_part(view, mediation, worker)
    material = material or (MaterialForm() if view.can_add_material else None)
    context = {
        "view": view,
        "worker": worker,
        "material_form": material,
        "errors": error_summary(material),
        "mediation": mediation,
        "clock": claimant_clock(case),
    }
    return kiosk_render(request, "kiosk/status.html", context)


@public
@require_http_methods(["GET", "HEAD", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("n", "")
    if request.method in ("GET", "HEAD"):
        pk = claimant_case_pk(request)
        case = Case.objects.filter(pk=pk).first() if pk else None
        if case is not None and (not number or number == case.tracking_number):
            worker_pk = claimant_worker_pk(request)
            worker = case.claimants.filter(pk=worker_pk).first() if worker_pk else None
            return _case_page(request, case, worker=worker)
    form = LookupForm(request.POST or None, initial={"tracking_number": number})
    if request.method == "POST" and form.is_valid():
        tracking_number = form.cleaned_data["tracking_number"]
        limited = abuse.lookup_blocked(request, tracking_number)
        if limited:
            return too_many(request, limited)
        found = claimant_access_get(
            tracking_number=tracking_number, secret=form.cleaned_data["secret"]
        )
        if found is not None:
            case, worker = found
            if worker is not None:
                worker_status_open(case=case, worker=worker)
            claimant_grant(request, case, worker)
            return redirect("kiosk:status")
        abuse.lookup_failed(request, tracking_number)
        form.add_error(None, _not_found())
    return kiosk_render(
        request, "kiosk/status_lookup.html", {"form": form, "errors": error_summary(form)}
    )


@public
@require_POST
def status_material(request: HttpRequest) -> HttpResponse:
    case = access_claimant_case(request, whole_filing=True)
    return post_move(
        request,
        form=MaterialForm(request.POST, request.FILES),
        perform=lambda data: case_material_supply(
            case=case, uploads=data["material"], note=data["note"]
        ),
        done=_("Thank you: the committee has your material and will decide soon."),
        then=reverse("kiosk:status"),
        page=lambda form: _case_page(request, case, form),  # type: ignore[arg-type]
    )


@public
@require_safe
def status_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    case = access_claimant_case(request, whole_filing=True)
    document = selectors.claimant_document(case, pk)
    if document is None:
        raise Http404
    claimant_document_download(case=case, document=document)
    return stored_file_response(document.file, stem=document.title)
