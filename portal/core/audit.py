"""The audit trail: services write events here; object pages read them back."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from . import request_context
from .models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    status_before: str = "",
    status_after: str = "",
    note: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. Called by services inside their transaction."""
    context = request_context.current()
    agency = actor.agency if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label or (actor.get_username() if actor is not None else ""),
        agency=agency,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        status_before=status_before,
        status_after=status_after,
        note=note,
        request_id=context.request_id,
        ip_address=context.ip_address,
    )


def audit_history(obj: models.Model) -> QuerySet[AuditEvent]:
    """The events of one object, newest first, with actor and agency in the same query."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("actor", "agency")


def audit_actions(events: Any) -> list[str]:
    return [event.action for event in events]
