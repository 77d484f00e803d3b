from __future__ import annotations

from django import template

from portal.cases.models import CaseStatus

register = template.Library()


@register.filter
def case_status(value: str) -> str:
    """The translated label of a stored status value, e.g. in the history; unknown values as is."""
    return str(CaseStatus(value).label) if value in CaseStatus.values else value
