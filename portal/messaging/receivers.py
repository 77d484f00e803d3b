"""Revocation is pushed, not polled: when someone may have lost a conversation, its sockets hear
of it after commit and ask again at once.

A socket decides at join whether its person may be in a conversation and then relays without
touching the database (portal.messaging.consumers). What can end that permission is known:

- an object permission on a case, referral or meeting is removed (a co-handling revoked, a
  referral returned or withdrawn, an appointment ended): guardian deletes its row, and the
  sockets of that object's conversation re-check it;
- the agencies or the people of a liaison or direct conversation change: the same;
- a person's membership changes or ends, they leave an agency's group, or their account is
  deactivated: every socket of that person re-checks everything it follows.

Each push carries only the fact; the socket asks the database (portal.messaging.access) after
the commit that caused it, so it reads the new state. A socket still re-checks an answer older
than ACCESS_RECHECK_SECONDS before relaying (consumers.py), in case a change came by a path not
listed here (a raw SQL update, an admin edit of a permission row).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from portal.core.models import Membership, User
from portal.core.realtime import send_to_group

from .models import Conversation
from .realtime import access_group, conversation_group

# The objects whose conversations follow their object permissions, by model label.
OBJECT_KINDS = {
    "cases.case": "case",
    "referrals.referral": "referral",
    "meetings.meeting": "meeting",
}

ACCESS_CHANGED = "access.changed"


def push_to_user(user_id: int) -> None:
    """After commit: every socket of the person re-checks every conversation it follows."""
    transaction.on_commit(lambda: send_to_group(access_group(user_id), {"type": ACCESS_CHANGED}))


def push_to_conversation(*, conversation_id: int | None = None, key: str | None = None) -> None:
    """After commit: the sockets of one conversation (by id, or by its key) re-check it."""

    def push() -> None:
        pk = conversation_id
        if pk is None:
            pk = Conversation.objects.filter(key=key).values_list("pk", flat=True).first()
            if pk is None:
                return  # nobody has written about that object: no conversation, no socket
        send_to_group(conversation_group(pk), {"type": ACCESS_CHANGED, "conversation": pk})

    transaction.on_commit(push)


def _permission_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A guardian object-permission row (direct or generic) was deleted."""
    if hasattr(instance, "content_object_id"):  # a direct foreign key model (cases, referrals…)
        model = sender._meta.get_field("content_object").related_model
        object_pk = instance.content_object_id
    else:  # guardian's generic tables
        model = instance.content_type.model_class()
        object_pk = instance.object_pk
    if model is None:
        return
    kind = OBJECT_KINDS.get(model._meta.label_lower)
    if kind is not None:
        push_to_conversation(key=f"{kind}:{object_pk}")


def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """A person left a group (an agency's), or a group lost people."""
    if action not in ("post_remove", "post_clear", "pre_clear"):
        return
    if isinstance(instance, User):
        if action != "pre_clear":
            push_to_user(instance.pk)
        return
    if isinstance(instance, Group):
        if action == "pre_clear":  # the people are only known before they are gone
            user_ids = list(instance.user_set.values_list("pk", flat=True))
        elif action == "post_remove":
            user_ids = list(kwargs.get("pk_set") or ())
        else:
            return
        for user_id in user_ids:
            push_to_user(user_id)


def _membership_saved(sender: Any, instance: Membership, created: bool, **kwargs: Any) -> None:
    if not created:  # roles changed, the person moved agency or left: their staff rules change
        push_to_user(instance.user_id)


def _membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    push_to_user(instance.user_id)


def _user_saved(
    sender: Any, instance: User, created: bool, update_fields: Any, **kwargs: Any
) -> None:
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # a last_login or a name written on a deactivated account changes nothing
    push_to_user(instance.pk)


def _conversation_members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if action not in ("post_remove", "post_clear", "post_add"):
        return
    if isinstance(instance, Conversation):
        push_to_conversation(conversation_id=instance.pk)
        return
    for conversation_id in kwargs.get("pk_set") or ():  # from the agency's or the person's side
        push_to_conversation(conversation_id=conversation_id)


def connect_receivers() -> None:
    from django.apps import apps
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    for model in apps.get_models():
        if issubclass(model, GroupObjectPermissionBase | UserObjectPermissionBase):
            post_delete.connect(
                _permission_deleted,
                sender=model,
                dispatch_uid=f"messaging.access.{model._meta.label_lower}",
            )
    m2m_changed.connect(
        _groups_changed, sender=User.groups.through, dispatch_uid="messaging.access.groups"
    )
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="messaging.access.member")
    post_delete.connect(
        _membership_deleted, sender=Membership, dispatch_uid="messaging.access.member_gone"
    )
    post_save.connect(_user_saved, sender=User, dispatch_uid="messaging.access.user")
    for field in ("agencies", "people"):
        m2m_changed.connect(
            _conversation_members_changed,
            sender=getattr(Conversation, field).through,
            dispatch_uid=f"messaging.access.conversation.{field}",
        )
