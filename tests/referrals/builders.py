"""Referrals for tests, built and moved through the services like the portal does."""

from __future__ import annotations

from decimal import Decimal

from portal.cases.models import Case
from portal.core.models import User
from portal.referrals import services
from portal.referrals.models import FeedbackOutcome, Referral, ReferralKind, ReferralStatus
from portal.referrals.services import ReferralData

from ..factories import agency, valid_credit_code

# A kind each agency may receive.
KIND_FOR = {
    "procuratorate": ReferralKind.FALSE_ARBITRATION_CLUE,
    "bureau": ReferralKind.WAGE_ARREARS_CLUE,
    "arbitration": ReferralKind.DISPUTE,
    "police": ReferralKind.WAGE_REFUSAL_CRIME,
    "court": ReferralKind.OTHER,
}

# The moves that lead from a draft to each status, and who makes them.
PATHS: dict[str, list[str]] = {
    ReferralStatus.DRAFT: [],
    ReferralStatus.SENT: ["send"],
    ReferralStatus.WITHDRAWN: ["send", "withdraw"],
    ReferralStatus.ACKNOWLEDGED: ["send", "acknowledge"],
    ReferralStatus.SUPPLEMENT_REQUESTED: ["send", "acknowledge", "request_supplement"],
    ReferralStatus.ACCEPTED: ["send", "acknowledge", "accept"],
    ReferralStatus.RETURNED: ["send", "acknowledge", "return"],
    ReferralStatus.FEEDBACK_GIVEN: ["send", "acknowledge", "accept", "give_feedback"],
    ReferralStatus.CLOSED: ["send", "acknowledge", "accept", "give_feedback", "close"],
    ReferralStatus.RECORDED: ["record"],
    ReferralStatus.OUTCOME_RECORDED: ["record", "record_outcome"],
}


def referral_data(
    receiver: str = "procuratorate",
    *,
    kind: str | None = None,
    case: Case | None = None,
    employer_name: str = "广州市海珠区示例建筑劳务有限公司",
    credit_code: str | None = None,
    workers: int | None = 12,
    amount_owed: str | None = "186000.00",
    summary: str = "该公司涉嫌通过虚假仲裁转移财产，逃避支付工人工资。",
    legal_basis: str = "《劳动争议调解仲裁法》第二十七条",
    urgency: str = "normal",
) -> ReferralData:
    return ReferralData(
        receiver=agency(receiver),
        kind=kind or KIND_FOR[receiver],
        case=case,
        employer_name="" if case else employer_name,
        employer_credit_code="" if case else (credit_code or valid_credit_code()),
        workers=workers,
        amount_owed=Decimal(amount_owed) if amount_owed is not None else None,
        summary=summary,
        legal_basis=legal_basis,
        urgency=urgency,
    )


def draft(author: User, receiver: str = "procuratorate", **kwargs: object) -> Referral:
    return services.referral_create(actor=author, data=referral_data(receiver, **kwargs))  # type: ignore[arg-type]


def move(referral: Referral, name: str, actor: User, **kwargs: object) -> Referral:
    """Make one move as `actor` with the referral's current version."""
    referral.refresh_from_db()
    service = getattr(services, f"referral_{name}")
    defaults: dict[str, object] = {}
    if name in ("return", "request_supplement", "request_more", "reopen"):
        defaults["reason"] = "理由"
    if name in ("give_feedback", "record_outcome"):
        defaults.update(outcome=FeedbackOutcome.CASE_OPENED, text="已立案审查。")
    service(
        actor=actor, referral=referral, expected_version=referral.version, **{**defaults, **kwargs}
    )
    referral.refresh_from_db()
    return referral


def drive(
    referral: Referral,
    to: str,
    *,
    receiver_staff: User | None = None,
    receiver_admin: User | None = None,
) -> Referral:
    """Move a draft along the usual path to `to`: the author makes the sender's moves, the
    receiver's staff and admin theirs."""
    actors = {
        "send": referral.author,
        "withdraw": referral.author,
        "close": referral.author,
        "record": referral.author,
        "record_outcome": referral.author,
        "acknowledge": receiver_staff,
        "request_supplement": receiver_staff,
        "give_feedback": receiver_staff,
        "accept": receiver_admin,
        "return": receiver_admin,
    }
    for name in PATHS[to]:
        actor = actors[name]
        assert actor is not None, f"{name} needs an actor"
        referral = move(referral, name, actor)
    assert referral.status == to
    return referral
