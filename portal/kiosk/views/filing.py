"""Public filing (快立): one group of questions per screen, kept in the session under a draft
token; save for later, resume, submit, receipt, and the wipe of a shared screen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.cases.services.intake import secret_display
from portal.core.errors import ApplicationError
from portal.core.forms import error_summary

from .. import abuse, answers, drafts, services, steps
from ..forms import LookupForm, ReviewForm
from ..permissions import access_receipt, receipt_grant, receipt_of_draft
from ..receipt import receipt_context, receipt_pdf
from .common import kiosk_render, public, too_many

# Where a service's error about a field sends the claimant back to.
FIELD_STEPS = {"claimants": "claimants", "credit_code": "employer", "claims": "claims"}


@public
@require_safe
def start(request: HttpRequest) -> HttpResponse:
    if request.GET.get("kiosk") == "1":
        request.session[drafts.TERMINAL_KEY] = True
        drafts.session_touch(request)
    return kiosk_render(request, "kiosk/start.html")


@public
@require_safe
def terminal(request: HttpRequest) -> HttpResponse:
    """The kiosk terminal's start page: from here on this browser session gets the idle
    timeout, and its filings count as filed at the kiosk."""
    request.session[drafts.TERMINAL_KEY] = True
    drafts.session_touch(request)
    return redirect("kiosk:start")


@public
@require_POST
def new(request: HttpRequest) -> HttpResponse:
    draft = drafts.draft_new(request)
    return redirect("kiosk:step", token=draft.token, step=steps.STEP_NAMES[0])


def _render_step(
    request: HttpRequest, draft: drafts.Draft, step: Any, context: dict[str, Any]
) -> HttpResponse:
    index = steps.STEP_NAMES.index(step.name)
    return kiosk_render(
        request,
        step.template,
        {
            **context,
            "draft": draft,
            "step": step,
            "step_number": index + 1,
            "step_count": len(steps.STEPS),
            "progress": steps.progress(step.name),
            "previous": steps.neighbour(step.name, -1),
            "errors": error_summary(context.get("form"), context.get("forms")),
            "retention_days": settings.KIOSK_DRAFT_RETENTION_DAYS,
        },
    )


@public
@require_http_methods(["GET", "HEAD", "POST"])
def step(request: HttpRequest, token: str, step: str) -> HttpResponse:
    draft = drafts.draft_get(request, token)
    if draft is None and receipt_of_draft(request, token):
        return redirect("kiosk:receipt")  # submitted already: its receipt, not a second filing
    if draft is None:
        messages.info(
            request,
            _(
                "That filing is no longer open on this screen. Start again, or continue a saved one."
            ),
        )
        return redirect("kiosk:start")
    handler = steps.BY_NAME.get(step)
    if handler is None:
        raise Http404
    if step == "review":
        # The review reads the whole filing, which checks every step on the way (case_data).
        return _review(request, draft, handler)
    blocked = steps.first_open(draft, before=step)
    if blocked is not None:
        return redirect("kiosk:step", token=token, step=blocked)
    if request.method in ("GET", "HEAD"):
        return _render_step(request, draft, handler, handler.context(draft))
    outcome = handler.post(request, draft)
    drafts.draft_put(request, draft)
    return _move(request, draft, handler, outcome)


def _move(
    request: HttpRequest, draft: drafts.Draft, handler: Any, outcome: steps.Outcome
) -> HttpResponse:
    if outcome.move == steps.SAVE:
        saved = services.draft_save(draft=draft)
        draft.saved = saved.draft.tracking_number
        draft.saved_secret = saved.secret
        drafts.draft_put(request, draft)
        return redirect("kiosk:saved", token=draft.token)
    if outcome.move in (steps.NEXT, steps.BACK):
        target = steps.neighbour(handler.name, 1 if outcome.move == steps.NEXT else -1)
        if target is None:
            return redirect("kiosk:start")
        return redirect("kiosk:step", token=draft.token, step=target)
    return _render_step(request, draft, handler, outcome.context)


def _review(request: HttpRequest, draft: drafts.Draft, handler: Any) -> HttpResponse:
    try:
        data = answers.case_data(draft)
    except answers.StepIncomplete as incomplete:
        return redirect("kiosk:step", token=draft.token, step=incomplete.step)
    if request.method in ("GET", "HEAD"):
        return _render_step(request, draft, handler, handler.context(draft))
    nav = request.POST.get("nav", "submit")
    if nav in (steps.BACK, steps.SAVE):
        return _move(request, draft, handler, steps.Outcome(nav))
    form = ReviewForm(request.POST)
    context = {"form": form, "summary": steps.summary(draft)}
    if not form.is_valid():
        return _render_step(request, draft, handler, context)
    limited = abuse.rate_hits(
        {
            abuse.SUBMIT_IP: [abuse.request_ip(request)],
            abuse.SUBMIT_ID: [c.id_number for c in data.claimants],
        },
        fail_open=True,
    )
    if limited:
        return too_many(request, limited)
    if abuse.looks_automated(
        honeypot=form.cleaned_data["website"], started=draft.started, online=not draft.terminal
    ):
        # Said plainly and without blame: a person who was quick just submits again.
        form.add_error(None, _("Please check your answers once more, then submit again."))
        return _render_step(request, draft, handler, context)
    try:
        filed = services.filing_submit(draft=draft, data=data)
    except ApplicationError as error:
        form.add_error(None, error.message)
        context["fix_step"] = FIELD_STEPS.get(error.field or "", "")
        return _render_step(request, draft, handler, context)
    # The receipt first: whatever fails after the commit, a second submit of this draft finds
    # either the draft (and its filing) or the receipt, never "no longer open".
    receipt_grant(request, filed.case, filed.secret, data.employer.name.strip(), token=draft.token)
    drafts.draft_drop(request, draft.token, keep_files=True)
    return redirect("kiosk:receipt")


@public
@require_safe
def saved(request: HttpRequest, token: str) -> HttpResponse:
    draft = drafts.draft_get(request, token)
    if draft is None or not draft.saved:
        return redirect("kiosk:start")
    secret, draft.saved_secret = draft.saved_secret, ""  # shown once
    drafts.draft_put(request, draft)
    return kiosk_render(
        request,
        "kiosk/saved.html",
        {
            "draft": draft,
            "secret": secret_display(secret) if secret else "",
            "retention_days": settings.KIOSK_DRAFT_RETENTION_DAYS,
            "continue_step": steps.first_open(draft) or "review",
        },
    )


@public
@require_http_methods(["GET", "HEAD", "POST"])
def resume(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None, initial={"tracking_number": request.GET.get("n", "")})
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["tracking_number"]
        limited = abuse.lookup_blocked(request, number)
        if limited:
            return too_many(request, limited)
        found = services.draft_resume(tracking_number=number, secret=form.cleaned_data["secret"])
        if found is None:
            abuse.lookup_failed(request, number)
        if found is not None:
            request.session.cycle_key()
            token = drafts.draft_new(request).token
            draft = services.draft_from_saved(
                found, token=token, terminal=drafts.is_terminal(request)
            )
            drafts.draft_put(request, draft)
            target = steps.first_open(draft) or "review"
            return redirect("kiosk:step", token=token, step=target)
        form.add_error(None, _draft_not_found())
    return kiosk_render(request, "kiosk/resume.html", {"form": form, "errors": error_summary(form)})


def _draft_not_found() -> str:
    return _(
        "No saved filing matches this tracking number and secret. Check both and try again; "
        "a saved filing is kept for a limited time."
    )


@public
@require_safe
def receipt(request: HttpRequest) -> HttpResponse:
    case, secret, employer = access_receipt(request)
    return kiosk_render(request, "kiosk/receipt.html", receipt_context(case, secret, employer))


@public
@require_safe
def receipt_download(request: HttpRequest) -> HttpResponse:
    case, secret, employer = access_receipt(request)
    response = HttpResponse(receipt_pdf(case, secret, employer), content_type="application/pdf")
    # Inline: the kiosk's browser shows it and prints it from there.
    response["Content-Disposition"] = f'inline; filename="{case.tracking_number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    """Wipe what this visit typed, uploaded or looked up: the kiosk's idle timeout, or the
    visitor's own "finish"."""
    drafts.kiosk_wipe(request)
    response = redirect("kiosk:start")
    # The next person at the terminal starts in the default language.
    if drafts.is_terminal(request):
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
