"""Conversation pages. Messages are sent and received over the socket (static/js/messaging.js);
these views only open a conversation for a reader and render what is already stored."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.core.errors import ApplicationError
from portal.core.http import local_target, parse_ids, portal_user, stored_file_response
from portal.core.models import Agency, User

from . import selectors, services
from .forms import AttachmentForm
from .models import Acknowledgement, Conversation, Message, ReadMark
from .permissions import access_conversation, authorise, is_staff_member, may_write

LIAISON_SETS = [
    (Agency.ARBITRATION, Agency.BUREAU),
    (Agency.BUREAU, Agency.PROCURATORATE),
    (Agency.ARBITRATION, Agency.PROCURATORATE),
    (Agency.ARBITRATION, Agency.BUREAU, Agency.PROCURATORATE),
]
# A page asks for what arrived live since it last looked: a few at a time.
MAX_FRAGMENTS = 200


def messaging_index(request: HttpRequest) -> HttpResponse:
    user: User = portal_user(request)
    agency = user.agency
    channels: list[tuple[str, str]] = []
    if agency is not None and is_staff_member(user):
        names = dict(Agency.objects.values_list("code", "short_name"))
        for codes in LIAISON_SETS:
            if agency.code in codes:
                label = " · ".join(names.get(code, code) for code in codes)
                channels.append(("+".join(codes), label))
    context = {
        "conversations": selectors.conversation_list(user),
        "liaison_channels": channels,
        "direct_partners": selectors.direct_partners(user),
    }
    return render(request, "messaging/index.html", context)


@require_safe
def unread_count(request: HttpRequest) -> JsonResponse:
    """The number on the menu's Messages item (static/js/portal.js asks after the page loads,
    so no page waits for it)."""
    return JsonResponse({"unread": selectors.unread_total(portal_user(request))})


def _mention_candidates(members: list[User], agencies: list[Agency]) -> list[dict[str, object]]:
    """Whom the message box completes after "@" (static/js/messaging.js): people, then agencies."""
    people = [
        {"kind": "user", "id": person.pk, "name": str(person), "detail": str(person.agency.label)}
        for person in members
        if person.agency is not None
    ]
    return people + [
        {"kind": "agency", "id": agency.code, "name": str(agency.label), "detail": ""}
        for agency in agencies
    ]


def _annotate_moves(user: User, conversation: Conversation, shown: list[Message]) -> dict[int, int]:
    """What the reader may do with each message, whom it mentions, how many others have read
    and acknowledged it. Returns how far each person has read (the page counts on live)."""
    marks = dict(
        ReadMark.objects.filter(conversation=conversation).values_list("user_id", "last_read_id")
    )
    pending = set(
        Acknowledgement.objects.filter(
            message__in=shown, user=user, acknowledged_at__isnull=True
        ).values_list("message_id", flat=True)
    )
    acks = {
        row["message_id"]: (row["done"], row["total"])
        for row in Acknowledgement.objects.filter(message__in=shown)
        .values("message_id")
        .annotate(done=Count("acknowledged_at"), total=Count("id"))
    }
    agency_id = user.agency.pk if user.agency is not None else None
    now = timezone.now()
    writes = may_write(user)
    for message in shown:
        message.can_reply = writes  # type: ignore[attr-defined]
        own = message.author_id == user.pk and message.deleted_at is None
        message.can_delete = own  # type: ignore[attr-defined]
        message.can_edit = own and now - message.created_at <= services.EDIT_WINDOW  # type: ignore[attr-defined]
        message.ack_pending = message.pk in pending  # type: ignore[attr-defined]
        message.ack_done, message.ack_total = acks.get(message.pk, (0, 0))  # type: ignore[attr-defined]
        message.read_by = sum(  # type: ignore[attr-defined]
            1
            for reader, last in marks.items()
            if reader != message.author_id and last >= message.pk
        )
        message.mentions_you = any(  # type: ignore[attr-defined]
            person.pk == user.pk for person in message.mentioned_users.all()
        ) or any(agency.pk == agency_id for agency in message.mentioned_agencies.all())
        # A withdrawn message shows none of its texts, the earlier ones included.
        message.history = (  # type: ignore[attr-defined]
            [] if message.deleted_at else list(message.revisions.all())
        )
    return marks


def _conversation_page(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    user = portal_user(request)
    shown = selectors.messages_recent(user=user, conversation=conversation)
    marks = _annotate_moves(user, conversation, shown)
    members = selectors.conversation_members(conversation, user)
    agencies = selectors.conversation_agencies(members)
    context = {
        "conversation": conversation,
        "title": selectors.conversation_title(conversation, user),
        "messages_shown": shown,
        "last_id": shown[-1].pk if shown else 0,
        "read_marks": marks,
        "back": request.path,
        "mention_people": members,
        "mention_agencies": agencies,
        "mention_candidates": _mention_candidates(members, agencies),
        "may_write": may_write(user),
    }
    return render(request, "messaging/conversation.html", context)


def message_fragments(request: HttpRequest, conversation_pk: int) -> HttpResponse:
    """The named messages rendered as on the page (`?ids=3,4`): a page fetches what arrived
    live, so a message has one rendering, the template's, with its quote and its forms."""
    user = portal_user(request)
    conversation = access_conversation(user, conversation_pk)
    ids = parse_ids(request.GET.get("ids", "").split(",")[:MAX_FRAGMENTS])
    shown = selectors.messages_by_ids(user=user, conversation=conversation, ids=ids)
    _annotate_moves(user, conversation, shown)
    context = {
        "conversation": conversation,
        "messages_shown": shown,
        "back": _safe_next(request, request.GET.get("next", "")),
    }
    return render(request, "messaging/_messages.html", context)


def case_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = services.conversation_for_case(actor=portal_user(request), case_id=pk)
    return _conversation_page(request, conversation)


@require_POST
def attachment_add(request: HttpRequest, conversation_pk: int) -> HttpResponse:
    """A file into any conversation the sender may read (a socket frame cannot carry one)."""
    user = portal_user(request)
    conversation = access_conversation(user, conversation_pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to send."))
        return _back(request)
    try:
        services.message_send(
            actor=user,
            conversation=conversation,
            body=form.cleaned_data["body"],
            attachment=form.cleaned_data["file"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request)


def attachment_download(
    request: HttpRequest, conversation_pk: int, message_pk: int
) -> HttpResponseBase:
    """A message's file, for whoever may read its conversation now (404 for anyone else)."""
    conversation = access_conversation(portal_user(request), conversation_pk)
    message = get_object_or_404(
        Message, pk=message_pk, conversation=conversation, deleted_at__isnull=True
    )
    if not message.attachment:
        raise Http404
    stem = PurePosixPath(message.attachment_name).stem or "attachment"
    return stored_file_response(message.attachment, stem=stem, content_type=message.attachment_type)


def referral_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = services.conversation_for_referral(actor=portal_user(request), referral_id=pk)
    return _conversation_page(request, conversation)


def meeting_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = services.conversation_for_meeting(actor=portal_user(request), meeting_id=pk)
    return _conversation_page(request, conversation)


def liaison_conversation(request: HttpRequest, codes: str) -> HttpResponse:
    conversation = services.conversation_for_liaison(
        actor=portal_user(request),
        agency_codes=codes.split("+"),
    )
    return _conversation_page(request, conversation)


def direct_pick(request: HttpRequest) -> HttpResponse:
    """The index's picker is a plain GET form; its choice becomes the conversation's address."""
    username = request.GET.get("username", "")
    if not username:
        return redirect("messaging:index")
    try:
        return redirect("messaging:direct", username=username)
    except NoReverseMatch as exc:  # no account has a name with "/" in it
        raise Http404 from exc


def direct_conversation(request: HttpRequest, username: str) -> HttpResponse:
    other = get_object_or_404(User, username=username, is_active=True)
    conversation = services.conversation_for_direct(actor=portal_user(request), other=other)
    return _conversation_page(request, conversation)


def message_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    user: User = portal_user(request)
    results = selectors.message_search(user=user, query=query) if query.strip() else []
    context = {"query": query, "results": results, "title": _("Search messages")}
    return render(request, "messaging/search.html", context)


# Each move on one message is also a plain form posting here, so the page works without the
# socket; the socket still carries the change to everyone else live.


def _safe_next(request: HttpRequest, target: str) -> str:
    """`target` if it is a page of this site, else the list of conversations."""
    return local_target(request, target) or reverse("messaging:index")


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request, request.POST.get("next", "")))


def _message_for(request: HttpRequest, message_pk: int) -> Message:
    """The message, if its conversation is open to the reader (404 otherwise)."""
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_pk)
    authorise(portal_user(request), message.conversation)
    return message


@require_POST
def message_reply(request: HttpRequest, message_pk: int) -> HttpResponse:
    message = _message_for(request, message_pk)
    try:
        services.message_send(
            actor=portal_user(request),
            conversation=message.conversation,
            body=request.POST.get("body", ""),
            reply_to_id=message.pk,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
def message_edit(request: HttpRequest, message_pk: int) -> HttpResponse:
    message = _message_for(request, message_pk)
    try:
        services.message_edit(
            actor=portal_user(request),
            message_id=message.pk,
            body=request.POST.get("body", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
def message_delete(request: HttpRequest, message_pk: int) -> HttpResponse:
    message = _message_for(request, message_pk)
    try:
        services.message_delete(actor=portal_user(request), message_id=message.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
def message_acknowledge(request: HttpRequest, message_pk: int) -> HttpResponse:
    message = _message_for(request, message_pk)
    try:
        services.message_acknowledge(actor=portal_user(request), message_id=message.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request)
