"""The mediation agreement (调解协议书), rendered by the core PDF pipeline. One document goes
to both parties (each confirms the same text by its SHA-256), so what one party must not read
of the other is masked in it: the claimants' ID numbers and every ID or phone number typed
into the clauses (the claimant's whole numbers stay with the case, behind the audited reveal).
The committee's statement and the application to the court carry the whole numbers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.documents import DocumentKind, register_document_kind
from portal.core.models import User
from portal.core.pii import mask_id_number, mask_personal_numbers

from .models import Agreement
from .permissions import MediationPerm, access_mediation
from .selectors import worker_shares
from .services import AGREEMENT_PDF, COURT_APPLICATION_PDF, STATEMENT_PDF


def _load(pk: Any) -> Agreement:
    return Agreement.objects.select_related(
        "mediation__case__employer", "mediation__agency", "mediation__mediator"
    ).get(pk=pk)


def _context(agreement: Agreement) -> dict[str, Any]:
    agreement = _load(agreement.pk)
    mediation = agreement.mediation
    return {
        "agreement": agreement,
        "mediation": mediation,
        "case": mediation.case,
        "agency": mediation.agency,
        "employer": mediation.case.employer,
        "claimants": list(mediation.case.claimants.all()),
        "instalments": list(agreement.instalments.all()),
        "shares": worker_shares(agreement),
        "clauses": agreement.clauses,
        "generated_at": timezone.localtime(),
    }


def _agreement_context(agreement: Agreement) -> dict[str, Any]:
    """The parties' copy: the other party's personal numbers masked."""
    context = _context(agreement)
    context["claimants"] = [
        {"name": claimant.name, "id_number": mask_id_number(claimant.id_number)}
        for claimant in context["claimants"]
    ]
    context["clauses"] = mask_personal_numbers(context["clauses"])
    return context


def access_agreement(user: User, pk: Any, perm: str = MediationPerm.VIEW) -> Agreement:
    """An agreement, if the user may see its case; 404 otherwise."""
    agreement = Agreement.objects.select_related("mediation").filter(pk=pk).first()
    case_pk = agreement.mediation.case_id if agreement else 0
    access_mediation(user, case_pk, perm)
    assert agreement is not None
    return agreement


AGREEMENT_KIND = DocumentKind(
    key=AGREEMENT_PDF,
    template="mediation/pdf/agreement.html",
    title=lambda agreement: (
        _("Mediation agreement of %(number)s") % {"number": agreement.mediation.case.number}
    ),
    context=_agreement_context,
    access=access_agreement,
    owner_model=Agreement,
)

register_document_kind(AGREEMENT_KIND)

STATEMENT_KIND = DocumentKind(
    key=STATEMENT_PDF,
    template="mediation/pdf/statement.html",
    title=lambda agreement: (
        _("Mediation statement %(number)s") % {"number": agreement.statement_number}
    ),
    context=_context,
    access=access_agreement,
    owner_model=Agreement,
)

COURT_APPLICATION_KIND = DocumentKind(
    key=COURT_APPLICATION_PDF,
    template="mediation/pdf/court_application.html",
    title=lambda agreement: (
        _("Application for judicial confirmation of %(number)s")
        % {"number": agreement.mediation.case.number}
    ),
    context=_context,
    access=access_agreement,
    owner_model=Agreement,
)

register_document_kind(STATEMENT_KIND)
register_document_kind(COURT_APPLICATION_KIND)
