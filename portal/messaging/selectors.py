"""Reads of conversations and messages, always through what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from portal.core.models import Agency, User
from portal.core.pii import mask_personal_numbers

from .models import Conversation, ConversationKind, Message, ReadMark
from .permissions import authorise, conversations_visible_to, is_staff_member, may_see

CATCH_UP_LIMIT = 500
# How many items a page may ask for at once (a reconnect's backlog comes in batches).
FRAGMENT_LIMIT = 100
# How many of the reader's conversations the list page hears of live.
FOLLOW_LIMIT = 500


def message_payload(
    message: Message, *, mentions: tuple[list[User], list[Agency]] | None = None
) -> dict[str, Any]:
    """What a client sees of a message; a deleted message keeps its place but not its text.
    `mentions` (the people and agencies) saves reading them again for a message just made."""
    deleted = message.deleted_at is not None
    users, agencies = (
        mentions
        if mentions is not None
        else (message.mentioned_users.all(), message.mentioned_agencies.all())
    )
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author": message.author_id,
        "author_name": str(message.author),
        "body": "" if deleted else message.body,
        "reply_to": message.reply_to_id,
        "mentions": {
            "users": sorted(user.pk for user in users),
            "agencies": sorted(agency.code for agency in agencies),
        },
        "ack_requested": message.ack_requested,
        "attachment": "" if deleted else message.attachment_name,
        "created_at": timezone.localtime(message.created_at).isoformat(timespec="seconds"),
        "edited": message.edited_at is not None,
        "deleted": deleted,
    }


def payload_for_reader(payload: dict[str, Any], *, writes: bool) -> dict[str, Any]:
    """A message event as one reader receives it: the read-only leader reads the personal
    numbers in a message masked, as on the page."""
    if writes or not payload.get("body"):
        return payload
    return {**payload, "body": mask_personal_numbers(payload["body"])}


def _with_relations(queryset: QuerySet[Message]) -> QuerySet[Message]:
    return queryset.select_related("author", "conversation", "reply_to__author").prefetch_related(
        "mentioned_users", "mentioned_agencies"
    )


def _as_shown(queryset: QuerySet[Message]) -> QuerySet[Message]:
    """What a conversation page renders of each message: its relations and its earlier texts."""
    return _with_relations(queryset).prefetch_related("revisions")


def messages_after(
    *, user: User, conversation: Conversation, after_id: int = 0, limit: int = CATCH_UP_LIMIT
) -> list[Message]:
    """Messages after `after_id`, oldest first: what a reconnecting client missed."""
    authorise(user, conversation)
    queryset = conversation.messages.filter(pk__gt=after_id).order_by("id")[:limit]
    return list(_with_relations(queryset))


def unread_counts(user: User) -> dict[int, int]:
    """Unread messages of others per visible conversation (those with none are left out), in
    one query."""
    last_read = ReadMark.objects.filter(conversation=OuterRef("conversation"), user=user).values(
        "last_read_id"
    )[:1]
    rows = (
        Message.objects.filter(
            conversation__in=conversations_visible_to(user).values("pk"), deleted_at__isnull=True
        )
        .exclude(author=user)
        .annotate(read_to=Coalesce(Subquery(last_read), 0))
        .filter(pk__gt=F("read_to"))
        .order_by()
        .values("conversation")
        .annotate(unread=Count("id"))
        .values_list("conversation", "unread")
    )
    return dict(rows)


def unread_total(user: User) -> int:
    """All the reader's unread messages, for the badge on the menu."""
    return sum(unread_counts(user).values())


def message_readers(message: Message) -> list[int]:
    """Ids of the people who have read the conversation up to this message (read receipts)."""
    return list(
        ReadMark.objects.filter(
            conversation_id=message.conversation_id, last_read_id__gte=message.pk
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def message_search(*, user: User, query: str, limit: int = 50) -> list[Message]:
    """Messages the user may see whose text contains `query`. Chinese has no word spaces, so
    this is a substring match: on PostgreSQL a trigram GIN index serves the icontains."""
    query = query.strip()
    if not query:
        return []
    queryset = Message.objects.filter(
        conversation__in=conversations_visible_to(user).values("pk"),
        deleted_at__isnull=True,
        body__icontains=query,
    ).order_by("-id")[:limit]
    return list(_with_relations(queryset))


def messages_recent(*, user: User, conversation: Conversation, limit: int = 100) -> list[Message]:
    """The last `limit` messages, oldest first: what a conversation page opens with."""
    authorise(user, conversation)
    newest = conversation.messages.order_by("-id")[:limit]
    return sorted(_as_shown(newest), key=lambda message: message.pk)


def messages_by_ids(*, user: User, conversation: Conversation, ids: list[int]) -> list[Message]:
    """The named messages of this conversation (others are ignored), oldest first: what a page
    fetches to show a message that arrived live exactly as the server renders it."""
    authorise(user, conversation)
    queryset = conversation.messages.filter(pk__in=ids[:FRAGMENT_LIMIT]).order_by("id")
    return list(_as_shown(queryset))


def conversation_ids_followed(user: User, limit: int = FOLLOW_LIMIT) -> list[int]:
    """The conversations the reader's list page hears of live, most recently created first,
    in one query."""
    return list(conversations_visible_to(user).order_by("-pk").values_list("pk", flat=True)[:limit])


# The object a conversation is about, and the object permission its access_* loader asks for.
OBJECT_VIEW_PERMS = {
    ConversationKind.CASE: ("case", "view_case"),
    ConversationKind.REFERRAL: ("referral", "view_referral"),
    ConversationKind.MEETING: ("meeting", "view_meeting"),
}


def conversation_members(conversation: Conversation, user: User) -> list[User]:
    """The other people who may read the conversation now, whom the reader may mention.

    Membership is never stored. For a case, referral or meeting the readers are exactly the
    active staff who hold the object's view permission (through their agency's group or
    personally), which is what its access_* loader asks: one query, however many staff the
    province has. A liaison or direct conversation's few candidates pass its own rule."""
    candidates = User.objects.filter(
        is_active=True, membership__active=True, membership__agency__kind="member"
    ).exclude(pk=user.pk)
    candidates = candidates.select_related("membership__agency").order_by(
        "membership__agency__code", "full_name", "username"
    )
    object_perm = OBJECT_VIEW_PERMS.get(ConversationKind(conversation.kind))
    if object_perm is not None:
        field, codename = object_perm
        holders: QuerySet[User] = get_users_with_perms(  # type: ignore[assignment]
            getattr(conversation, field),
            only_with_perms_in=[codename],
            with_group_users=True,
            with_superusers=False,
        )
        return list(candidates.filter(pk__in=holders.values("pk")))
    if conversation.kind == ConversationKind.DIRECT:
        candidates = candidates.filter(pk__in=conversation.people.values("pk"))
    else:
        candidates = candidates.filter(membership__agency__in=conversation.agencies.all())
    prefetch_related_objects([conversation], "agencies", "people")
    return [person for person in candidates if may_see(person, conversation)]


def conversation_agencies(members: list[User]) -> list[Agency]:
    """The agencies one may mention: those of the other people who read the conversation."""
    found: dict[int, Agency] = {}
    for person in members:
        agency = person.agency
        if agency is not None and agency.is_member:
            found.setdefault(agency.pk, agency)
    return sorted(found.values(), key=lambda agency: agency.code)


def conversation_title(conversation: Conversation, user: User) -> str:
    """A conversation's name as the reader sees it."""
    if conversation.case_id:
        return str(conversation.case)
    if conversation.referral_id:
        return str(conversation.referral)
    if conversation.meeting_id:
        return str(conversation.meeting)
    if conversation.kind == "liaison":
        return " · ".join(agency.short_name for agency in conversation.agencies.all())
    return " · ".join(str(person) for person in conversation.people.all() if person.pk != user.pk)


def conversation_list(user: User, limit: int = 100) -> list[dict[str, Any]]:
    """The reader's conversations with messages, newest activity first, with unread counts and
    the last message (its author, time and text) of each."""
    conversations = (
        conversations_visible_to(user)
        .filter(messages__isnull=False)
        .annotate(last_id=Max("messages__id"))
        .order_by("-last_id")
        .select_related("case", "referral", "meeting")
        .prefetch_related("agencies", "people")[:limit]
    )
    unread = unread_counts(user)
    last = Message.objects.select_related("author").in_bulk(
        [conversation.last_id for conversation in conversations]  # type: ignore[attr-defined]
    )
    return [
        {
            "conversation": conversation,
            "title": conversation_title(conversation, user),
            "unread": unread.get(conversation.pk, 0),
            "last": last.get(conversation.last_id),  # type: ignore[attr-defined]
            # the other person of a direct conversation, for its link
            "other": next((p for p in conversation.people.all() if p.pk != user.pk), None),
        }
        for conversation in conversations
    ]


def direct_partners(user: User) -> list[User]:
    """The people the user may write to directly: the other active working staff of the member
    agencies, by agency and name. Only names and agencies are shown of them."""
    if not is_staff_member(user):
        return []
    candidates = (
        User.objects.filter(is_active=True, membership__active=True)
        .exclude(pk=user.pk)
        .select_related("membership__agency")
        .order_by("membership__agency__code", "full_name", "username")
    )
    return [other for other in candidates if is_staff_member(other)]
