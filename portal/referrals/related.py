"""The referrals' section of the case page (portal.cases.related): each referral of the case
the reader may see, and the way to refer it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.cases.related import RelatedLink, RelatedMove, RelatedSection
from portal.core.models import User

from .permissions import can_draft, referrals_visible_to


def referrals_section(user: User, case: Case) -> RelatedSection:
    referrals = referrals_visible_to(user).filter(case=case).select_related("receiver_agency")
    links = [
        RelatedLink(
            referral.number or referral.get_kind_display(),
            reverse("referrals:detail", kwargs={"pk": referral.pk}),
            f"{referral.receiver_agency.short_name} · {referral.get_status_display()}",
        )
        for referral in referrals.order_by("-pk")[:20]
    ]
    moves = [RelatedMove(_("New referral"), reverse("referrals:create"))] if can_draft(user) else []
    return RelatedSection(
        "referrals", _("Referrals"), links=links, moves=moves, empty=_("No referral of this case.")
    )
