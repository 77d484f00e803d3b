"""The meetings' section of the case page (portal.cases.related): each meeting the reader may
see whose agenda takes up the case."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.cases.related import RelatedLink, RelatedSection
from portal.core.models import User

from .permissions import meetings_visible_to


def meetings_section(user: User, case: Case) -> RelatedSection:
    meetings = meetings_visible_to(user).filter(agenda_items__case=case).distinct()
    links = [
        RelatedLink(
            meeting.title,
            reverse("meetings:detail", kwargs={"pk": meeting.pk}),
            f"{meeting.starts_at:%Y-%m-%d}" if meeting.starts_at else meeting.get_status_display(),
        )
        for meeting in meetings.order_by("-pk")[:20]
    ]
    return RelatedSection(
        "meetings", _("Meetings"), links=links, empty=_("No meeting has this case on its agenda.")
    )
