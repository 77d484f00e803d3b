"""The intake notices (受理通知书, 不予受理通知书), rendered by the core PDF pipeline and meant
for the claimant too: the kiosk's status page lists them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.deadlines import deadlines_of
from portal.core.documents import DocumentKind, register_document_kind

from .models import Case
from .permissions import access_case
from .services.intake import ACCEPTANCE_NOTICE_KIND, AWARD_POLICY, REFUSAL_NOTICE_KIND


def _notice_context(case: Case) -> dict[str, Any]:
    award = deadlines_of(case).filter(policy__key=AWARD_POLICY).order_by("-started_on").first()
    return {
        "case": case,
        "claimants": list(case.claimants.all()),
        "claims": list(case.claims.all()),
        "total": case.total_claimed,
        "award_due": award.due_on if award else None,
        "decided_at": timezone.localtime(case.decided_at or timezone.now()),
    }


ACCEPTANCE_NOTICE = DocumentKind(
    key=ACCEPTANCE_NOTICE_KIND,
    template="intake/pdf/acceptance_notice.html",
    title=lambda case: _("Notice of acceptance %(number)s") % {"number": case.number},
    context=_notice_context,
    access=access_case,
    owner_model=Case,
)

REFUSAL_NOTICE = DocumentKind(
    key=REFUSAL_NOTICE_KIND,
    template="intake/pdf/refusal_notice.html",
    title=lambda case: _("Notice of non-acceptance %(number)s") % {"number": case.number},
    context=_notice_context,
    access=access_case,
    owner_model=Case,
)

register_document_kind(ACCEPTANCE_NOTICE)
register_document_kind(REFUSAL_NOTICE)
