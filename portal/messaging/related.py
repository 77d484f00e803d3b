"""The conversation's section of the case page (portal.cases.related)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.cases.related import RelatedLink, RelatedSection
from portal.core.models import User


def conversation_section(user: User, case: Case) -> RelatedSection:
    # Whoever sees the case may talk about it (messaging.services.conversation_for_case).
    url = reverse("messaging:case", kwargs={"pk": case.pk})
    return RelatedSection(
        "conversation", _("Conversation"), links=[RelatedLink(_("Talk about this case"), url)]
    )
