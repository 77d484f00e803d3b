from __future__ import annotations

from django import template

from portal.referrals.models import ReferralStatus

register = template.Library()


@register.filter
def referral_status(value: str) -> str:
    """The translated label of a stored status (in the timeline); unknown values as they are."""
    return str(ReferralStatus(value).label) if value in ReferralStatus.values else value
