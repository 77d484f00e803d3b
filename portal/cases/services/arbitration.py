"""The arbitration of an accepted case (《劳动争议调解仲裁法》 art. 43), as far as the portal
follows it: the arbitrator named (组庭), the hearing date, the 45-day award period counted in
calendar days from acceptance, extended once by 15 days with the committee head's approval,
suspended (仲裁中止: the clock stands still) and resumed (it runs on with the days that
remained), and the outcome that closes the case — an award with its number and its 裁决书
(uploaded, or rendered from the template), a withdrawal, a settlement.

The award period is one Deadline (`arbitration.award`) counted from acceptance over
`Deadline.days`: 45, plus 15 once extended, plus the days spent suspended. While suspended the
deadline is met (no overdue warning); resuming opens it again over the longer count, so a
year's calendar entered later recomputes it like any other."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.deadlines import (
    deadline_meet,
    deadline_recount,
    deadline_start,
    deadlines_of,
)
from portal.core.documents import document_attach, document_request
from portal.core.errors import ApplicationError
from portal.core.models import Deadline, DeadlinePolicy, Role, User
from portal.core.numbering import number_take
from portal.core.roles import has_role
from portal.core.uploads import upload_accepted

from ..models import Arbitration, ArbitrationOutcome, Case
from ..permissions import MOVES, Move
from .moves import AWARD_POLICY

EXTENSION_POLICY = "arbitration.extension"
# The award's document kind, registered by portal.cases.pdf (AWARD); meant for the
# claimant too.
AWARD_KIND = "arbitration_award"


# --- reads the services share ---------------------------------------------------------------


def arbitration_of(case: Case) -> Arbitration:
    """The case's arbitration record, made on first use (a case reaches arbitration from
    acceptance or from a failed mediation)."""
    record, _created = Arbitration.objects.get_or_create(case=case)
    return record


def award_deadline(case: Case) -> Deadline | None:
    """The running award period, if it runs (not while suspended, not once closed)."""
    return (
        deadlines_of(case)
        .filter(policy__key=AWARD_POLICY, met_at__isnull=True)
        .order_by("-id")
        .first()
    )


def _award_started(case: Case) -> Deadline | None:
    """The award period's latest clock, running or not."""
    return deadlines_of(case).filter(policy__key=AWARD_POLICY).order_by("-id").first()


def _award_days(record: Arbitration) -> int:
    """The days the award period counts from acceptance now."""
    days = DeadlinePolicy.objects.get(key=AWARD_POLICY).days
    if record.extended_at is not None:
        days += DeadlinePolicy.objects.get(key=EXTENSION_POLICY).days
    return days + record.suspended_days


def _required(text: str, message: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) < 2:
        raise ApplicationError(message, field=field)
    return text


def _arbitrator_checked(case: Case, arbitrator: User | None) -> User:
    if arbitrator is None or not has_role(arbitrator, Role.ARBITRATOR, agency=case.agency):
        raise ApplicationError(
            _("Choose an arbitrator of the committee that owns the case."), field="arbitrator"
        )
    return arbitrator


def _today() -> datetime.date:
    return timezone.localdate()


# --- the moves ------------------------------------------------------------------------------


@transaction.atomic
def case_arbitrate(
    *,
    actor: User,
    case: Case,
    arbitrator: User | None,
    hearing_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Case:
    """Open the arbitration of an accepted case by naming its arbitrator (and, if known,
    the hearing date)."""
    case = MOVES.begin(actor, case, Move.ARBITRATE, expected_version)
    record = arbitration_of(case)
    record.arbitrator = _arbitrator_checked(case, arbitrator)
    if hearing_on is not None:
        record.hearing_on = _hearing_checked(hearing_on)
    record.save(update_fields=["arbitrator", "hearing_on"])
    MOVES.finish(actor, case, Move.ARBITRATE, note=str(record.arbitrator))
    return case


@transaction.atomic
def case_arbitrator_name(
    *, actor: User, case: Case, arbitrator: User | None, expected_version: int | None = None
) -> Case:
    """Name (or replace) the case's arbitrator."""
    case = MOVES.begin(actor, case, Move.NAME_ARBITRATOR, expected_version)
    record = arbitration_of(case)
    record.arbitrator = _arbitrator_checked(case, arbitrator)
    record.save(update_fields=["arbitrator"])
    MOVES.finish(actor, case, Move.NAME_ARBITRATOR, note=str(record.arbitrator))
    return case


def _hearing_checked(day: datetime.date | None) -> datetime.date:
    if day is None or day < _today():
        raise ApplicationError(_("The hearing date cannot be in the past."), field="hearing_on")
    return day


@transaction.atomic
def case_hearing_schedule(
    *,
    actor: User,
    case: Case,
    hearing_on: datetime.date | None,
    expected_version: int | None = None,
) -> Case:
    """Set (or move) the hearing date (开庭日期)."""
    case = MOVES.begin(actor, case, Move.SCHEDULE_HEARING, expected_version)
    record = arbitration_of(case)
    record.hearing_on = _hearing_checked(hearing_on)
    record.save(update_fields=["hearing_on"])
    MOVES.finish(actor, case, Move.SCHEDULE_HEARING, note=f"{record.hearing_on:%Y-%m-%d}")
    return case


@transaction.atomic
def case_award_period_extend(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    """The committee's head approves 15 more days for the award (art. 43), once."""
    if Arbitration.objects.filter(case_id=case.pk, extended_at__isnull=False).exists():
        raise ApplicationError(_("The award period has already been extended once."))
    case = MOVES.begin(actor, case, Move.EXTEND, expected_version)
    reason = _required(reason, _("Say why the award period is extended."), "reason")
    record = arbitration_of(case)
    record.extended_at, record.extension_reason = timezone.now(), reason
    record.save(update_fields=["extended_at", "extension_reason"])
    deadline = award_deadline(case)
    if deadline is None:
        raise ApplicationError(_("This case has no running award period."))
    before = deadline.due_on
    deadline_recount(deadline, days=_award_days(record))
    MOVES.finish(
        actor,
        case,
        Move.EXTEND,
        note=f"{before:%Y-%m-%d} → {deadline.due_on:%Y-%m-%d}: {reason}",
    )
    return case


@transaction.atomic
def case_suspend(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    """Suspend the arbitration (仲裁中止): the award period's clock stops today."""
    case = MOVES.begin(actor, case, Move.SUSPEND, expected_version)
    reason = _required(reason, _("Say why the arbitration is suspended."), "reason")
    record = arbitration_of(case)
    record.suspended_on, record.suspension_reason = _today(), reason
    record.save(update_fields=["suspended_on", "suspension_reason"])
    deadline_meet(policy_key=AWARD_POLICY, subject=case)
    MOVES.finish(actor, case, Move.SUSPEND, note=reason)
    return case


@transaction.atomic
def case_resume(*, actor: User, case: Case, expected_version: int | None = None) -> Case:
    """Resume a suspended arbitration: the award period runs on with the days that remained
    (the days suspended do not count)."""
    case = MOVES.begin(actor, case, Move.RESUME, expected_version)
    record = arbitration_of(case)
    today = _today()
    if record.suspended_on is not None:
        record.suspended_days += max((today - record.suspended_on).days, 0)
    record.suspended_on = None
    record.save(update_fields=["suspended_days", "suspended_on"])
    deadline = _award_started(case)
    if deadline is None:  # suspended before any clock ran: it starts now
        deadline = deadline_start(
            policy_key=AWARD_POLICY, subject=case, start=today, days=_award_days(record)
        )
    else:  # the same clock runs again, longer by the days suspended
        deadline.met_at = None
        deadline.save(update_fields=["met_at"])
        deadline_recount(deadline, days=_award_days(record))
    MOVES.finish(actor, case, Move.RESUME, note=f"{deadline.due_on:%Y-%m-%d}")
    return case


def remaining_days(case: Case, record: Arbitration, today: datetime.date) -> int | None:
    """The calendar days of the award period left: at the suspension while suspended."""
    started = _award_started(case)
    if started is None:
        return None
    on = record.suspended_on or today
    return (started.due_on - on).days


@transaction.atomic
def case_award(
    *,
    actor: User,
    case: Case,
    decision: str,
    award_file: UploadedFile | None = None,
    expected_version: int | None = None,
) -> Case:
    """Record the award: its number from the committee's series, the decision, and the
    裁决书 — the signed PDF uploaded, or rendered from the template. The case is closed."""
    case = MOVES.begin(actor, case, Move.AWARD, expected_version)
    decision = _required(decision, _("Write the award's decision."), "decision")
    upload, checked = award_file, None
    if upload is not None:
        checked = upload_accepted(upload, field="award_file")
        if checked.content_type != "application/pdf":
            raise ApplicationError(_("The award must be a PDF file."), field="award_file")
    record = arbitration_of(case)
    record.award_number = number_take(agency=case.agency, series="award")
    title = _("Arbitral award %(number)s") % {"number": record.award_number}
    if upload is not None and checked is not None:
        record.award_document = document_attach(
            actor=actor, owner=case, kind=AWARD_KIND, title=title, upload=upload, checked=checked
        )
    _close(record, ArbitrationOutcome.AWARD, decision)
    if upload is None:
        # Rendered after the record is saved: the template reads its number and decision.
        record.award_document = document_request(actor=actor, owner=case, kind=AWARD_KIND)
        record.save(update_fields=["award_document"])
    MOVES.finish(actor, case, Move.AWARD, note=f"{record.award_number}: {decision}")
    return case


def _close(record: Arbitration, outcome: str, note: str) -> None:
    record.outcome, record.outcome_note, record.closed_at = outcome, note, timezone.now()
    record.save()
    deadline_meet(policy_key=AWARD_POLICY, subject=record.case)


@transaction.atomic
def case_withdraw(
    *, actor: User, case: Case, note: str, expected_version: int | None = None
) -> Case:
    """The claimant withdrew the application (撤回仲裁申请): the case is closed."""
    case = MOVES.begin(actor, case, Move.WITHDRAW, expected_version)
    note = _required(note, _("Record how the claimant withdrew."), "note")
    _close(arbitration_of(case), ArbitrationOutcome.WITHDRAWN, note)
    MOVES.finish(actor, case, Move.WITHDRAW, note=note)
    return case


@transaction.atomic
def case_settle(*, actor: User, case: Case, note: str, expected_version: int | None = None) -> Case:
    """The parties settled (和解) during the arbitration: the case is closed."""
    case = MOVES.begin(actor, case, Move.SETTLE, expected_version)
    note = _required(note, _("Record what the parties settled."), "note")
    _close(arbitration_of(case), ArbitrationOutcome.SETTLED, note)
    MOVES.finish(actor, case, Move.SETTLE, note=note)
    return case
