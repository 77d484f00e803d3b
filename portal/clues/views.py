"""Clue pages: parse, call one service, redirect or render. One POST URL per move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.core.errors import ApplicationError
from portal.core.forms import own_ids
from portal.core.http import portal_user, post_move, report_error, stored_file_response
from portal.referrals.forms import MultipleFileField, ReasonForm

from . import selectors, services
from .forms import (
    AssignForm,
    CloseForm,
    ClueFilterForm,
    ClueForm,
    ImportForm,
    InstructionForm,
    LinkForm,
    NoteForm,
    ReferForm,
)
from .models import Clue, ClueAttachment
from .permissions import Move, access_clue, available_moves, can_read, can_register

PAGE_SIZE = 25


def clue_queue(request: HttpRequest) -> HttpResponse:
    """The squad's queue: soonest deadline first, with its filters."""
    user = portal_user(request)
    if not can_read(user):
        raise Http404
    form = ClueFilterForm(request.GET or None)
    page = Paginator(selectors.clue_queue(user=user, filters=form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "can_register": can_register(user),
    }
    return render(request, "clues/clue_list.html", context)


class RegisterForm(ClueForm):
    attachments = MultipleFileField(label=gettext_lazy("Files"), required=False)


def clue_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if not can_read(user):
        raise Http404
    if not can_register(user):
        messages.error(
            request, _("Only inspectors and administrators of the bureau register clues.")
        )
        return redirect("clues:queue")
    form = RegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data.pop("attachments") or []
        try:
            clue = services.clue_register(actor=user, data=form.to_data(files))
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, _("Clue registered."))
            return redirect("clues:detail", pk=clue.pk)
    return render(request, "clues/clue_form.html", {"form": form})


def clue_import(request: HttpRequest) -> HttpResponse:
    """Upload an export of the platform or the hotline; the report is shown row by row."""
    user = portal_user(request)
    if not can_read(user):
        raise Http404
    if not can_register(user):
        messages.error(
            request, _("Only inspectors and administrators of the bureau register clues.")
        )
        return redirect("clues:queue")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.clue_import(
                actor=user,
                source=form.cleaned_data["source"],
                filename=upload.name or "",
                content=upload.read(),
            )
        except ApplicationError as error:
            report_error(request, error, form)
    return render(request, "clues/clue_import.html", {"form": form, "report": report})


def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_clue(portal_user(request), pk))


def _detail(
    request: HttpRequest, clue: Clue, *, bound: tuple[Move, forms.Form] | None = None
) -> HttpResponse:
    """The clue's page; `bound` is the move whose form was refused, shown as typed."""
    user = portal_user(request)
    moves = available_moves(user, clue)
    refused_move, refused_form = bound if bound else (None, None)
    duplicates = list(selectors.clue_possible_duplicates(clue)[:20])
    move_forms = []
    for move in _ORDER:
        if move not in moves or (move == Move.LINK_DUPLICATE and not duplicates):
            continue
        form = refused_form if move == refused_move else _form(move, clue, initial=_initial(clue))
        move_forms.append((_URL_NAMES[move], _BUTTONS[move], form))
    own_ids({name: form for name, _button, form in move_forms if form is not None})
    context = {
        "clue": clue,
        "move_forms": move_forms,
        "refusal": _refusal(refused_form) if refused_move not in moves else "",
        "today": timezone.localdate(),
        "timeline": selectors.clue_timeline(clue),
        "deadlines": selectors.clue_deadlines(clue),
        "attachments": list(clue.attachments.all()),
        "referrals": list(clue.referrals.select_related("receiver_agency")),
        "duplicates": duplicates,
        "linked": list(clue.duplicates.all()),
        "history": selectors.clue_employer_history(clue, user),
    }
    return render(request, "clues/clue_detail.html", context)


def _form(move: Move, clue: Clue, **kwargs: Any) -> forms.Form:
    if move == Move.LINK_DUPLICATE:
        return LinkForm(clue=clue, **kwargs)
    return _FORMS[move](**kwargs)


def _initial(clue: Clue) -> dict[str, Any]:
    return {"version": clue.version, "squad": clue.squad_id, "assignee": clue.assignee_id}


def _refusal(form: forms.Form | None) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) if form else ""


def clue_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    clue = access_clue(portal_user(request), pk)
    attachment = get_object_or_404(ClueAttachment, pk=attachment_pk, clue=clue)
    stem = PurePosixPath(attachment.original_name).stem or "attachment"
    return stored_file_response(attachment.file, stem=stem, content_type=attachment.content_type)


# --- the moves ---------------------------------------------------------------------------------

_ORDER = [
    Move.ASSIGN,
    Move.CONTACT,
    Move.CHECK,
    Move.CLOSE,
    Move.REFER,
    Move.LINK_DUPLICATE,
    Move.SUPERVISE,
    Move.REOPEN,
]
_FORMS: dict[Move, type[forms.Form]] = {
    Move.ASSIGN: AssignForm,
    Move.CONTACT: NoteForm,
    Move.CHECK: NoteForm,
    Move.CLOSE: CloseForm,
    Move.REOPEN: ReasonForm,
    Move.SUPERVISE: InstructionForm,
    Move.REFER: ReferForm,
    Move.LINK_DUPLICATE: LinkForm,
}
_SERVICES: dict[Move, Callable[..., Any]] = {
    Move.ASSIGN: services.clue_assign,
    Move.CONTACT: services.clue_contact,
    Move.CHECK: services.clue_check,
    Move.CLOSE: services.clue_close,
    Move.REOPEN: services.clue_reopen,
    Move.SUPERVISE: services.clue_supervise,
    Move.REFER: services.clue_refer,
    Move.LINK_DUPLICATE: services.clue_link_duplicate,
}
_BUTTONS: dict[Move, Any] = {
    Move.ASSIGN: gettext_lazy("Assign"),
    Move.CONTACT: gettext_lazy("Record the first contact"),
    Move.CHECK: gettext_lazy("Record the on-site check"),
    Move.CLOSE: gettext_lazy("Close with a conclusion"),
    Move.REOPEN: gettext_lazy("Reopen"),
    Move.SUPERVISE: gettext_lazy("Supervise (督办)"),
    Move.REFER: gettext_lazy("Refer to arbitration or the procuratorate"),
    Move.LINK_DUPLICATE: gettext_lazy("Link as the same matter"),
}
_DONE: dict[Move, Any] = {
    Move.ASSIGN: gettext_lazy("Clue assigned."),
    Move.CONTACT: gettext_lazy("First contact recorded."),
    Move.CHECK: gettext_lazy("On-site check recorded."),
    Move.CLOSE: gettext_lazy("Clue closed."),
    Move.REOPEN: gettext_lazy("Clue reopened."),
    Move.SUPERVISE: gettext_lazy("Supervision recorded; the squad is told."),
    Move.REFER: gettext_lazy(
        "Referral drafted with the clue's text and files: check it and send it."
    ),
    Move.LINK_DUPLICATE: gettext_lazy("Clues linked as the same matter."),
}
_URL_NAMES = {move: move.value.replace("_", "-") for move in Move}


def _move_view(move: Move) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = portal_user(request)
        clue = access_clue(user, pk)

        def perform(data: dict[str, Any]) -> object:
            data = dict(data)
            version = data.pop("version")
            return _SERVICES[move](actor=user, clue=clue, expected_version=version, **data)

        return post_move(
            request,
            form=_form(move, clue, data=request.POST),
            perform=perform,
            done=str(_DONE[move]),
            then=services.clue_url(clue),
            page=lambda form: _detail(request, access_clue(user, pk), bound=(move, form)),
        )

    view.__name__ = f"clue_{move.value}"
    return view


clue_assign = _move_view(Move.ASSIGN)
clue_contact = _move_view(Move.CONTACT)
clue_check = _move_view(Move.CHECK)
clue_close = _move_view(Move.CLOSE)
clue_reopen = _move_view(Move.REOPEN)
clue_supervise = _move_view(Move.SUPERVISE)
clue_refer = _move_view(Move.REFER)
clue_link_duplicate = _move_view(Move.LINK_DUPLICATE)
