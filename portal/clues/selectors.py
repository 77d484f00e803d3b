"""Reads of clues: the squad's queue, a clue's page, the on-time rates per source."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case as Case_
from django.db.models import Q, QuerySet, Value, When
from django.utils import timezone

from portal.cases.models import Case
from portal.cases.permissions import cases_visible_to
from portal.core.audit import audit_history
from portal.core.deadlines import deadlines_of
from portal.core.models import AuditEvent, Deadline, User

from .models import OPEN_STATES, Clue, ClueSource, ClueStatus
from .permissions import CluePerm, clues_visible_to


@dataclass(frozen=True)
class ClueFilters:
    source: str = ""
    street: str = ""
    industry: str = ""
    status: str = ""
    late: bool = False
    mine: bool = False  # only the clues the reader works on (their squad's)


def clue_queue(*, user: User, filters: ClueFilters | None = None) -> QuerySet[Clue]:
    """The clues the user reads, soonest deadline first (closed ones last)."""
    filters = filters or ClueFilters()
    clues = clues_visible_to(user, CluePerm.WORK if filters.mine else CluePerm.VIEW)
    if filters.source:
        clues = clues.filter(source=filters.source)
    if filters.street:
        clues = clues.filter(street=filters.street)
    if filters.industry:
        clues = clues.filter(industry=filters.industry)
    if filters.status:
        clues = clues.filter(status=filters.status)
    if filters.late:
        clues = clues.filter(status__in=OPEN_STATES, due_on__lt=timezone.localdate())
    closed = Case_(When(status=ClueStatus.CLOSED, then=Value(1)), default=Value(0))
    return (
        clues.select_related("squad", "assignee")
        .annotate(is_closed=closed)
        .order_by("is_closed", "due_on", "received_at", "id")
    )


def clue_timeline(clue: Clue) -> QuerySet[AuditEvent]:
    return audit_history(clue)


def clue_deadlines(clue: Clue) -> list[Deadline]:
    """The clue's clocks, oldest first; `met_late` marks one met after its date (late for
    good)."""
    deadlines = list(deadlines_of(clue).order_by("started_on", "id"))
    for deadline in deadlines:
        met = deadline.met_at
        deadline.met_late = met is not None and timezone.localtime(met).date() > deadline.due_on  # type: ignore[attr-defined]
    return deadlines


@dataclass(frozen=True)
class OnTimeRate:
    source: str
    label: str
    due: int  # clues whose first closing clock has ended (met, or past its date)
    on_time: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


def clue_on_time_rates(*, today: datetime.date | None = None) -> list[OnTimeRate]:
    """Per source, the share of clues closed by their first closing date (线索动态办结率 /
    按时办结率): a clue closed late, or reopened after, counts as it first ended, for good.
    Two queries however many clues there are."""
    today = today or timezone.localdate()
    first: dict[int, tuple[datetime.date, datetime.datetime | None]] = {}
    for object_id, due_on, met_at in (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Clue),
            policy__key__endswith=".close",
        )
        .order_by("object_id", "started_on", "id")
        .values_list("object_id", "due_on", "met_at")
    ):
        first.setdefault(object_id, (due_on, met_at))
    counts: dict[str, list[int]] = {source: [0, 0] for source in ClueSource.values}
    for pk, source in Clue.objects.values_list("pk", "source"):
        if pk not in first:
            continue
        due_on, met_at = first[pk]
        met_on = timezone.localtime(met_at).date() if met_at else None
        if met_on is None and due_on >= today:
            continue  # still running
        counts[source][0] += 1
        counts[source][1] += met_on is not None and met_on <= due_on
    return [
        OnTimeRate(source, str(label), *counts[source])
        for source, label in ClueSource.choices
        if counts[source][0]
    ]


def dashboard_sections(user: User) -> dict[str, object]:
    """The work list's part: the bureau's on-time rates per source and its late clues."""
    from .permissions import can_read

    if not can_read(user):
        return {}
    return {
        "clue_on_time_rates": clue_on_time_rates(),
        "clues_late": clue_queue(user=user, filters=ClueFilters(late=True)).count(),
    }


DUPLICATE_WINDOW = datetime.timedelta(days=30)


def clue_possible_duplicates(clue: Clue) -> QuerySet[Clue]:
    """Clues received within 30 days of this one about the same employer (credit code, or name
    when the code is not known) or the same construction project, with workers overlapping
    (the same complainant, or both about more than one worker): flagged for a person to link,
    never merged."""
    same_subject = Q(employer_name=clue.employer_name)
    if clue.employer_credit_code:
        same_subject |= Q(employer_credit_code=clue.employer_credit_code)
    if clue.project_name:
        same_subject |= Q(project_name=clue.project_name)
    overlapping = Q(workers__gt=1) if clue.workers > 1 else Q(pk__in=[])
    if clue.complainant_id_number:
        overlapping |= Q(complainant_id_number=clue.complainant_id_number)
    return (
        Clue.objects.filter(same_subject, overlapping)
        .filter(
            received_at__gte=clue.received_at - DUPLICATE_WINDOW,
            received_at__lte=clue.received_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=clue.pk)
        .exclude(duplicate_of=clue)
        .order_by("received_at", "id")
    )


@dataclass(frozen=True)
class EmployerHistory:
    clues: list[Clue]  # the bureau's other clues about the employer
    cases: list[Case]  # the cases about the employer the reader may open
    other_cases: int  # cases about the employer at agencies the reader does not see


def clue_employer_history(clue: Clue, user: User) -> EmployerHistory:
    """What the portal already knows of the clue's employer: three queries."""
    if clue.employer_credit_code:
        clues = Clue.objects.filter(employer_credit_code=clue.employer_credit_code)
        all_cases = Case.objects.filter(employer__credit_code=clue.employer_credit_code)
    else:
        clues = Clue.objects.filter(employer_name=clue.employer_name)
        all_cases = Case.objects.filter(employer__name=clue.employer_name)
    visible = list(cases_visible_to(user).filter(pk__in=all_cases.values("pk"))[:20])
    return EmployerHistory(
        clues=list(clues.exclude(pk=clue.pk).order_by("-received_at")[:20]),
        cases=visible,
        other_cases=all_cases.exclude(pk__in=[case.pk for case in visible]).count(),
    )
