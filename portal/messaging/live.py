"""Live pages: a page showing a referral, a meeting, a case or its mediation is told when the
object's status changes or one of its documents is rendered, and reloads its content without a
reload of the page; the list of
conversations is told when one of them has news, and reloads its unread counts.

Which object a page shows is read from its path (the same URL patterns the pages use), and
watching is authorised by the same `access_*` loader as the page itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.http import Http404
from django.urls import Resolver404, resolve

from portal.cases.permissions import access_case
from portal.core.models import User
from portal.core.realtime import send_to_group
from portal.meetings.permissions import access_meeting
from portal.referrals.permissions import access_referral


def live_group(kind: str, pk: int) -> str:
    return f"live.{kind}.{pk}"


# view name → (kind of object, loader that authorises the page)
WATCHABLE: dict[str, tuple[str, Callable[[User, Any], object]]] = {
    "referrals:detail": ("referral", access_referral),
    "meetings:detail": ("meeting", access_meeting),
    "cases:detail": ("case", access_case),
    "mediation:case": ("case", access_case),
}


CONVERSATION_LIST = "messaging:index"


def watch_group(user: User, path: str) -> str:
    """The group of the object shown at `path`, if the user may see it; Http404 otherwise."""
    try:
        match = resolve(path)
    except Resolver404 as exc:
        raise Http404 from exc
    if match.view_name not in WATCHABLE or "pk" not in match.kwargs:
        raise Http404
    kind, loader = WATCHABLE[match.view_name]
    loader(user, match.kwargs["pk"])
    return live_group(kind, int(match.kwargs["pk"]))


def lists_conversations(path: str) -> bool:
    """Whether `path` is the list of conversations, whose unread counts follow every
    conversation its reader may see (the consumer authorises each event as it relays it)."""
    try:
        return resolve(path).view_name == CONVERSATION_LIST
    except Resolver404:
        return False


def announce(groups: list[str], status: str) -> None:
    """After commit: tell the watching pages that the object changed."""

    def push() -> None:
        for group in groups:
            send_to_group(group, {"type": "live.changed", "group": group, "status": status})

    transaction.on_commit(push)


def _status_saved(sender: Any, instance: Any, update_fields: Any, **kwargs: Any) -> None:
    # Services save transitions with update_fields naming "status" (STYLE.md): only those count.
    if update_fields is None or "status" not in update_fields:
        return
    label = sender._meta.model_name
    groups = []
    if label in ("referral", "meeting", "case"):
        groups.append(live_group(label, instance.pk))
    case_id = getattr(instance, "case_id", None)
    if case_id is not None and label != "case":
        groups.append(live_group("case", case_id))
    announce(groups, str(instance.status))


def _owner_groups(owner: Any) -> list[str]:
    """The pages that show a document of `owner`: its own, or its case's or meeting's."""
    label = owner._meta.model_name
    if label in ("referral", "meeting", "case"):
        return [live_group(label, owner.pk)]
    mediation = getattr(owner, "mediation", None)
    case_id = getattr(owner, "case_id", None) or getattr(mediation, "case_id", None)
    if case_id is not None:
        return [live_group("case", case_id)]
    meeting_id = getattr(owner, "meeting_id", None)
    return [live_group("meeting", meeting_id)] if meeting_id is not None else []


def _document_saved(sender: Any, instance: Any, update_fields: Any, **kwargs: Any) -> None:
    # A PDF rendered by its task: the page that offers it shows the link without a reload.
    if update_fields is None or "status" not in update_fields:
        return
    owner = instance.owner
    if owner is not None:
        announce(_owner_groups(owner), str(instance.status))


def connect_receivers() -> None:
    from django.apps import apps

    post_save.connect(
        _document_saved, sender=apps.get_model("core.Document"), dispatch_uid="messaging.live.doc"
    )

    for label in ("referrals.Referral", "meetings.Meeting", "cases.Case", "mediation.Mediation"):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # an app not installed has no pages to update
        post_save.connect(_status_saved, sender=model, dispatch_uid=f"messaging.live.{label}")


def changes_unread(event: dict[str, Any], user_id: int) -> bool:
    """Whether the event changes what the reader's list shows: a message came or went, or the
    reader read on in another tab."""
    kind = event.get("type")
    return kind in ("message.new", "message.deleted") or (
        kind == "read" and event.get("user") == user_id
    )
