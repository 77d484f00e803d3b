"""Reads for the kiosk and the intake queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.cases.models import (
    COLLECTIVE_DISPUTE_WORKERS,
    INTAKE_OPEN,
    Case,
    CaseChannel,
    CaseStatus,
    Claim,
    Claimant,
    Employer,
)
from portal.cases.permissions import MOVES, CasePerm, Move, cases_visible_to
from portal.cases.services import ACCEPTANCE_POLICY
from portal.cases.services.intake import AWARD_POLICY, CLAIMANT_DOCUMENT_KINDS
from portal.core.models import Deadline, Document, DocumentStatus, User
from portal.mediation.models import Mediation, MediationStatus
from portal.mediation.selectors import ClaimantMediation

EMPLOYER_RESULTS = 8


def public_employers() -> QuerySet[Employer]:
    """The employers a member of the public may be offered: those the portal first learnt of
    from a claimant's own filing (kiosk or online), so their name is one a claimant typed.
    Never one known only from staff's work (a bureau case, a referral), whose name and address
    are the agencies' records; and the kiosk offers only the name and the credit code."""
    first_channel = (
        Case.objects.filter(employer=OuterRef("pk")).order_by("pk").values("channel")[:1]
    )
    return Employer.objects.annotate(first_channel=Subquery(first_channel)).filter(
        first_channel__in=[CaseChannel.KIOSK, CaseChannel.ONLINE]
    )


def employer_search(query: str) -> list[Employer]:
    """Employers the public may see, by part of the name or the start of the credit code."""
    query = query.strip()
    if len(query) < 2:
        return []
    match = Q(name__icontains=query) | Q(credit_code__startswith=query.upper())
    return list(
        public_employers()
        .filter(match)
        .only("pk", "name", "credit_code")
        .order_by("name")[:EMPLOYER_RESULTS]
    )


def public_employer(pk: int | None) -> Employer | None:
    return public_employers().filter(pk=pk).first() if pk else None


def intake_queue(*, user: User, status: str = CaseStatus.FILED) -> QuerySet[Case]:
    """The cases of the user's agency awaiting an intake decision (or material), soonest
    acceptance deadline first, with what the queue shows annotated: one query."""
    if status not in INTAKE_OPEN:
        status = CaseStatus.FILED
    case_type = ContentType.objects.get_for_model(Case)
    acceptance = Deadline.objects.filter(
        content_type=case_type,
        object_id=OuterRef("pk"),
        policy__key=ACCEPTANCE_POLICY,
        met_at__isnull=True,
    ).order_by("due_on")
    claimants = Claimant.objects.filter(case=OuterRef("pk"))
    claims = (
        Claim.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        cases_visible_to(user, CasePerm.VIEW)
        .filter(agency=user.agency, status=status)
        .select_related("employer", "duplicate_of")
        .annotate(
            due_on=Subquery(acceptance.values("due_on")[:1]),
            due_provisional=Subquery(acceptance.values("provisional")[:1]),
            representative=Subquery(claimants.filter(is_representative=True).values("name")[:1]),
            claimant_count=Subquery(
                claimants.order_by().values("case").annotate(n=Count("pk")).values("n")
            ),
            claimed=Subquery(claims),
        )
        .annotate(
            collective_dispute=ExpressionWrapper(
                Q(claimant_count__gte=COLLECTIVE_DISPUTE_WORKERS), output_field=BooleanField()
            )
        )
        .order_by(F("due_on").asc(nulls_last=True), "filed_at", "pk")
    )


def intake_counts(*, user: User) -> dict[str, int]:
    rows = (
        cases_visible_to(user, CasePerm.VIEW)
        .filter(agency=user.agency, status__in=INTAKE_OPEN)
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {str(status): 0 for status in INTAKE_OPEN}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def case_open_deadline(case: Case, policy_key: str) -> Deadline | None:
    return (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id=case.pk,
            policy__key=policy_key,
        )
        .filter(met_at__isnull=True)
        .select_related("policy")
        .order_by("due_on")
        .first()
    )


# --- what the claimant sees ------------------------------------------------------------------


@dataclass
class ClaimantView:
    """The status page of one case, in plain words."""

    case: Case
    stage: str
    headline: Promise | str
    explanation: Promise | str
    next_step: Promise | str
    due_on: datetime.date | None
    missing: str
    can_add_material: bool
    documents: list[Document] = field(default_factory=list)
    representative: str = ""
    refusal_reason: str = ""


class Stage(StrEnum):
    """Where the claimant's dispute stands, read from the case and its mediation."""

    WAITING = "waiting"
    MATERIAL = "material"
    ACCEPTED = "accepted"
    MEDIATION_WAITING = "mediation_waiting"
    MEDIATING = "mediating"
    AGREEMENT = "agreement"
    COURT_APPLIED = "court_applied"
    CONFIRMED_BY_COMMITTEE = "confirmed_by_committee"
    CONFIRMED_BY_COURT = "confirmed_by_court"
    COURT_REJECTED = "court_rejected"
    ARBITRATING = "arbitrating"
    SUSPENDED = "arbitration_suspended"
    REFUSED = "refused"
    CLOSED = "closed"


# One line per stage: what it is, what it means, what to do next.
PLAIN: dict[str, tuple[Promise, Promise, Promise]] = {
    Stage.WAITING: (
        _("Received: waiting for the committee's decision"),
        _("The arbitration committee checks your filing and decides whether to accept it."),
        _("Wait for the decision. The committee may call you if something is unclear."),
    ),
    Stage.MATERIAL: (
        _("More material is needed"),
        _("The committee needs more from you before it can decide. See what is missing below."),
        _("Add the missing material below, or bring it to the arbitration office."),
    ),
    Stage.ACCEPTED: (
        _("Accepted: your case is open"),
        _("The committee accepted your filing as a case. Keep the notice of acceptance."),
        _(
            "The committee will tell you the date of the hearing. The award is due by the date below."
        ),
    ),
    Stage.MEDIATION_WAITING: (
        _("Mediation first"),
        _("As you agreed, your dispute goes to mediation first. A mediator will contact you."),
        _("Wait for the mediator's call. If mediation fails, your case goes on to arbitration."),
    ),
    Stage.MEDIATING: (
        _("In mediation"),
        _("A mediator is working on your dispute with you and the employer."),
        _("Take part in the mediation sessions."),
    ),
    Stage.AGREEMENT: (
        _("Agreement reached: to be confirmed"),
        _("The mediation reached an agreement. It binds once you and the employer confirm it."),
        _("Read the agreement below and confirm it if it is what was agreed."),
    ),
    Stage.COURT_APPLIED: (
        _("The court is confirming the agreement"),
        _("You and the employer applied to the court for judicial confirmation."),
        _("Wait for the court's decision; the mediator will tell you."),
    ),
    Stage.CONFIRMED_BY_COMMITTEE: (
        _("Settled: agreement confirmed by the committee"),
        _("The committee confirmed the agreement with a mediation statement: it is enforceable."),
        _("Check the payments below. If the employer misses one, the mediator will help you."),
    ),
    Stage.CONFIRMED_BY_COURT: (
        _("Settled: agreement confirmed by the court"),
        _("The court confirmed the agreement: it is enforceable."),
        _("Check the payments below. If the employer misses one, the mediator will help you."),
    ),
    Stage.COURT_REJECTED: (
        _("The court did not confirm the agreement"),
        _("The court refused judicial confirmation of the agreement."),
        _("The mediator will tell you what you can do next."),
    ),
    Stage.ARBITRATING: (
        _("In arbitration"),
        _("The arbitration tribunal is hearing your case."),
        _("Follow the tribunal's notices."),
    ),
    Stage.SUSPENDED: (
        _("Arbitration suspended"),
        _(
            "The arbitration is suspended (仲裁中止); the time for the award does not run meanwhile."
        ),
        _("The committee will tell you when the arbitration resumes."),
    ),
    Stage.REFUSED: (
        _("Not accepted"),
        _("The committee did not accept your filing. The reason is below and in the notice."),
        _(
            "You may take the dispute to the people's court (law on labour-dispute mediation and arbitration, art. 29)."
        ),
    ),
    Stage.CLOSED: (
        _("Closed"),
        _("Your case is closed."),
        _("Nothing more to do here."),
    ),
}

_BY_CASE_STATUS: dict[str, Stage] = {
    CaseStatus.FILED: Stage.WAITING,
    CaseStatus.MATERIAL_REQUESTED: Stage.MATERIAL,
    CaseStatus.ACCEPTED: Stage.ACCEPTED,
    CaseStatus.MEDIATION_PENDING: Stage.MEDIATION_WAITING,
    CaseStatus.MEDIATING: Stage.MEDIATING,
    CaseStatus.ARBITRATING: Stage.ARBITRATING,
    CaseStatus.SUSPENDED: Stage.SUSPENDED,
    CaseStatus.REFUSED: Stage.REFUSED,
    CaseStatus.CLOSED: Stage.CLOSED,
}
_BY_MEDIATION_STATUS: dict[str, Stage] = {
    MediationStatus.UNASSIGNED: Stage.MEDIATION_WAITING,
    MediationStatus.MEDIATING: Stage.MEDIATING,
    MediationStatus.AGREED: Stage.AGREEMENT,
    MediationStatus.COURT_APPLIED: Stage.COURT_APPLIED,
    MediationStatus.COURT_REJECTED: Stage.COURT_REJECTED,
}


def claimant_stage(case: Case, mediation: Mediation | None) -> str:
    """The claimant's stage: the case's status, refined by its mediation while the case is
    in mediation or was settled by it. A status this function does not know is its own
    stage (the page then shows the status's name)."""
    stage = _BY_CASE_STATUS.get(case.status)
    if stage is None:
        return str(case.status)
    if mediation is None or stage not in (Stage.MEDIATING, Stage.CLOSED):
        return stage
    if mediation.status == MediationStatus.CONFIRMED:
        agreement = getattr(mediation, "agreement", None)
        by_court = agreement is not None and bool(agreement.enforceable_number)
        return Stage.CONFIRMED_BY_COURT if by_court else Stage.CONFIRMED_BY_COMMITTEE
    if stage == Stage.MEDIATING:
        return _BY_MEDIATION_STATUS.get(mediation.status, stage)
    return stage


def _plain(case: Case, stage: str) -> tuple[Promise | str, Promise | str, Promise | str]:
    if stage in PLAIN:
        return PLAIN[stage]
    return case.get_status_display(), "", ""


def _claimant_documents(case: Case, mediation: Mediation | None) -> list[Document]:
    """The case's notices, then the mediation statement (调解书) once it is ready."""
    documents = list(
        Document.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id=case.pk,
            kind__in=CLAIMANT_DOCUMENT_KINDS,
            status=DocumentStatus.READY,
        ).order_by("created_at")
    )
    agreement = getattr(mediation, "agreement", None) if mediation else None
    statement = agreement.statement_document if agreement else None
    if statement is not None and statement.status == DocumentStatus.READY:
        documents.append(statement)
    return documents


def claimant_view(case: Case) -> ClaimantView:
    mediation = (
        Mediation.objects.select_related("agreement__statement_document").filter(case=case).first()
    )
    stage = claimant_stage(case, mediation)
    headline, explanation, next_step = _plain(case, stage)
    supplying = MOVES.possible(case, Move.MATERIAL_SUPPLY)
    due: Deadline | None = None
    if case.status == CaseStatus.FILED:
        due = case_open_deadline(case, ACCEPTANCE_POLICY)
    elif case.status in (CaseStatus.ACCEPTED, CaseStatus.ARBITRATING):
        due = case_open_deadline(case, AWARD_POLICY)
    representative = (
        case.claimants.filter(is_representative=True).values_list("name", flat=True).first() or ""
    )
    return ClaimantView(
        case=case,
        stage=stage,
        headline=headline,
        explanation=explanation,
        next_step=next_step,
        due_on=due.due_on if due else None,
        missing=case.material_requested if supplying else "",
        can_add_material=supplying,
        refusal_reason=case.refusal_reason if case.status == CaseStatus.REFUSED else "",
        documents=_claimant_documents(case, mediation),
        representative=representative,
    )


def claimant_document(case: Case, pk: int) -> Document | None:
    """A document meant for the claimant of `case` (its notices, its mediation statement),
    ready to download; None for any other."""
    mediation = (
        Mediation.objects.select_related("agreement__statement_document").filter(case=case).first()
    )
    return next((d for d in _claimant_documents(case, mediation) if d.pk == pk), None)


def days_left(due_on: datetime.date | None) -> int | None:
    return (due_on - timezone.localdate()).days if due_on else None


def worker_part(view: ClaimantView, mediation: ClaimantMediation | None, worker: Claimant) -> None:
    """Narrow the status page to what a worker's own secret opens: their own share only, no
    documents of the whole filing (they name every worker with their numbers), no moves of
    the whole filing (confirming, supplying material: the filing's secret does those)."""
    view.documents = []
    view.can_add_material = False
    if mediation is not None:
        mediation.shares = [s for s in mediation.shares if s.claimant_id == worker.pk]
        mediation.can_confirm = False
        mediation.sha256 = ""
