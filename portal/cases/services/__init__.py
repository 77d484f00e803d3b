"""Writes on cases: one service per change, each with its rule, audit event and after-commit
side effects. The modules hold the seams (registering, evidence, sharing, the moves other flows
make, intake); everything is importable from here as before."""

from __future__ import annotations

from .evidence import case_evidence_add, case_reveal_personal_info
from .moves import case_mediation_fail, case_mediation_settle, case_mediation_start
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
    "case_assign",
    "case_assignment_end",
    "case_assignments_end_for_appointment",
    "case_assignments_end_for_leaver",
    "case_check",
    "case_co_handling_end",
    "case_co_handling_start",
    "case_create",
    "case_evidence_add",
    "case_insert",
    "case_mediation_fail",
    "case_mediation_settle",
    "case_mediation_start",
    "case_new_notify",
    "case_number_next",
    "case_reveal_personal_info",
    "employer_credit_code",
    "tracking_number_next",
]
