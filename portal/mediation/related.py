"""The mediation's section of the case page (portal.cases.related): a link to the mediation,
and the next move for whoever may make it now — open the mediation of a case routed to it,
assign its mediator."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.cases.related import RelatedLink, RelatedMove, RelatedSection
from portal.core.models import User

from .models import Mediation
from .permissions import Move, available_moves, can_open, mediating_agency
from .services.opening import OPENABLE_CASE_STATES


def mediation_section(user: User, case: Case) -> RelatedSection | None:
    page = reverse("mediation:case", kwargs={"pk": case.pk})
    mediation = Mediation.objects.select_related("agency").filter(case=case).first()
    if mediation is None:
        if case.status not in OPENABLE_CASE_STATES or case.agency_id != mediating_agency().pk:
            return None
        moves = []
        if can_open(user, case):
            url = reverse("mediation:open", kwargs={"pk": case.pk})
            moves.append(RelatedMove(_("Open a mediation"), url, post=True))
        return RelatedSection(
            "mediation", _("Mediation"), moves=moves, empty=_("No mediation opened yet.")
        )
    mediation.case = case
    moves = []
    if Move.ASSIGN in available_moves(user, mediation):
        moves.append(RelatedMove(_("Assign the mediator"), f"{page}#assign"))
    link = RelatedLink(_("Open the mediation"), page, mediation.get_status_display())
    return RelatedSection("mediation", _("Mediation"), links=[link], moves=moves)
