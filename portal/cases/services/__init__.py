"""Writes on cases: one service per change, each with its rule, audit event and after-commit
side effects. The modules hold the seams (registering, evidence, sharing, the moves other flows
make, intake); everything is importable from here as before."""

from __future__ import annotations

from .arbitration import (
    case_arbitrate,
    case_arbitrator_name,
    case_award,
    case_award_period_extend,
    case_hearing_schedule,
    case_resume,
    case_settle,
    case_suspend,
    case_withdraw,
)
from .evidence import case_evidence_add, case_reveal_personal_info
from .moves import (
    case_close,
    case_mediation_fail,
    case_mediation_return,
    case_mediation_settle,
    case_mediation_start,
)
from .register import (
    ACCEPTANCE_POLICY,
    PUBLIC_ACTOR_LABELS,
    CaseData,
    CheckedCase,
    ClaimantData,
    ClaimData,
    EmployerData,
    case_check,
    case_create,
    case_insert,
    case_new_notify,
    case_number_next,
    employer_credit_code,
    tracking_number_next,
)
from .sharing import (
    case_assign,
    case_assignment_end,
    case_assignments_end_for_appointment,
    case_assignments_end_for_leaver,
    case_co_handling_end,
    case_co_handling_start,
)

__all__ = [
    "ACCEPTANCE_POLICY",
    "PUBLIC_ACTOR_LABELS",
    "CaseData",
    "CheckedCase",
    "ClaimData",
    "ClaimantData",
    "EmployerData",
    "case_arbitrate",
    "case_arbitrator_name",
    "case_assign",
    "case_assignment_end",
    "case_assignments_end_for_appointment",
    "case_assignments_end_for_leaver",
    "case_award",
    "case_award_period_extend",
    "case_check",
    "case_close",
    "case_co_handling_end",
    "case_co_handling_start",
    "case_create",
    "case_evidence_add",
    "case_hearing_schedule",
    "case_insert",
    "case_mediation_fail",
    "case_mediation_return",
    "case_mediation_settle",
    "case_mediation_start",
    "case_new_notify",
    "case_number_next",
    "case_resume",
    "case_reveal_personal_info",
    "case_settle",
    "case_suspend",
    "case_withdraw",
    "employer_credit_code",
    "tracking_number_next",
]
