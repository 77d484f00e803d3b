"""Reads on referrals. Lists filter with guardian in the database and annotate what each row
shows, so a page costs the same number of queries whatever its length."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from portal.cases.models import Case
from portal.cases.permissions import cases_visible_to
from portal.core.audit import audit_history
from portal.core.models import AuditEvent, Deadline, Document, User

from .models import Referral, ReferralAttachment, ReferralFeedback, ReferralKind, ReferralStatus
from .permissions import referrals_visible_to


@dataclass(frozen=True)
class ReferralFilters:
    status: str = ""
    kind: str = ""
    overdue: bool = False
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    query: str = ""


# Long texts of a referral that no list shows.
LIST_DEFERRED = ("summary", "legal_basis", "return_reason", "supplement_request")


def _open_deadlines() -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral),
        object_id=OuterRef("pk"),
        met_at__isnull=True,
    )


def _listing(referrals: QuerySet[Referral], filters: ReferralFilters) -> QuerySet[Referral]:
    today = timezone.localdate()
    # The rows show neither the linked case nor the long texts, so they are not fetched.
    referrals = (
        referrals.select_related("sender_agency", "receiver_agency")
        .defer(*LIST_DEFERRED)
        .annotate(
            is_overdue=Exists(_open_deadlines().filter(due_on__lt=today)),
            next_due=Subquery(
                _open_deadlines()
                .order_by()
                .values("object_id")
                .annotate(due=Min("due_on"))
                .values("due")[:1]
            ),
        )
    )
    if filters.status:
        referrals = referrals.filter(status=filters.status)
    if filters.kind:
        referrals = referrals.filter(kind=filters.kind)
    if filters.overdue:
        referrals = referrals.filter(is_overdue=True)
    # A draft has no sending date: the day it was drafted stands in for it.
    if filters.date_from:
        referrals = referrals.filter(
            Q(sent_at__date__gte=filters.date_from)
            | Q(sent_at__isnull=True, created_at__date__gte=filters.date_from)
        )
    if filters.date_to:
        referrals = referrals.filter(
            Q(sent_at__date__lte=filters.date_to)
            | Q(sent_at__isnull=True, created_at__date__lte=filters.date_to)
        )
    query = filters.query.strip()
    if query:
        referrals = referrals.filter(
            Q(number__icontains=query)
            | Q(employer_name__icontains=query)
            | Q(employer_credit_code__iexact=query)
        )
    return referrals.order_by("-created_at", "-id")


def referral_inbox(*, user: User, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """Referrals the user's agency received (never drafts: the receiver sees them once sent)."""
    agency = user.agency if user.is_authenticated else None
    if agency is None:
        return Referral.objects.none()
    received = referrals_visible_to(user).filter(receiver_agency=agency)
    return _listing(received.exclude(status=ReferralStatus.DRAFT), filters or ReferralFilters())


def referral_outbox(*, user: User, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """Referrals the user's agency sent or is drafting."""
    agency = user.agency if user.is_authenticated else None
    if agency is None:
        return Referral.objects.none()
    sent = referrals_visible_to(user).filter(sender_agency=agency)
    return _listing(sent, filters or ReferralFilters())


def referral_detail(referral: Referral) -> Referral:
    """The referral with what its page shows, prefetched."""
    return (
        Referral.objects.select_related(
            "sender_agency", "receiver_agency", "author", "case__agency", "case__employer"
        )
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=ReferralAttachment.objects.filter(feedback__isnull=True),
                to_attr="sender_attachments",
            ),
            Prefetch(
                "feedback",
                queryset=ReferralFeedback.objects.select_related(
                    "given_by", "agency"
                ).prefetch_related("attachments"),
                to_attr="feedback_list",
            ),
        )
        .get(pk=referral.pk)
    )


def referral_timeline(referral: Referral) -> QuerySet[AuditEvent]:
    """The referral's history from the audit log, oldest first."""
    return audit_history(referral).order_by("created_at", "id")


def referral_deadlines(referral: Referral) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Referral), object_id=referral.pk
        )
        .select_related("policy")
        .order_by("started_on", "id")
    )


def referral_documents(referral: Referral) -> QuerySet[Document]:
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral), object_id=referral.pk
    )


def referral_case_by_number(*, user: User, number: str) -> Case | None:
    """A case the user can see, by its number: the one a referral may be linked to."""
    number = number.strip()
    if not number:
        return None
    return cases_visible_to(user).select_related("employer").filter(number=number).first()


def referral_overdue_list(*, user: User, limit: int = 10) -> list[Referral]:
    """Late referrals the user's agency sent or received, for the work list of both sides."""
    agency = user.agency if user.is_authenticated else None
    if agency is None:
        return []
    mine = referrals_visible_to(user).filter(Q(sender_agency=agency) | Q(receiver_agency=agency))
    late = _listing(mine, ReferralFilters(overdue=True)).order_by(F("next_due"), "id")
    return list(late[:limit])


def dashboard_sections(user: User) -> dict[str, object]:
    return {"overdue_referrals": referral_overdue_list(user=user)}


def referral_dispute_sent_on(
    referral: models.Model, *, case: Case, receiver_code: str
) -> datetime.date | None:
    """The day `referral` was sent, if it is an accepted referral of `case` as a dispute to
    the agency `receiver_code` (what opens a mediation of another agency's case); None if it
    is not one. Other flows ask this instead of reading a referral's fields."""
    if not isinstance(referral, Referral) or referral.sent_at is None:
        return None
    ok = (
        referral.kind == ReferralKind.DISPUTE
        and referral.case_id == case.pk
        and referral.receiver_agency.code == receiver_code
        and referral.status == ReferralStatus.ACCEPTED
    )
    return timezone.localdate(referral.sent_at) if ok else None
