"""Reads for the kiosk and the intake queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.cases.models import (
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
    headline: Promise
    explanation: Promise | str
    next_step: Promise | str
    due_on: datetime.date | None
    missing: str
    can_add_material: bool
    documents: list[Document] = field(default_factory=list)
    representative: str = ""
    refusal_reason: str = ""


PLAIN = {
    CaseStatus.FILED: (
        _("Received: waiting for the committee's decision"),
        _("The arbitration committee checks your filing and decides whether to accept it."),
        _("Wait for the decision. The committee may call you if something is unclear."),
    ),
    CaseStatus.MATERIAL_REQUESTED: (
        _("More material is needed"),
        _("The committee needs more from you before it can decide. See what is missing below."),
        _("Add the missing material below, or bring it to the arbitration office."),
    ),
    CaseStatus.ACCEPTED: (
        _("Accepted: your case is open"),
        _("The committee accepted your filing as a case. Keep the notice of acceptance."),
        _(
            "The committee will tell you the date of the hearing. The award is due by the date below."
        ),
    ),
    CaseStatus.MEDIATION_PENDING: (
        _("Mediation first"),
        _("As you agreed, your dispute goes to mediation first. A mediator will contact you."),
        _("Wait for the mediator's call. If mediation fails, your case goes on to arbitration."),
    ),
    CaseStatus.MEDIATING: (
        _("In mediation"),
        _("A mediator is working on your dispute with you and the employer."),
        _("Take part in the mediation sessions."),
    ),
    CaseStatus.ARBITRATING: (
        _("In arbitration"),
        _("The arbitration tribunal is hearing your case."),
        _("Follow the tribunal's notices."),
    ),
    CaseStatus.REFUSED: (
        _("Not accepted"),
        _("The committee did not accept your filing. The reason is below and in the notice."),
        _(
            "You may take the dispute to the people's court (law on labour-dispute mediation and arbitration, art. 29)."
        ),
    ),
    CaseStatus.CLOSED: (
        _("Closed"),
        _("Your case is closed."),
        _("Nothing more to do here."),
    ),
}


def claimant_view(case: Case) -> ClaimantView:
    headline, explanation, next_step = PLAIN[CaseStatus(case.status)]
    supplying = MOVES.possible(case, Move.MATERIAL_SUPPLY)
    due: Deadline | None = None
    if case.status == CaseStatus.FILED:
        due = case_open_deadline(case, ACCEPTANCE_POLICY)
    elif case.status == CaseStatus.ACCEPTED:
        due = case_open_deadline(case, AWARD_POLICY)
    documents = list(
        Document.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id=case.pk,
            kind__in=CLAIMANT_DOCUMENT_KINDS,
            status=DocumentStatus.READY,
        ).order_by("created_at")
    )
    representative = (
        case.claimants.filter(is_representative=True).values_list("name", flat=True).first() or ""
    )
    return ClaimantView(
        case=case,
        headline=headline,
        explanation=explanation,
        next_step=next_step,
        due_on=due.due_on if due else None,
        missing=case.material_requested if supplying else "",
        can_add_material=supplying,
        refusal_reason=case.refusal_reason if case.status == CaseStatus.REFUSED else "",
        documents=documents,
        representative=representative,
    )


def claimant_document(case: Case, pk: int) -> Document | None:
    """A document meant for the claimant of `case`, ready to download."""
    return Document.objects.filter(
        pk=pk,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        kind__in=CLAIMANT_DOCUMENT_KINDS,
        status=DocumentStatus.READY,
    ).first()


def days_left(due_on: datetime.date | None) -> int | None:
    return (due_on - timezone.localdate()).days if due_on else None
