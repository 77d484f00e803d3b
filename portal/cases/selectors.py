"""Reads on cases. List pages filter with guardian in the database, in one query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from portal.core.audit import audit_history
from portal.core.models import Agency, AgencyKind, AuditEvent, Deadline, Document, User

from .models import INTAKE_OPEN, Arbitration, Case, CaseAssignment, CaseStatus, Claim
from .permissions import CasePerm, cases_visible_to
from .services.register import ACCEPTANCE_POLICY


def case_list(*, user: User, status: str | None = None, query: str = "") -> QuerySet[Case]:
    cases = (
        cases_visible_to(user, CasePerm.VIEW)
        .select_related("agency", "employer")
        .annotate(claimed=Sum("claims__amount"))
        .order_by("-filed_at", "-id")
    )
    if status:
        cases = cases.filter(status=status)
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(employer__name__icontains=query))
    return cases


def case_detail(case: Case) -> Case:
    """The case with what its page shows, prefetched."""
    return (
        Case.objects.select_related("agency", "employer", "created_by")
        .prefetch_related(
            "claimants",
            "claims",
            "evidence",
            "co_handling_agencies",
            Prefetch(
                "assignments",
                queryset=CaseAssignment.objects.filter(ended_at__isnull=True).select_related(
                    "user__membership__agency"
                ),
                to_attr="open_assignments",
            ),
        )
        .get(pk=case.pk)
    )


@dataclass(frozen=True)
class WorkerClaims:
    """One worker's own claims and their total; `name` "" for the claims of the whole filing."""

    name: str
    claims: list[Claim]
    total: Decimal


def claims_by_worker(case: Case) -> list[WorkerClaims]:
    """The claims grouped by the worker they belong to, in the workers' order, then those of
    the whole filing; empty when no claim names a worker (the page lists them as one). From
    the prefetched claimants and claims of case_detail: no query of its own."""
    claims = list(case.claims.all())
    if not any(claim.claimant_id for claim in claims):
        return []
    groups: list[WorkerClaims] = []
    for worker in [*case.claimants.all(), None]:
        own = [c for c in claims if c.claimant_id == (worker.pk if worker else None)]
        if own:
            total = sum((c.amount for c in own), Decimal("0"))
            groups.append(WorkerClaims(name=worker.name if worker else "", claims=own, total=total))
    return groups


def case_history(case: Case) -> QuerySet[AuditEvent]:
    return audit_history(case)


def case_deadlines(case: Case) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    ).select_related("policy")


def case_documents(case: Case) -> QuerySet[Document]:
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    )


def case_deadlines_open(*, user: User) -> QuerySet[Deadline]:
    """Open deadlines on the cases the user sees, soonest first."""
    visible = cases_visible_to(user, CasePerm.VIEW).values("pk")
    return (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id__in=visible,
            met_at__isnull=True,
        )
        .select_related("policy")
        .order_by("due_on")
    )


def case_assign_candidates(case: Case) -> QuerySet[User]:
    """Working staff of the owning agency and people it has validly appointed today."""
    from django.utils import timezone

    from portal.core.models import Role

    today = timezone.localdate()
    working = Q()
    for role in (Role.MEDIATOR, Role.ARBITRATOR, Role.INSPECTOR, Role.LIAISON):
        working |= Q(membership__roles__icontains=f'"{role}"')
    own_staff = Q(membership__agency=case.agency, membership__active=True) & working
    appointed = Q(
        appointments__appointing_agency=case.agency,
        appointments__ended_at__isnull=True,
        appointments__valid_from__lte=today,
        appointments__valid_until__gte=today,
    )
    return (
        User.objects.filter(is_active=True)
        .filter(own_staff | appointed)
        .select_related("membership__agency")
        .distinct()
        .order_by("membership__agency__sort_order", "username")
    )


# --- the law's clocks as the claimant sees them (read by the kiosk's status page) ------------


@dataclass(frozen=True)
class ClaimantClock:
    """What the claimant's page says of the case's clocks: the running deadline and whether
    its date is provisional (the year's holidays not entered), whether the committee missed
    the acceptance deadline (art. 29: the claimant may then sue in the people's court), the
    hearing date while the arbitration runs, and its outcome once recorded."""

    due_on: datetime.date | None
    provisional: bool
    acceptance_missed: bool
    suspended: bool
    outcome: str
    hearing_on: datetime.date | None = None


def acceptance_overdue(case: Case, today: datetime.date) -> Deadline | None:
    """The acceptance deadline the committee let pass on a filing still undecided."""
    if case.status not in INTAKE_OPEN:
        return None
    return (
        case_deadlines(case)
        .filter(policy__key=ACCEPTANCE_POLICY, met_at__isnull=True, due_on__lt=today)
        .first()
    )


def claimant_clock(case: Case, today: datetime.date | None = None) -> ClaimantClock:
    today = today or timezone.localdate()
    running = case_deadlines(case).filter(met_at__isnull=True).order_by("due_on").first()
    record = Arbitration.objects.filter(case=case).first()
    return ClaimantClock(
        due_on=running.due_on if running else None,
        provisional=bool(running and running.provisional),
        acceptance_missed=acceptance_overdue(case, today) is not None,
        suspended=case.status == CaseStatus.SUSPENDED,
        outcome=record.get_outcome_display() if record and record.outcome else "",
        hearing_on=record.hearing_on if record and not record.outcome else None,
    )


def member_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(kind=AgencyKind.MEMBER).order_by("pk")


def case_co_handling_candidates(case: Case) -> QuerySet[Agency]:
    """The portal agencies the case may be shared with: every member agency but its owner and
    those that co-handle it already."""
    return (
        member_agencies()
        .exclude(pk=case.agency_id)
        .exclude(pk__in=case.co_handling_agencies.values("pk"))
        .order_by("pk")
    )
