"""What the mediation services share: the document kinds, the page's address, the row lock
and the notifications sent after commit."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from portal.core.errors import ApplicationError
from portal.core.models import Role, User
from portal.core.notifications import notify
from portal.core.roles import agency_members

from ..models import Mediation, MediationStatus
from ..permissions import MOVES, Move, conducts

AGREEMENT_PDF = "mediation_agreement"
STATEMENT_PDF = "mediation_statement"
COURT_APPLICATION_PDF = "judicial_confirmation_application"
STATEMENT_SERIES = "mediation_statement"


def mediation_url(mediation: Mediation) -> str:
    return reverse("mediation:case", kwargs={"pk": mediation.case_id})


def locked(mediation: Mediation) -> Mediation:
    """The mediation's row, locked for this transaction (for the work that is not a move)."""
    return MOVES.lock(mediation)


def check_version(mediation: Mediation, expected_version: int | None) -> None:
    """The stale-page check of a form that may or may not make a move (a conflict declared
    for someone who is not the mediator changes no status)."""
    if expected_version is not None and mediation.version != expected_version:
        raise ApplicationError(str(MOVES.stale))


def check_conduct(
    actor: User, mediation: Mediation, status: str = MediationStatus.MEDIATING
) -> None:
    """The work on a mediation that is not a move (sessions, the term, the agreement's text, the
    employer's link): the mediation in `status`, and the assigned mediator or an admin."""
    if mediation.status != status:
        raise ApplicationError(str(MOVES.wrong_state) % {"status": mediation.get_status_display()})
    if not conducts(actor, mediation):
        raise ApplicationError(str(MOVES[Move.AGREE].refusal))


def required(text: str, message: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    return text


def notify_after_commit(
    mediation: Mediation, recipients: Sequence[User], title: str, body: str = ""
) -> None:
    active = [user for user in recipients if user.is_active]
    url = mediation_url(mediation)
    transaction.on_commit(lambda: notify(recipients=active, title=title, body=body, url=url))


def admins(mediation: Mediation) -> list[User]:
    return list(agency_members(mediation.agency, Role.AGENCY_ADMIN))


def mediator_or_admins(mediation: Mediation) -> list[User]:
    """Whom an alert goes to: the mediator, or with none the committee's administrators."""
    return [mediation.mediator] if mediation.mediator else admins(mediation)
