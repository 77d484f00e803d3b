"""Mediation pages (staff): parse, call one service, redirect or render. One POST URL per
move; the buttons come from permissions.available_moves and the permission functions there.
The parties' public pages (the claimant's and the employer's confirmation) are the kiosk's
(portal.kiosk.views.confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from portal.cases.models import Case
from portal.cases.permissions import CasePerm, access_case
from portal.core.errors import ApplicationError
from portal.core.forms import own_ids
from portal.core.http import portal_user, post_move, report_error, stored_file_response
from portal.core.models import User

from . import selectors, services
from .forms import (
    AgreementForm,
    ConfirmForm,
    ConflictForm,
    CourtApplyForm,
    CourtDecisionForm,
    EnforcementForm,
    ExtensionForm,
    MediatorForm,
    OpenForm,
    PaymentForm,
    ReasonForm,
    SessionForm,
    SessionRecordForm,
)
from .models import Instalment, Mediation
from .offers import arrange, offered_forms
from .permissions import access_mediation, can_open

PAGE_SIZE = 25

Bound = tuple[str, forms.Form]


def mediation_list(request: HttpRequest) -> HttpResponse:
    mediations = selectors.mediation_list(user=portal_user(request))
    page = Paginator(mediations, PAGE_SIZE).get_page(request.GET.get("page"))
    awaiting = selectors.cases_awaiting_mediation(user=portal_user(request))[:PAGE_SIZE]
    return render(request, "mediation/mediation_list.html", {"page": page, "awaiting": awaiting})


def mediation_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _page(request: HttpRequest, pk: int, *, bound: Bound | None = None) -> HttpResponse:
    """The mediation's page (or, for a case without one, the offer to open it); `bound` is
    the form that was refused, shown as typed with its refusal."""
    user = portal_user(request)
    try:
        mediation = access_mediation(user, pk)
    except Http404:
        return _opening_page(request, access_case(user, pk, CasePerm.VIEW), bound)
    shown = offered_forms(user, mediation)
    refusal = ""
    refused_key = ""
    if bound is not None:
        key, form = bound
        if key in shown:
            shown[key] = form
            refused_key = key
        else:
            refusal = " ".join(str(e) for errors in form.errors.values() for e in errors)
    own_ids(shown)
    next_step, more = arrange(mediation, shown)
    agreement = getattr(mediation, "agreement", None)
    sessions = list(mediation.sessions.all())
    context: dict[str, Any] = {
        "case": mediation.case,
        "mediation": mediation,
        "forms": shown,
        "refusal": refusal,
        "stage": selectors.mediation_stage(mediation),
        "sessions": sessions,
        "next_step": next_step,
        "more": more,
        "more_open": any(offer.key == refused_key for offer in more),
        "conflicts": mediation.conflicts.select_related("mediator"),
        "extensions": mediation.extensions.all(),
        "term": selectors.term_deadline(mediation),
        "agreement": agreement,
        "instalments": agreement.instalments.all() if agreement else [],
        "court_window": selectors.court_window(mediation),
        "shares": selectors.worker_shares(agreement),
        "confirmed_by_both": selectors.agreement_confirmed_by_both(agreement),
        "employer_link": _employer_link_url(request, agreement) if "employer_link" in shown else "",
    }
    return render(request, "mediation/mediation_detail.html", context)


def _employer_link_url(request: HttpRequest, agreement: Any) -> str:
    """The employer's link that still works, shown (with a copy button) until it is used."""
    token = selectors.employer_link_shown(agreement)
    if token is None:
        return ""
    return request.build_absolute_uri(reverse("confirmation:employer", kwargs={"token": token}))


def _opening_page(request: HttpRequest, case: Case, bound: Bound | None) -> HttpResponse:
    user = portal_user(request)
    opener = can_open(user, case)
    form = bound[1] if bound else OpenForm()
    refusal = ""
    if bound is not None and not opener:
        refusal = " ".join(str(e) for errors in form.errors.values() for e in errors)
    context = {
        "case": case,
        "mediation": None,
        "forms": {"open": form} if opener else {},
        "refusal": refusal,
    }
    return render(request, "mediation/mediation_detail.html", context)


def _mediation_or_refuse(request: HttpRequest, pk: int) -> Mediation | None:
    """The mediation of case `pk` for a POST; for a case the user may see that has none yet,
    a message instead (a 404 for a case they may not see)."""
    user = portal_user(request)
    try:
        return access_mediation(user, pk)
    except Http404:
        access_case(user, pk, CasePerm.VIEW)
        messages.error(request, _("This case has no mediation."))
        return None


# --- the POSTs -----------------------------------------------------------------------------------

Perform = Callable[[User, Mediation, dict[str, Any], forms.Form], object]


def _post_view(
    name: str,
    form_class: type[forms.Form],
    perform: Perform,
    done: Any,
    *,
    item: str = "",
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The POST of one form of the page. `item` names the field that says which session or
    instalment the form is about (the page has one such form for each)."""

    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        mediation = _mediation_or_refuse(request, pk)
        if mediation is None:
            return redirect("mediation:case", pk=pk)
        user = portal_user(request)
        form = form_class(request.POST, request.FILES)
        key = f"{name}-{request.POST.get(item, '')}" if item else name
        return post_move(
            request,
            form=form,
            perform=lambda data: perform(user, mediation, data, form),
            done=str(done),
            then=services.mediation_url(mediation),
            page=lambda refused: _page(request, pk, bound=(key, refused)),
        )

    view.__name__ = f"mediation_{name}"
    return view


@require_POST
def mediation_open(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.VIEW)
    if selectors.mediation_of_case(case) is not None:
        messages.error(request, _("This case has a mediation already."))
        return redirect("mediation:case", pk=case.pk)
    return post_move(
        request,
        form=OpenForm(request.POST),
        perform=lambda data: services.mediation_open(
            actor=user, case=case, requested_on=data["requested_on"]
        ),
        done=_("Mediation opened. Assign a mediator."),
        then=reverse("mediation:case", kwargs={"pk": case.pk}),
        page=lambda refused: _page(request, pk, bound=("open", refused)),
    )


def _record(actor: User, mediation: Mediation, data: dict[str, Any], form: forms.Form) -> object:
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


def _pay(actor: User, mediation: Mediation, data: dict[str, Any], form: forms.Form) -> object:
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


def _service(service: Callable[..., object], *fields: str, versioned: bool = True) -> Perform:
    """A form's perform: the service called with the actor, the mediation, the named fields of
    the form and, for a move, the page's version."""

    def perform(
        actor: User, mediation: Mediation, data: dict[str, Any], form: forms.Form
    ) -> object:
        arguments = {field: data[field] for field in fields}
        if versioned:
            arguments["expected_version"] = data["version"]
        return service(actor=actor, mediation=mediation, **arguments)

    return perform


def _draft(actor: User, mediation: Mediation, data: dict[str, Any], form: forms.Form) -> object:
    assert isinstance(form, AgreementForm)
    return services.agreement_draft(actor=actor, mediation=mediation, data=form.data_object())


mediation_assign = _post_view(
    "assign",
    MediatorForm,
    _service(services.mediation_assign, "mediator"),
    gettext_lazy("Mediator assigned."),
)
mediation_conflict_declare = _post_view(
    "conflict",
    ConflictForm,
    _service(services.mediation_conflict_declare, "mediator", "reason"),
    gettext_lazy("Conflict of interest recorded."),
)
mediation_session_schedule = _post_view(
    "session",
    SessionForm,
    _service(services.mediation_session_schedule, "scheduled_for", "place", versioned=False),
    gettext_lazy("Session scheduled."),
)
mediation_session_record = _post_view(
    "record", SessionRecordForm, _record, gettext_lazy("Session recorded."), item="session"
)
mediation_term_extend = _post_view(
    "extension",
    ExtensionForm,
    _service(services.mediation_term_extend, "days", "agreement", versioned=False),
    gettext_lazy("Extension recorded."),
)
agreement_draft = _post_view("agreement", AgreementForm, _draft, gettext_lazy("Agreement saved."))
mediation_agree = _post_view(
    "agree",
    ConfirmForm,
    _service(services.mediation_agree),
    gettext_lazy("Agreement reached. The agreement document is being prepared."),
)
mediation_fail = _post_view(
    "fail",
    ReasonForm,
    _service(services.mediation_fail, "reason"),
    gettext_lazy("Mediation recorded as failed: the case goes to arbitration intake."),
)
arbitration_confirm = _post_view(
    "arbitration_confirm",
    ConfirmForm,
    _service(services.agreement_arbitration_confirm),
    gettext_lazy("Agreement confirmed: the mediation statement is being prepared."),
)
court_apply = _post_view(
    "court_apply",
    CourtApplyForm,
    _service(services.agreement_court_apply, "court_name"),
    gettext_lazy("Application recorded: the application form is being prepared for the parties."),
)
court_decision = _post_view(
    "court_decision",
    CourtDecisionForm,
    _service(services.agreement_court_decision, "confirmed", "decided_on", "enforceable_number"),
    gettext_lazy("The court's decision is recorded."),
)
instalment_payment = _post_view(
    "payment", PaymentForm, _pay, gettext_lazy("Payment recorded."), item="instalment"
)
enforcement_record = _post_view(
    "enforcement",
    EnforcementForm,
    _service(services.agreement_enforcement_record, "kind", "applied_on", "note", versioned=False),
    gettext_lazy("Application recorded."),
)


@require_POST
def employer_link_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Not post_move: the success message carries the one-time link, shown once."""
    mediation = _mediation_or_refuse(request, pk)
    if mediation is None:
        return redirect("mediation:case", pk=pk)
    form = forms.Form(request.POST)
    try:
        _link, token = services.employer_link_issue(actor=portal_user(request), mediation=mediation)
    except ApplicationError as error:
        report_error(request, error, form)
        return _page(request, pk, bound=("employer_link", form))
    address = request.build_absolute_uri(reverse("confirmation:employer", kwargs={"token": token}))
    messages.success(
        request,
        _("Give this one-time link to the employer; it works once, for %(days)d days: %(url)s")
        % {"days": services.EMPLOYER_LINK_DAYS, "url": address},
    )
    return redirect("mediation:case", pk=pk)


@require_safe
def instalment_evidence_download(
    request: HttpRequest, pk: int, instalment_pk: int
) -> HttpResponseBase:
    mediation = access_mediation(portal_user(request), pk)
    instalment = get_object_or_404(Instalment, pk=instalment_pk, agreement__mediation=mediation)
    if not instalment.evidence:
        raise Http404
    return stored_file_response(instalment.evidence, stem=f"payment-{instalment.sequence}")
