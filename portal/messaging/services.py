"""Writes of the messaging app: every message is stored (and audited) before it is broadcast,
so a message the sender saw as sent survives a restart of the WebSocket process."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.permissions import access_case
from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import Agency, User
from portal.core.notifications import NotificationItem, notify, notify_bulk
from portal.core.pii import mask_personal_numbers
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text
from portal.core.uploads import upload_accepted
from portal.meetings.permissions import access_meeting
from portal.referrals.permissions import access_referral

from .models import (
    Acknowledgement,
    Conversation,
    ConversationKind,
    Message,
    MessageRevision,
    ReadMark,
)
from .permissions import authorise, authorise_writer, is_staff_member, may_see, may_write
from .realtime import broadcast
from .selectors import message_payload

MAX_BODY_CHARS = 4000
# Long enough to fix a typo, short enough that nobody rewrites what others already answered.
EDIT_WINDOW = datetime.timedelta(minutes=15)
# An unanswered "please acknowledge" comes back this often, at most this many times.
ACK_REMIND_EVERY = datetime.timedelta(hours=1)
ACK_MAX_REMINDERS = 24


def _get_or_create(key: str, **fields: object) -> tuple[Conversation, bool]:
    try:
        with transaction.atomic():
            return Conversation.objects.get_or_create(key=key, defaults=fields)
    except IntegrityError:  # a first message from someone else created it in between
        return Conversation.objects.get(key=key), False


def conversation_for_case(*, actor: User, case_id: int) -> Conversation:
    """The case's conversation (created on first use), if the actor may see the case."""
    case = access_case(actor, case_id)
    return _get_or_create(f"case:{case.pk}", kind=ConversationKind.CASE, case=case)[0]


def conversation_for_referral(*, actor: User, referral_id: int) -> Conversation:
    referral = access_referral(actor, referral_id)
    key = f"referral:{referral.pk}"
    return _get_or_create(key, kind=ConversationKind.REFERRAL, referral=referral)[0]


def conversation_for_meeting(*, actor: User, meeting_id: int) -> Conversation:
    meeting = access_meeting(actor, meeting_id)
    return _get_or_create(f"meeting:{meeting.pk}", kind=ConversationKind.MEETING, meeting=meeting)[
        0
    ]


def conversation_for_liaison(*, actor: User, agency_codes: Iterable[str]) -> Conversation:
    """The standing channel of two or three member agencies, the actor's among them."""
    codes = sorted(set(agency_codes))
    agencies = list(Agency.objects.filter(code__in=codes))
    if (
        len(codes) < 2
        or len(agencies) != len(codes)
        or not all(agency.is_member for agency in agencies)
        or not is_staff_member(actor)
        or actor.agency is None
        or actor.agency.code not in codes
    ):
        raise Http404
    conversation, created = _get_or_create(
        "liaison:" + "+".join(codes), kind=ConversationKind.LIAISON
    )
    if created:
        conversation.agencies.set(agencies)
    return conversation


def conversation_for_direct(*, actor: User, other: User) -> Conversation:
    """The direct conversation of two staff members."""
    if actor.pk == other.pk or not is_staff_member(actor) or not is_staff_member(other):
        raise Http404
    low, high = sorted([actor.pk, other.pk])
    conversation, created = _get_or_create(f"direct:{low}:{high}", kind=ConversationKind.DIRECT)
    if created:
        conversation.people.set([low, high])
    return conversation


def _check_body(body: str, *, attachment: bool = False) -> str:
    body = body.strip()
    if not body and not attachment:
        raise ApplicationError(_("A message needs some text."), field="body")
    if len(body) > MAX_BODY_CHARS:
        raise ApplicationError(
            _("A message holds at most %(limit)d characters.") % {"limit": MAX_BODY_CHARS},
            field="body",
        )
    return body


@transaction.atomic
def message_send(
    *,
    actor: User,
    conversation: Conversation,
    body: str,
    reply_to_id: int | None = None,
    mention_user_ids: Iterable[int] = (),
    mention_agency_codes: Iterable[str] = (),
    ack_requested: bool = False,
    attachment: UploadedFile | None = None,
) -> Message:
    """Post a message; mentioned people are notified and, if asked, must acknowledge it (a
    read-only reader is told of the mention and is asked for nothing)."""
    authorise_writer(actor, conversation)
    body = _check_body(body, attachment=attachment is not None)
    reply_to = None
    if reply_to_id is not None:
        reply_to = Message.objects.filter(conversation=conversation, pk=reply_to_id).first()
        if reply_to is None:
            raise ApplicationError(_("The message you answer is not in this conversation."))
    # Only people who can read the conversation can be mentioned: a mention must not leak it.
    users = [
        user
        for user in User.objects.filter(pk__in=set(mention_user_ids), is_active=True)
        if may_see(user, conversation)
    ]
    agencies = list(Agency.objects.filter(code__in=set(mention_agency_codes), kind="member"))
    addressees = {user.pk: user for user in users}
    for agency in agencies:
        for user in agency_members(agency):
            if may_see(user, conversation):
                addressees.setdefault(user.pk, user)
    addressees.pop(actor.pk, None)
    asked = [pk for pk, user in addressees.items() if may_write(user)] if ack_requested else []
    if ack_requested and not asked:
        raise ApplicationError(_("Mention who must acknowledge the message."))
    checked = None
    if attachment is not None:
        checked = upload_accepted(attachment, field="attachment")
    message = Message.objects.create(
        conversation=conversation,
        author=actor,
        body=body,
        reply_to=reply_to,
        ack_requested=ack_requested,
    )
    # A new message has no mentions yet: add (one insert each), never set (a read first).
    if users:
        message.mentioned_users.add(*users)
    if agencies:
        message.mentioned_agencies.add(*agencies)
    if attachment is not None and checked is not None:
        name = (attachment.name or "file")[-200:]
        message.attachment.save(f"{message.pk}.{checked.extension}", attachment, save=False)
        message.attachment_name = name
        message.attachment_type = checked.content_type
        message.save(update_fields=["attachment", "attachment_name", "attachment_type"])
    if ack_requested:
        Acknowledgement.objects.bulk_create(
            Acknowledgement(message=message, user_id=pk) for pk in asked
        )
    _mark_read(actor, conversation, message.pk)
    audit_record(actor=actor, action="message.send", obj=message)
    if addressees:
        notify(
            recipients=addressees.values(),
            title=stored_text(gettext_lazy("%(author)s mentioned you"), author=actor),
            body=mask_personal_numbers(body)[:200],  # a notice is a list: masked
            dedupe_key=f"messaging.mention.{message.pk}",
            email=False,
        )
    payload = message_payload(message, mentions=(users, agencies))
    transaction.on_commit(lambda: broadcast(conversation.pk, {"type": "message.new", **payload}))
    return message


def _own_message(actor: User, message_id: int) -> Message:
    message = (
        Message.objects.select_for_update().select_related("conversation").filter(pk=message_id)
    ).first()
    if message is None:
        raise Http404
    authorise_writer(actor, message.conversation)
    if message.author_id != actor.pk:
        raise ApplicationError(_("Only the author can change a message."))
    if message.deleted_at is not None:
        raise ApplicationError(_("This message was deleted."))
    return message


@transaction.atomic
def message_edit(*, actor: User, message_id: int, body: str) -> Message:
    """Change one's own message within the edit window; the earlier text is kept."""
    message = _own_message(actor, message_id)
    if timezone.now() - message.created_at > EDIT_WINDOW:
        raise ApplicationError(_("A message can only be changed within 15 minutes."))
    body = _check_body(body, attachment=bool(message.attachment_name))
    if body == message.body:
        return message
    MessageRevision.objects.create(message=message, body=message.body)
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    audit_record(actor=actor, action="message.edit", obj=message)
    payload = message_payload(message)
    transaction.on_commit(
        lambda: broadcast(message.conversation_id, {"type": "message.edited", **payload})
    )
    return message


@transaction.atomic
def message_delete(*, actor: User, message_id: int) -> Message:
    """Withdraw one's own message: it stays as a tombstone; the audit keeps its text."""
    message = _own_message(actor, message_id)
    audit_record(actor=actor, action="message.delete", obj=message, note=message.body[:2000])
    # The text leaves the message table; the audit row above is now its only copy.
    message.body = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "deleted_at"])
    Acknowledgement.objects.filter(message=message, acknowledged_at__isnull=True).delete()
    payload = message_payload(message)
    transaction.on_commit(
        lambda: broadcast(message.conversation_id, {"type": "message.deleted", **payload})
    )
    return message


def _mark_read(user: User, conversation: Conversation, up_to: int) -> bool:
    """Move the person's read mark on to `up_to`; False if it was there already. Reading never
    goes backwards (an old tab must not undo a new one): the update's condition says so, and
    the database checks it again on the locked row, so no lock is taken beforehand."""
    marks = ReadMark.objects.filter(conversation=conversation, user=user)
    if marks.filter(last_read_id__lt=up_to).update(last_read_id=up_to, read_at=timezone.now()):
        return True
    _mark, created = ReadMark.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_id": up_to}
    )
    if created:
        return True
    # Made by another tab between the two statements, perhaps behind `up_to`.
    return bool(
        marks.filter(last_read_id__lt=up_to).update(last_read_id=up_to, read_at=timezone.now())
    )


@transaction.atomic
def conversation_mark_read(*, actor: User, conversation: Conversation, up_to: int) -> None:
    """Record that the actor has read the conversation up to message `up_to` (a read receipt)."""
    authorise(actor, conversation)
    last = conversation.messages.filter(pk__lte=up_to).order_by("-pk").values_list("pk", flat=True)
    newest = last.first()
    if newest is None or not _mark_read(actor, conversation, newest):
        return
    event = {"type": "read", "user": actor.pk, "last_read_id": newest}
    transaction.on_commit(lambda: broadcast(conversation.pk, event))


@transaction.atomic
def message_acknowledge(*, actor: User, message_id: int) -> Acknowledgement:
    """An addressee confirms an "acknowledgement requested" message; reminders stop."""
    ack = (
        Acknowledgement.objects.select_for_update()
        .select_related("message__conversation")
        .filter(message_id=message_id, user=actor)
        .first()
    )
    if ack is None:
        raise ApplicationError(_("Nobody asked you to acknowledge this message."))
    authorise_writer(actor, ack.message.conversation)
    if ack.acknowledged_at is not None:
        return ack
    ack.acknowledged_at = timezone.now()
    ack.save(update_fields=["acknowledged_at"])
    audit_record(actor=actor, action="message.acknowledge", obj=ack.message)
    # The counts travel whole, so a page that already fetched the new state cannot count twice.
    addressees = Acknowledgement.objects.filter(message_id=ack.message_id)
    event = {
        "type": "acknowledged",
        "message": ack.message_id,
        "user": actor.pk,
        "acknowledged": addressees.filter(acknowledged_at__isnull=False).count(),
        "addressees": addressees.count(),
    }
    conversation_id = ack.message.conversation_id
    transaction.on_commit(lambda: broadcast(conversation_id, event))
    return ack


@transaction.atomic
def acknowledgements_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind every addressee who has not acknowledged within the interval; safe to run twice
    (each reminder has its own dedupe key and the row is claimed under a lock)."""
    now = now or timezone.now()
    due = now - ACK_REMIND_EVERY
    acks = (
        Acknowledgement.objects.select_for_update(skip_locked=True)
        .select_related("message__conversation", "message__author", "user")
        .filter(
            acknowledged_at__isnull=True,
            message__deleted_at__isnull=True,
            message__created_at__lte=due,
            reminders_sent__lt=ACK_MAX_REMINDERS,
        )
        .exclude(last_reminded_at__gt=due)
    )
    items: list[NotificationItem] = []
    claimed: list[Acknowledgement] = []
    for ack in acks:
        if not may_see(ack.user, ack.message.conversation):
            continue  # lost access: asking them again would leak the conversation
        ack.reminders_sent += 1
        ack.last_reminded_at = now
        claimed.append(ack)
        items.append(
            NotificationItem(
                recipient_id=ack.user_id,
                title=stored_text(
                    gettext_lazy("Please acknowledge the message of %(author)s"),
                    author=ack.message.author,
                ),
                body=mask_personal_numbers(ack.message.body)[:200],
                dedupe_key=f"messaging.ack.{ack.pk}.{ack.reminders_sent}",
            )
        )
    Acknowledgement.objects.bulk_update(claimed, ["reminders_sent", "last_reminded_at"])
    notify_bulk(items, email=False)
    return len(claimed)
