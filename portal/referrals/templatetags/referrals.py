from __future__ import annotations

from django import template

from portal.referrals.models import ReferralKind, ReferralStatus

register = template.Library()

# The lazy labels by stored value: get_FOO_display would translate the field's whole choice
# list for every label a list row asks for.
_STATUS_LABELS = dict(ReferralStatus.choices)
_KIND_LABELS = dict(ReferralKind.choices)


@register.filter
def referral_status(value: str) -> str:
    """The translated label of a stored status; unknown values as they are."""
    label = _STATUS_LABELS.get(value)
    return value if label is None else str(label)


@register.filter
def referral_kind(value: str) -> str:
    """The translated label of a stored kind; unknown values as they are."""
    label = _KIND_LABELS.get(value)
    return value if label is None else str(label)
