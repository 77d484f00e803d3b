"""Writes on mediations: one service per move, each checking the move, the actor's role and
the page's version under a row lock (permissions.MOVES), writing its audit event and
scheduling its notifications after commit. One module per stage; callers import from here.
Reads (the term, the court window, the employer's link) are in selectors.py."""

from __future__ import annotations

from .authority import (
    agreement_arbitration_confirm,
    agreement_court_apply,
    agreement_court_decision,
)
from .common import (
    AGREEMENT_PDF,
    COURT_APPLICATION_PDF,
    STATEMENT_PDF,
    STATEMENT_SERIES,
    mediation_url,
)
from .confirmation import (
    CLAIMANT_LABEL,
    EMPLOYER_LINK_DAYS,
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_download_by_claimant,
    agreement_download_by_employer,
    employer_link_issue,
)
from .mediator import mediation_assign, mediation_conflict_declare
from .opening import OPENABLE_CASE_STATES, mediation_open
from .outcome import (
    AgreementData,
    InstalmentData,
    ShareData,
    agreement_draft,
    mediation_agree,
    mediation_fail,
)
from .performance import (
    agreement_enforcement_record,
    instalment_record_payment,
    instalments_missed_sweep,
)
from .sessions import mediation_session_record, mediation_session_schedule
from .term import TERM_WARNING_DAYS, mediation_term_extend, mediation_terms_warn

__all__ = [
    "AGREEMENT_PDF",
    "CLAIMANT_LABEL",
    "COURT_APPLICATION_PDF",
    "EMPLOYER_LINK_DAYS",
    "OPENABLE_CASE_STATES",
    "STATEMENT_PDF",
    "STATEMENT_SERIES",
    "TERM_WARNING_DAYS",
    "AgreementData",
    "InstalmentData",
    "ShareData",
    "agreement_arbitration_confirm",
    "agreement_confirm_claimant",
    "agreement_confirm_employer",
    "agreement_court_apply",
    "agreement_court_decision",
    "agreement_download_by_claimant",
    "agreement_download_by_employer",
    "agreement_draft",
    "agreement_enforcement_record",
    "employer_link_issue",
    "instalment_record_payment",
    "instalments_missed_sweep",
    "mediation_agree",
    "mediation_assign",
    "mediation_conflict_declare",
    "mediation_fail",
    "mediation_open",
    "mediation_session_record",
    "mediation_session_schedule",
    "mediation_term_extend",
    "mediation_terms_warn",
    "mediation_url",
]
