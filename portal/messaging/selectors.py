"""Reads of conversations and messages, always through what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal.core.models import User

from .models import Conversation, Message, ReadMark
from .permissions import authorise, conversations_visible_to, is_staff_member

CATCH_UP_LIMIT = 500


def message_payload(message: Message) -> dict[str, Any]:
    """What a client sees of a message; a deleted message keeps its place but not its text."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author": message.author_id,
        "author_name": str(message.author),
        "body": "" if deleted else message.body,
        "reply_to": message.reply_to_id,
        "mentions": {
            "users": sorted(user.pk for user in message.mentioned_users.all()),
            "agencies": sorted(agency.code for agency in message.mentioned_agencies.all()),
        },
        "ack_requested": message.ack_requested,
        "attachment": "" if deleted else message.attachment_name,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": deleted,
    }


def _with_relations(queryset: QuerySet[Message]) -> QuerySet[Message]:
    return queryset.select_related("author", "conversation", "reply_to__author").prefetch_related(
        "mentioned_users", "mentioned_agencies"
    )


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
    return sorted(_with_relations(newest), key=lambda message: message.pk)


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
    """The reader's conversations with messages, newest activity first, with unread counts."""
    conversations = (
        conversations_visible_to(user)
        .filter(messages__isnull=False)
        .annotate(last_id=Max("messages__id"))
        .order_by("-last_id")
        .select_related("case", "referral", "meeting")
        .prefetch_related("agencies", "people")[:limit]
    )
    unread = unread_counts(user)
    return [
        {
            "conversation": conversation,
            "title": conversation_title(conversation, user),
            "unread": unread.get(conversation.pk, 0),
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
