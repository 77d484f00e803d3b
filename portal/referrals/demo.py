"""Demo referrals for seed_demo (portal.home): one in every state between every ordered pair of
portal agencies, two to the police and the court, some of them late; made through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portal.cases.models import Case
from portal.core.deadlines import deadline_for, deadlines_of
from portal.core.demo import credit_code
from portal.core.models import Agency, User

from . import services as referral_services
from .models import Referral
from .services import ReferralData

# Referrals: one in every state between every ordered pair of portal agencies, plus two to
# the police and the court. (kind, employer, credit code body, workers, amount, summary)
DEMO_REFERRAL_SUBJECTS: dict[str, list[tuple[str, str, str, int, str, str]]] = {
    "procuratorate": [
        (
            "false_arbitration_clue",
            "广州市海珠区恒丰装饰工程有限公司",
            "91440105MA5R0001",
            6,
            "84000.00",
            "该公司与其法定代表人亲属串通，以虚构的劳动争议申请仲裁，意图通过调解书转移公司财产，逃避支付其他工人工资。",
        ),
        (
            "wage_refusal_crime",
            "广州海珠金利制衣有限公司",
            "91440105MA5R0002",
            37,
            "612500.00",
            "经劳动保障监察责令支付后，该公司仍以转移财产、逃匿方式拒不支付37名工人工资，数额较大，涉嫌拒不支付劳动报酬罪。",
        ),
        (
            "prosecution_support",
            "广州市海珠区通达物流有限公司",
            "91440105MA5R0003",
            1,
            "23800.00",
            "申请人系农民工，因工受伤后用人单位拒不支付工伤待遇，申请人经济困难、诉讼能力较弱，请求检察机关支持起诉。",
        ),
    ],
    "bureau": [
        (
            "wage_arrears_clue",
            "广州市海珠区锦华餐饮管理有限公司",
            "91440105MA5R0004",
            14,
            "168000.00",
            "仲裁立案审查中发现该公司拖欠多名员工工资，员工多次投诉，请劳动保障监察部门依法调查处理。",
        ),
        (
            "procuratorial_suggestion",
            "广州市海珠区宏达建筑劳务有限公司",
            "91440105MA5R0005",
            52,
            "987000.00",
            "在办理支持起诉案件中发现该劳务公司未落实工资专用账户和实名制管理制度，建议依法督促整改。",
        ),
    ],
    "arbitration": [
        (
            "dispute",
            "广州海珠新港百货有限公司",
            "91440105MA5R0006",
            3,
            "41200.00",
            "劳动者投诉该公司未支付解除劳动合同经济补偿，经监察部门调查属劳动争议，移送仲裁委调解或仲裁。",
        ),
        (
            "procuratorial_suggestion",
            "广州市海珠区安居物业服务有限公司",
            "91440105MA5R0007",
            9,
            "57600.00",
            "在法律监督中发现对同类案件的仲裁审查标准不一致，建议统一加班工资计算基数的审查口径。",
        ),
    ],
}
DEMO_REFERRAL_STATES = [
    "draft",
    "sent",
    "acknowledged",
    "supplement_requested",
    "accepted",
    "returned",
    "feedback_given",
    "closed",
    "withdrawn",
]
DEMO_REFERRAL_PATHS: dict[str, list[str]] = {
    "draft": [],
    "sent": ["send"],
    "withdrawn": ["send", "withdraw"],
    "acknowledged": ["send", "acknowledge"],
    "supplement_requested": ["send", "acknowledge", "request_supplement"],
    "accepted": ["send", "acknowledge", "accept"],
    "returned": ["send", "acknowledge", "return"],
    "feedback_given": ["send", "acknowledge", "accept", "give_feedback"],
    "closed": ["send", "acknowledge", "accept", "give_feedback", "close"],
}
# who makes a move, by side: the author drafts and sends; working staff and the admin receive
DEMO_REFERRAL_STAFF = {
    "bureau": "bureau.inspector",
    "arbitration": "arb.mediator",
    "procuratorate": "proc.liaison",
}
DEMO_REFERRAL_AUTHORS = {
    "bureau": "bureau.inspector",
    "arbitration": "arb.arbitrator",
    "procuratorate": "proc.liaison",
}
DEMO_REFERRAL_ADMINS = {
    "bureau": "bureau.admin",
    "arbitration": "arb.admin",
    "procuratorate": "proc.admin",
}


def seed(users: dict[str, User]) -> None:
    """Referrals in every state between every pair of agencies; some of them late."""
    if Referral.objects.filter(author__username__in=DEMO_REFERRAL_AUTHORS.values()).exists():
        return
    agencies = {agency.code: agency for agency in Agency.objects.filter(kind="member")}
    texts = {
        "reason": "材料不全：请补充工资发放记录和考勤表。",
        "return": "经审查，该事项不属于本机关管辖，建议移送有管辖权的机关。",
        "feedback": "已立案调查，责令该公司限期支付拖欠工资，并依法作出行政处理。",
    }

    def make(actor: User, name: str, referral: Referral, **kwargs: Any) -> Referral:
        referral.refresh_from_db()
        service = getattr(referral_services, f"referral_{name}")
        service(actor=actor, referral=referral, expected_version=referral.version, **kwargs)
        referral.refresh_from_db()
        return referral

    linked = {
        # a demo case each for a referral of its agency
        ("arbitration", "procuratorate"): Case.objects.filter(
            employer__name="广州市海珠区鸿运建筑劳务有限公司"
        ).first(),
        ("bureau", "procuratorate"): Case.objects.filter(
            employer__name="广州海珠鑫达服装厂"
        ).first(),
    }
    for sender_code in agencies:
        for receiver_code, receiver in agencies.items():
            if sender_code == receiver_code:
                continue
            author = users[DEMO_REFERRAL_AUTHORS[sender_code]]
            staff = users[DEMO_REFERRAL_STAFF[receiver_code]]
            admin = users[DEMO_REFERRAL_ADMINS[receiver_code]]
            subjects = DEMO_REFERRAL_SUBJECTS[receiver_code]
            for index, state in enumerate(DEMO_REFERRAL_STATES):
                kind, name, code_body, workers, amount, summary = subjects[index % len(subjects)]
                if kind == "procuratorial_suggestion" and sender_code != "procuratorate":
                    kind = "other"
                case = (
                    linked.get((sender_code, receiver_code))
                    if state in ("sent", "accepted")
                    else None
                )
                referral = referral_services.referral_create(
                    actor=author,
                    data=ReferralData(
                        receiver=receiver,
                        kind=kind,
                        case=case,
                        employer_name="" if case else name,
                        employer_credit_code="" if case else credit_code(code_body + "1"),
                        workers=None if case else workers,
                        amount_owed=None if case else Decimal(amount),
                        summary=summary,
                        legal_basis="《劳动保障监察条例》第十一条；三方协作机制·双向移送反馈",
                        urgency="urgent" if workers >= 30 else "normal",
                    ),
                )
                actors = {
                    "send": author,
                    "withdraw": author,
                    "close": author,
                    "acknowledge": staff,
                    "request_supplement": staff,
                    "give_feedback": staff,
                    "accept": admin,
                    "return": admin,
                }
                extra = {
                    "request_supplement": {"reason": texts["reason"]},
                    "return": {"reason": texts["return"]},
                    "give_feedback": {"outcome": "case_opened", "text": texts["feedback"]},
                }
                for move in DEMO_REFERRAL_PATHS[state]:
                    referral = make(actors[move], move, referral, **extra.get(move, {}))
                _age(referral, sender_code, state)
    _external_referrals(users, make)


def _age(referral: Any, sender_code: str, state: str) -> None:
    """Send some referrals in the past so that their step is late (the services use now)."""

    days = {
        ("bureau", "sent"): 12,
        ("arbitration", "sent"): 6,
        ("procuratorate", "accepted"): 45,
        ("bureau", "supplement_requested"): 20,
    }.get((sender_code, state))
    if not days:
        return
    past = timezone.now() - datetime.timedelta(days=days)
    type(referral).objects.filter(pk=referral.pk).update(sent_at=past)
    for deadline in deadlines_of(referral).filter(met_at__isnull=True):
        due = deadline_for(deadline.policy, past)
        type(deadline).objects.filter(pk=deadline.pk).update(
            started_on=timezone.localtime(past).date(),
            due_on=due.date,
            provisional=due.provisional,
        )


def _external_referrals(users: dict[str, User], make: Any) -> None:

    specs = [
        (
            "bureau.inspector",
            "police",
            "wage_refusal_crime",
            "广州海珠金利制衣有限公司",
            "91440105MA5R0090",
            37,
            "612500.00",
            "outcome_recorded",
            "经责令支付仍拒不支付，涉嫌拒不支付劳动报酬罪，移送公安机关立案侦查。",
        ),
        (
            "arb.arbitrator",
            "court",
            "other",
            "广州市海珠区恒丰装饰工程有限公司",
            "91440105MA5R0091",
            6,
            "84000.00",
            "recorded",
            "调解协议约定的工资未按期支付，申请人申请支付令，相关材料移送法院。",
        ),
    ]
    for (
        username,
        receiver_code,
        kind,
        name,
        code_body,
        workers,
        amount,
        state,
        summary,
    ) in specs:
        author = users[username]
        referral = referral_services.referral_create(
            actor=author,
            data=ReferralData(
                receiver=Agency.objects.get(code=receiver_code),
                kind=kind,
                employer_name=name,
                employer_credit_code=credit_code(code_body + "1"),
                workers=workers,
                amount_owed=Decimal(amount),
                summary=summary,
            ),
        )
        referral = make(author, "record", referral)
        if state == "outcome_recorded":
            make(
                author,
                "record_outcome",
                referral,
                outcome="case_opened",
                text="公安机关已立案侦查。",
            )
