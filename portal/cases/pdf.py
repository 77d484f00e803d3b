"""Document kinds about cases, rendered by the core PDF pipeline."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.documents import DocumentKind, register_document_kind
from portal.core.pii import mask_id_number, mask_phone

from .models import Arbitration, Case
from .permissions import access_case


def _summary_context(case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "claimants": [
            {
                "name": claimant.name,
                "id_number": mask_id_number(claimant.id_number),
                "phone": mask_phone(claimant.phone),
                "is_representative": claimant.is_representative,
            }
            for claimant in case.claimants.all()
        ],
        "claims": list(case.claims.all()),
        "total": case.total_claimed,
        "generated_at": timezone.localtime(),
    }


CASE_SUMMARY = DocumentKind(
    key="case_summary",
    template="cases/pdf/case_summary.html",
    title=lambda case: _("Case summary %(number)s") % {"number": case.number},
    context=_summary_context,
    access=access_case,
    owner_model=Case,
)

register_document_kind(CASE_SUMMARY)


def _award_context(case: Case) -> dict[str, Any]:
    record = Arbitration.objects.select_related("arbitrator").get(case=case)
    return {
        "case": case,
        "record": record,
        "claimants": [claimant.name for claimant in case.claimants.all()],
        "claims": list(case.claims.all()),
        "total": case.total_claimed,
        "awarded_at": timezone.localtime(record.closed_at or timezone.now()),
    }


# The 裁决书 rendered from the template when no signed PDF is uploaded
# (portal.cases.services.arbitration.AWARD_KIND); the claimant's page offers it too.
AWARD = DocumentKind(
    key="arbitration_award",
    template="cases/pdf/award.html",
    title=lambda case: (
        _("Arbitral award %(number)s") % {"number": case.arbitration.award_number or case.number}
    ),
    context=_award_context,
    access=access_case,
    owner_model=Case,
)

register_document_kind(AWARD)
