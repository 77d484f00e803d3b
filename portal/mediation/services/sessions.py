"""Sessions with the parties: scheduled, then held and recorded."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.models import User

from ..models import Mediation, MediationSession
from ..permissions import SESSION_MOVES, SessionMove
from .common import check_conduct, locked, required


@transaction.atomic
def mediation_session_schedule(
    *, actor: User, mediation: Mediation, scheduled_for: datetime.datetime, place: str
) -> MediationSession:
    """Set a session with the parties."""
    mediation = locked(mediation)
    check_conduct(actor, mediation)
    place = required(place, _("Say where the session takes place."), "place")
    session = MediationSession.objects.create(
        mediation=mediation, scheduled_for=scheduled_for, place=place, scheduled_by=actor
    )
    audit_record(
        actor=actor,
        action="mediation.session_schedule",
        obj=mediation,
        note=f"{timezone.localtime(scheduled_for):%Y-%m-%d %H:%M} {place}",
    )
    return session


@transaction.atomic
def mediation_session_record(
    *,
    actor: User,
    session: MediationSession,
    attendees: str,
    summary: str,
    proposals: str = "",
) -> MediationSession:
    """Record a session as held: who attended, what was said, what is proposed."""
    mediation = locked(session.mediation)
    check_conduct(actor, mediation)
    session = SESSION_MOVES.begin(actor, session, SessionMove.RECORD)
    session.attendees = required(attendees, _("Say who attended."), "attendees")
    session.summary = required(summary, _("Summarise the session."), "summary")
    session.proposals = proposals.strip()
    session.held_at = timezone.now()
    session.recorded_by = actor
    SESSION_MOVES.finish(
        actor,
        session,
        SessionMove.RECORD,
        fields=["attendees", "summary", "proposals", "held_at", "recorded_by"],
    )
    return session
