"""Referral pages: parse, call one service, redirect or render. One POST URL per move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.cases.permissions import cases_visible_to
from portal.core.errors import ApplicationError
from portal.core.http import portal_user, post_move, report_error, stored_file_response
from portal.core.pii import mask_personal_numbers

from . import selectors, services
from .forms import (
    AttachmentForm,
    FeedbackForm,
    OptionalReasonForm,
    ReasonForm,
    ReferralFilterForm,
    ReferralForm,
    VersionForm,
)
from .models import Referral, ReferralAttachment
from .permissions import (
    Move,
    access_referral,
    available_moves,
    can_draft,
    can_edit,
    can_reveal,
)

PAGE_SIZE = 25


def _box(request: HttpRequest, box: str) -> HttpResponse:
    form = ReferralFilterForm(request.GET or None, box=box)
    select = selectors.referral_inbox if box == "inbox" else selectors.referral_outbox
    referrals = select(user=portal_user(request), filters=form.filters())
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "box": box,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": can_draft(portal_user(request)),
    }
    return render(request, "referrals/referral_list.html", context)


def referral_inbox(request: HttpRequest) -> HttpResponse:
    return _box(request, "inbox")


def referral_outbox(request: HttpRequest) -> HttpResponse:
    return _box(request, "outbox")


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_referral(portal_user(request), pk))


@require_POST
def referral_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The page once more with the whole numbers in its texts (on this response only)."""
    user = portal_user(request)
    referral = access_referral(user, pk)
    try:
        services.referral_reveal_personal_numbers(actor=user, referral=referral)
    except ApplicationError as error:
        report_error(request, error)
        return redirect("referrals:detail", pk=referral.pk)
    return _detail(request, referral, revealed=True)


def _detail(
    request: HttpRequest,
    referral: Referral,
    *,
    bound: tuple[Move, forms.Form] | None = None,
    revealed: bool = False,
) -> HttpResponse:
    """The referral's page; `bound` is the move whose form was refused, shown as typed."""
    user = portal_user(request)
    referral = selectors.referral_detail(referral)
    moves = available_moves(user, referral)
    refused_move, refused_form = bound if bound else (None, None)
    context = {
        "referral": referral,
        "can": {move.value: move in moves for move in Move},
        "simple_moves": [
            (_URL_NAMES[move], _BUTTONS[move]) for move in _SIMPLE_MOVES if move in moves
        ],
        "reason_moves": [
            (
                _URL_NAMES[move],
                _BUTTONS[move],
                _REASON_LABELS[move],
                _FORMS[move] is ReasonForm,
                refused_form if move == refused_move else None,
            )
            for move in _REASON_MOVES
            if move in moves
        ],
        # A refused move whose form the page does not show (a button, or a move the state no
        # longer offers) is told above the moves.
        "refusal": "" if refused_move in _SHOWN_FORMS & moves else _refusal(refused_form),
        "case_visible": referral.case is not None
        and cases_visible_to(user).filter(pk=referral.case_id).exists(),
        "today": timezone.localdate(),
        "can_edit": can_edit(user, referral),
        "can_request_letter": bool(referral.number),
        "can_request_feedback_letter": bool(referral.feedback_list),  # type: ignore[attr-defined]
        "timeline": selectors.referral_timeline(referral),
        "deadlines": selectors.referral_deadlines(referral),
        "documents": selectors.referral_documents(referral),
        "feedback_form": (
            refused_form
            if refused_move in (Move.GIVE_FEEDBACK, Move.RECORD_OUTCOME)
            else FeedbackForm(initial={"version": referral.version}, referral=referral)
        ),
        "attachment_form": AttachmentForm(),
        "revealed": revealed,
        "can_reveal": not revealed
        and can_reveal(user, referral)
        and any(
            mask_personal_numbers(text) != text for text in (referral.summary, referral.legal_basis)
        ),
    }
    return render(request, "referrals/referral_detail.html", context)


def _refusal(form: forms.Form | None) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) if form else ""


def referral_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if not can_draft(user):
        messages.error(request, _("Only staff with a working role can draft referrals."))
        return redirect("referrals:outbox")
    form = ReferralForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(actor=user, data=form.to_data())
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, _("Draft saved. Add files if needed, then send it."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/referral_form.html", {"form": form, "referral": None})


def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    referral = access_referral(user, pk)
    if not can_edit(user, referral):
        messages.error(request, _("This referral cannot be changed by you now."))
        return redirect("referrals:detail", pk=referral.pk)
    initial = ReferralForm.initial_for(referral)
    form = ReferralForm(request.POST or None, user=user, initial=initial)
    version = VersionForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid() and version.is_valid():
        try:
            services.referral_update(
                actor=user,
                referral=referral,
                expected_version=version.cleaned_data["version"],
                data=form.to_data(),
            )
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, _("Referral saved."))
            return redirect("referrals:detail", pk=referral.pk)
    context = {"form": form, "version_form": version, "referral": referral}
    return render(request, "referrals/referral_form.html", context)


@require_POST
def referral_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    referral = access_referral(user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("referrals:detail", pk=referral.pk)
    try:
        services.referral_attachment_add(
            actor=user,
            referral=referral,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("File added."))
    return redirect("referrals:detail", pk=referral.pk)


def referral_attachment_download(
    request: HttpRequest, pk: int, attachment_pk: int
) -> HttpResponseBase:
    referral = access_referral(portal_user(request), pk)
    attachment = get_object_or_404(ReferralAttachment, pk=attachment_pk, referral=referral)
    stem = PurePosixPath(attachment.original_name).stem or "attachment"
    return stored_file_response(attachment.file, stem=stem, content_type=attachment.content_type)


def _letter(kind: str) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = portal_user(request)
        referral = access_referral(user, pk)
        try:
            services.referral_letter_request(actor=user, referral=referral, kind=kind)
        except ApplicationError as error:
            report_error(request, error)
        else:
            messages.success(request, _("The letter is being generated."))
        return redirect("referrals:detail", pk=referral.pk)

    return view


referral_letter_request = _letter(services.LETTER)
referral_feedback_letter_request = _letter(services.FEEDBACK_LETTER)


# --- the moves ---------------------------------------------------------------------------------

# What each move's form carries besides the version, as service keyword arguments.
_FORMS: dict[Move, type[forms.Form]] = {
    Move.WITHDRAW: OptionalReasonForm,
    Move.RETURN: ReasonForm,
    Move.REQUEST_SUPPLEMENT: ReasonForm,
    Move.REQUEST_MORE: ReasonForm,
    Move.REOPEN: ReasonForm,
    Move.GIVE_FEEDBACK: FeedbackForm,
    Move.RECORD_OUTCOME: FeedbackForm,
}

_SERVICES: dict[Move, Callable[..., Any]] = {
    Move.SEND: services.referral_send,
    Move.RESEND: services.referral_resend,
    Move.WITHDRAW: services.referral_withdraw,
    Move.ACKNOWLEDGE: services.referral_acknowledge,
    Move.ACCEPT: services.referral_accept,
    Move.RETURN: services.referral_return,
    Move.REQUEST_SUPPLEMENT: services.referral_request_supplement,
    Move.GIVE_FEEDBACK: services.referral_give_feedback,
    Move.REQUEST_MORE: services.referral_request_more,
    Move.CLOSE: services.referral_close,
    Move.REOPEN: services.referral_reopen,
    Move.RECORD: services.referral_record,
    Move.RECORD_OUTCOME: services.referral_record_outcome,
}

_DONE: dict[Move, Any] = {
    Move.SEND: gettext_lazy("Referral sent."),
    Move.RESEND: gettext_lazy("Referral sent again."),
    Move.WITHDRAW: gettext_lazy("Referral withdrawn."),
    Move.ACKNOWLEDGE: gettext_lazy("Referral acknowledged."),
    Move.ACCEPT: gettext_lazy("Referral accepted."),
    Move.RETURN: gettext_lazy("Referral returned."),
    Move.REQUEST_SUPPLEMENT: gettext_lazy("More material requested."),
    Move.GIVE_FEEDBACK: gettext_lazy("Feedback given."),
    Move.REQUEST_MORE: gettext_lazy("More feedback requested."),
    Move.CLOSE: gettext_lazy("Referral closed."),
    Move.REOPEN: gettext_lazy("Referral reopened."),
    Move.RECORD: gettext_lazy("Referral recorded as sent."),
    Move.RECORD_OUTCOME: gettext_lazy("Outcome recorded."),
}


_URL_NAMES = {move: move.value.replace("_", "-") for move in Move}
_SIMPLE_MOVES = [Move.SEND, Move.RESEND, Move.RECORD, Move.ACKNOWLEDGE, Move.ACCEPT, Move.CLOSE]
_REASON_MOVES = [
    Move.REQUEST_SUPPLEMENT,
    Move.RETURN,
    Move.REQUEST_MORE,
    Move.REOPEN,
    Move.WITHDRAW,
]
_SHOWN_FORMS = {*_REASON_MOVES, Move.GIVE_FEEDBACK, Move.RECORD_OUTCOME}
_BUTTONS: dict[Move, Any] = {
    Move.SEND: gettext_lazy("Send the referral"),
    Move.RESEND: gettext_lazy("Send it again"),
    Move.RECORD: gettext_lazy("Record as sent"),
    Move.ACKNOWLEDGE: gettext_lazy("Acknowledge receipt"),
    Move.ACCEPT: gettext_lazy("Accept"),
    Move.CLOSE: gettext_lazy("Close the referral"),
    Move.REQUEST_SUPPLEMENT: gettext_lazy("Ask for more material"),
    Move.RETURN: gettext_lazy("Return it"),
    Move.REQUEST_MORE: gettext_lazy("Ask for more feedback"),
    Move.REOPEN: gettext_lazy("Reopen"),
    Move.WITHDRAW: gettext_lazy("Withdraw"),
}
_REASON_LABELS: dict[Move, Any] = {
    Move.REQUEST_SUPPLEMENT: gettext_lazy("Material needed"),
    Move.RETURN: gettext_lazy("Reason for returning"),
    Move.REQUEST_MORE: gettext_lazy("What more is needed"),
    Move.REOPEN: gettext_lazy("Reason for reopening"),
    Move.WITHDRAW: gettext_lazy("Reason for withdrawing (optional)"),
}


def _arguments(cleaned: dict[str, Any]) -> dict[str, Any]:
    data = dict(cleaned)
    arguments: dict[str, Any] = {"expected_version": data.pop("version")}
    if "attachments" in data:
        arguments["uploads"] = data.pop("attachments")
    return {**arguments, **data}


def _form(move: Move, referral: Referral, request: HttpRequest) -> forms.Form:
    form_class = _FORMS.get(move, VersionForm)
    if form_class is FeedbackForm:
        return FeedbackForm(request.POST, request.FILES, referral=referral)
    return form_class(request.POST, request.FILES)


def _move_view(move: Move) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = portal_user(request)
        referral: Referral = access_referral(user, pk)
        return post_move(
            request,
            form=_form(move, referral, request),
            perform=lambda data: _SERVICES[move](actor=user, referral=referral, **_arguments(data)),
            done=str(_DONE[move]),
            then=services.referral_url(referral),
            page=lambda form: _detail(request, access_referral(user, pk), bound=(move, form)),
        )

    view.__name__ = f"referral_{move.value}"
    return view


referral_send = _move_view(Move.SEND)
referral_resend = _move_view(Move.RESEND)
referral_withdraw = _move_view(Move.WITHDRAW)
referral_acknowledge = _move_view(Move.ACKNOWLEDGE)
referral_accept = _move_view(Move.ACCEPT)
referral_return = _move_view(Move.RETURN)
referral_request_supplement = _move_view(Move.REQUEST_SUPPLEMENT)
referral_give_feedback = _move_view(Move.GIVE_FEEDBACK)
referral_request_more = _move_view(Move.REQUEST_MORE)
referral_close = _move_view(Move.CLOSE)
referral_reopen = _move_view(Move.REOPEN)
referral_record = _move_view(Move.RECORD)
referral_record_outcome = _move_view(Move.RECORD_OUTCOME)
