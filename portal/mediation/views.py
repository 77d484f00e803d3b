"""Mediation pages: parse, call one service, redirect or render. One POST URL per move."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import ApplicationError
from portal.core.http import portal_user, report_error
from portal.core.models import DocumentStatus, Role, User
from portal.core.roles import has_role
from portal.kiosk.permissions import access_claimant_case
from portal.kiosk.views.common import public

from . import selectors, services
from .forms import (
    AgreementForm,
    ConfirmForm,
    ConflictForm,
    CourtApplyForm,
    CourtDecisionForm,
    EmployerConfirmForm,
    EnforcementForm,
    ExtensionForm,
    MediatorForm,
    OpenForm,
    PaymentForm,
    ReasonForm,
    SessionForm,
    SessionRecordForm,
)
from .models import Agreement, Instalment, Mediation, MediationSession, SessionStatus
from .permissions import access_mediation_case, can_conduct, can_open, is_admin

PAGE_SIZE = 25


def mediation_list(request: HttpRequest) -> HttpResponse:
    mediations = selectors.mediation_list(user=portal_user(request))
    page = Paginator(mediations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/mediation_list.html", {"page": page})


def mediation_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case, mediation = access_mediation_case(user, pk)
    context: dict[str, Any] = {"case": case, "mediation": mediation}
    if mediation is None:
        context["can_open"] = can_open(user, case)
        context["open_form"] = OpenForm()
        return render(request, "mediation/mediation_detail.html", context)
    admin, conduct = is_admin(user, mediation), can_conduct(user, mediation)
    sessions = list(mediation.sessions.all())
    context.update(
        {
            "sessions": sessions,
            "conflicts": mediation.conflicts.select_related("mediator"),
            "extensions": mediation.extensions.all(),
            "term": services.term_deadline(mediation),
            "can_assign": admin and mediation.status in services.OPEN_STATES,
            "can_conduct": conduct and mediation.status == "mediating",
            "assign_form": MediatorForm(choices=selectors.mediator_choices(mediation)),
            "conflict_form": ConflictForm(choices=selectors.mediator_choices(mediation)),
            "session_form": SessionForm(),
            "extension_form": ExtensionForm(),
            "agreement": getattr(mediation, "agreement", None),
            "agreement_form": AgreementForm(initial=_agreement_initial(mediation)),
            "fail_form": ReasonForm(),
            "can_fail": (admin or conduct) and mediation.status in services.OPEN_STATES,
            "can_issue_link": mediation.status == "agreed"
            and (admin or can_conduct(user, mediation, running_only=False)),
            "court_apply_form": CourtApplyForm(),
            "enforcement_form": EnforcementForm(),
            "payment_forms": _payment_forms(mediation),
            "can_record_payments": (admin or can_conduct(user, mediation, running_only=False))
            and getattr(getattr(mediation, "agreement", None), "effective_at", None) is not None,
            "court_decision_form": CourtDecisionForm(),
            "court_window": services.court_window(mediation),
            "can_confirm_by_committee": mediation.status == "agreed"
            and has_role(user, Role.ARBITRATOR, Role.AGENCY_ADMIN, agency=mediation.agency),
            "can_record_court": mediation.status in ("agreed", "court_applied")
            and (admin or can_conduct(user, mediation, running_only=False)),
            "confirmed_by_both": services.agreement_confirmed_by_both(mediation.agreement)
            if hasattr(mediation, "agreement")
            else False,
            "record_forms": [
                (s, SessionRecordForm(initial={"session": s.pk}))
                for s in sessions
                if s.status == SessionStatus.SCHEDULED
            ],
        }
    )
    return render(request, "mediation/mediation_detail.html", context)


def _payment_forms(mediation: Mediation) -> list[tuple[Any, PaymentForm]]:
    agreement = getattr(mediation, "agreement", None)
    if agreement is None:
        return []
    return [
        (item, PaymentForm(initial={"instalment": item.pk, "amount": item.amount}))
        for item in agreement.instalments.all()
    ]


def _agreement_initial(mediation: Mediation) -> dict[str, Any]:
    agreement = getattr(mediation, "agreement", None)
    if agreement is None:
        return {}
    return {
        "total_amount": agreement.total_amount,
        "payment_method": agreement.payment_method,
        "payment_details": agreement.payment_details,
        "clauses": agreement.clauses,
        "instalments": "\n".join(
            f"{item.due_on:%Y-%m-%d} {item.amount}" for item in agreement.instalments.all()
        ),
    }


def _act(
    request: HttpRequest,
    pk: int,
    form: forms.Form,
    call: Callable[[User, Mediation, dict[str, Any]], object],
    done: str,
    *,
    needs_mediation: bool = True,
) -> HttpResponse:
    """Parse the form and make the move; every refusal becomes a message on the page."""
    user = portal_user(request)
    case, mediation = access_mediation_case(user, pk)
    target = redirect("mediation:case", pk=case.pk)
    if needs_mediation and mediation is None:
        messages.error(request, _("This case has no mediation."))
        return target
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return target
    try:
        call(user, mediation, form.cleaned_data)  # type: ignore[arg-type]
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, done)
    return target


@require_POST
def mediation_open(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case, mediation = access_mediation_case(user, pk)
    if mediation is not None:
        messages.error(request, _("This case has a mediation already."))
        return redirect("mediation:case", pk=case.pk)
    return _act(
        request,
        pk,
        OpenForm(request.POST),
        lambda actor, _m, data: services.mediation_open(
            actor=actor, case=case, requested_on=data["requested_on"]
        ),
        _("Mediation opened. Assign a mediator."),
        needs_mediation=False,
    )


@require_POST
def mediation_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        MediatorForm(request.POST),
        lambda actor, mediation, data: services.mediation_assign(
            actor=actor, mediation=mediation, mediator=data["mediator"]
        ),
        _("Mediator assigned."),
    )


@require_POST
def mediation_conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ConflictForm(request.POST),
        lambda actor, mediation, data: services.mediation_conflict_declare(
            actor=actor, mediation=mediation, mediator=data["mediator"], reason=data["reason"]
        ),
        _("Conflict of interest recorded."),
    )


@require_POST
def mediation_session_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        SessionForm(request.POST),
        lambda actor, mediation, data: services.mediation_session_schedule(
            actor=actor,
            mediation=mediation,
            scheduled_for=data["scheduled_for"],
            place=data["place"],
        ),
        _("Session scheduled."),
    )


def _record(actor: User, mediation: Mediation, data: dict[str, Any]) -> MediationSession:
    session = mediation.sessions.filter(pk=data["session"]).first()
    if session is None:
        raise ApplicationError(_("No such session in this mediation."))
    return services.mediation_session_record(
        actor=actor,
        session=session,
        attendees=data["attendees"],
        summary=data["summary"],
        proposals=data["proposals"],
    )


@require_POST
def mediation_session_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, SessionRecordForm(request.POST), _record, _("Session recorded."))


@require_POST
def mediation_term_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ExtensionForm(request.POST),
        lambda actor, mediation, data: services.mediation_term_extend(
            actor=actor, mediation=mediation, days=data["days"], agreement=data["agreement"]
        ),
        _("Extension recorded."),
    )


@require_POST
def agreement_draft(request: HttpRequest, pk: int) -> HttpResponse:
    form = AgreementForm(request.POST)
    return _act(
        request,
        pk,
        form,
        lambda actor, mediation, data: services.agreement_draft(
            actor=actor, mediation=mediation, data=form.data_object()
        ),
        _("Agreement saved."),
    )


@require_POST
def mediation_agree(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ConfirmForm(request.POST),
        lambda actor, mediation, data: services.mediation_agree(actor=actor, mediation=mediation),
        _("Agreement reached. The agreement document is being prepared."),
    )


@require_POST
def mediation_fail(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ReasonForm(request.POST),
        lambda actor, mediation, data: services.mediation_fail(
            actor=actor, mediation=mediation, reason=data["reason"]
        ),
        _("Mediation recorded as failed: the case goes to arbitration intake."),
    )


# --- the parties' confirmation -------------------------------------------------------------------


@require_POST
def employer_link_issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case, mediation = access_mediation_case(user, pk)
    if mediation is None:
        messages.error(request, _("This case has no mediation."))
        return redirect("mediation:case", pk=case.pk)
    try:
        _link, token = services.employer_link_issue(actor=user, mediation=mediation)
    except ApplicationError as error:
        report_error(request, error)
    else:
        address = request.build_absolute_uri(
            reverse("mediation:employer-confirm", kwargs={"token": token})
        )
        messages.success(
            request,
            _("Give this one-time link to the employer; it works once, for %(days)d days: %(url)s")
            % {"days": services.EMPLOYER_LINK_DAYS, "url": address},
        )
    return redirect("mediation:case", pk=case.pk)


@public
@require_POST
def claimant_confirm(request: HttpRequest) -> HttpResponse:
    case = access_claimant_case(request)
    try:
        services.agreement_confirm_claimant(case=case, shown_sha256=request.POST.get("sha256", ""))
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("Thank you: your confirmation of the agreement is recorded."))
    return redirect("kiosk:status")


@public
@require_http_methods(["GET", "POST"])
def employer_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The employer's one-time page: its own agreement, and nothing else."""
    link = services.employer_link_get(token)
    if link is None:
        raise Http404
    form = EmployerConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_confirm_employer(
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
        "sha256": sha256,
        "token": token,
        "form": form,
    }
    return render(request, "mediation/employer_confirm.html", context)


def _agreement_pdf(agreement: Agreement | None) -> HttpResponseBase:
    """The agreement's rendered PDF as an attachment; 404 while it is not ready."""
    document = agreement.document if agreement is not None else None
    if document is None or document.status != DocumentStatus.READY or not document.file:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.title or 'agreement'}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public
@require_GET
def claimant_agreement_pdf(request: HttpRequest) -> HttpResponseBase:
    """The claimant's copy, only while their status lookup is open in this session."""
    case = access_claimant_case(request)
    return _agreement_pdf(selectors.claimant_agreement(case))


@public
@require_GET
def employer_agreement_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    """The employer's copy; reading it does not use up the one-time link."""
    link = services.employer_link_get(token)
    if link is None:
        raise Http404
    return _agreement_pdf(link.agreement)


@require_POST
def arbitration_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ConfirmForm(request.POST),
        lambda actor, mediation, data: services.agreement_arbitration_confirm(
            actor=actor, mediation=mediation
        ),
        _("Agreement confirmed: the mediation statement is being prepared."),
    )


@require_POST
def court_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        CourtApplyForm(request.POST),
        lambda actor, mediation, data: services.agreement_court_apply(
            actor=actor, mediation=mediation, court_name=data["court_name"]
        ),
        _("Application recorded: the application form is being prepared for the parties."),
    )


@require_POST
def court_decision(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        CourtDecisionForm(request.POST),
        lambda actor, mediation, data: services.agreement_court_decision(
            actor=actor,
            mediation=mediation,
            confirmed=data["confirmed"],
            decided_on=data["decided_on"],
            enforceable_number=data["enforceable_number"],
        ),
        _("The court's decision is recorded."),
    )


def _pay(actor: User, mediation: Mediation, data: dict[str, Any]) -> object:
    agreement = getattr(mediation, "agreement", None)
    instalment = agreement.instalments.filter(pk=data["instalment"]).first() if agreement else None
    if instalment is None:
        raise ApplicationError(_("No such instalment in this agreement."))
    return services.instalment_record_payment(
        actor=actor,
        instalment=instalment,
        paid_on=data["paid_on"],
        amount=data["amount"],
        evidence=data["evidence"],
    )


@require_POST
def instalment_payment(request: HttpRequest, pk: int) -> HttpResponse:
    form = PaymentForm(request.POST, request.FILES)
    return _act(request, pk, form, _pay, _("Payment recorded."))


@require_GET
def instalment_evidence_download(
    request: HttpRequest, pk: int, instalment_pk: int
) -> HttpResponseBase:
    _case, mediation = access_mediation_case(portal_user(request), pk)
    if mediation is None:
        raise Http404
    instalment = get_object_or_404(Instalment, pk=instalment_pk, agreement__mediation=mediation)
    if not instalment.evidence:
        raise Http404
    # The saved name carries the extension of the checked type (services.instalment_record_payment).
    suffix = PurePosixPath(instalment.evidence.name or "").suffix
    response = FileResponse(
        instalment.evidence.open("rb"),
        as_attachment=True,
        filename=f"payment-{instalment.sequence}{suffix}",
        content_type=mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def enforcement_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        EnforcementForm(request.POST),
        lambda actor, mediation, data: services.agreement_enforcement_record(
            actor=actor,
            mediation=mediation,
            kind=data["kind"],
            applied_on=data["applied_on"],
            note=data["note"],
        ),
        _("Application recorded."),
    )
