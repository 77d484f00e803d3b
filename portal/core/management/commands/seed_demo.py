"""Demo agencies' people and realistic cases, built through the same services as the portal."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from portal.core.bootstrap import seed_reference_data
from portal.core.models import Agency, AppointmentKind, Role, User
from portal.core.people import appointment_create, membership_set

# username, full name, agency, roles, title
DEMO_USERS = [
    ("bureau.inspector", "李建华", "bureau", [Role.INSPECTOR], "劳动保障监察员"),
    ("bureau.admin", "陈志强", "bureau", [Role.AGENCY_ADMIN], "办公室主任"),
    ("bureau.mediator", "黄丽萍", "bureau", [Role.MEDIATOR], "劳动关系综合服务中心调解员"),
    ("arb.mediator", "王晓燕", "arbitration", [Role.MEDIATOR], "调解员"),
    ("arb.arbitrator", "刘国栋", "arbitration", [Role.ARBITRATOR], "仲裁员"),
    ("arb.admin", "周敏", "arbitration", [Role.AGENCY_ADMIN], "立案庭负责人"),
    ("proc.liaison", "赵立新", "procuratorate", [Role.LIAISON], "人民检察联络员"),
    ("proc.admin", "孙海燕", "procuratorate", [Role.AGENCY_ADMIN], "民事检察部负责人"),
    ("leader", "郑伟", "bureau", [Role.LEADER], "分管副局长"),
]

ADMIN_MODEL_PERMS = [
    "view_user",
    "change_user",
    "add_user",
    "view_appointment",
    "change_appointment",
    "add_appointment",
    "view_auditevent",
    "view_deadlinepolicy",
    "change_deadlinepolicy",
    "view_holidayyear",
    "add_holidayyear",
    "change_holidayyear",
    "view_calendarday",
    "add_calendarday",
    "change_calendarday",
    "delete_calendarday",
    "view_case",
    "view_room",
    "add_room",
    "change_room",
]


def resident_id(region: str, born: str, serial: str) -> str:
    body = f"{region}{born}{serial}"
    return body + ric.calc_check_digit(body + "0")  # the library ignores the last character


def credit_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


DEMO_CASES: list[dict[str, Any]] = [
    {
        "agency": "arbitration",
        "employer": (
            "广州市海珠区鸿运建筑劳务有限公司",
            credit_code("91440105MA59XK3T7"),
            "广州市海珠区新港中路368号",
        ),
        "claimants": [
            (
                "张桂兰",
                resident_id("440105", "19850312", "242"),
                "13812345678",
                "广州市海珠区南洲路12号",
            ),
        ],
        "claims": [
            ("unpaid_wages", "18600.00", "2026-06-01", "2026-08-31"),
            ("double_wages", "9300.00", None, None),
        ],
        "facts": "申请人自2026年3月起在被申请人承建的工地从事钢筋工，双方未签订书面劳动合同。被申请人自6月起拖欠工资三个月，经多次催讨未果。",
        "assign": "bureau.mediator",
    },
    {
        "agency": "arbitration",
        "employer": (
            "广州琶洲会展餐饮服务有限公司",
            credit_code("91440101MA5CQ8B2X"),
            "广州市海珠区阅江中路688号",
        ),
        "claimants": [
            (
                "李明",
                resident_id("510322", "19900718", "113"),
                "13922221111",
                "广州市海珠区赤岗路8号",
            ),
            (
                "王芳",
                resident_id("430426", "19921105", "224"),
                "13733335555",
                "广州市海珠区赤岗路8号",
            ),
            (
                "陈大勇",
                resident_id("452123", "19880202", "351"),
                "15011112222",
                "广州市海珠区赤岗路10号",
            ),
        ],
        "claims": [
            ("unpaid_wages", "42800.00", "2026-07-01", "2026-09-30"),
            ("compensation", "21000.00", None, None),
        ],
        "facts": "被申请人于2026年9月底突然停业，拖欠三名厨房员工7至9月工资，并未支付解除劳动合同的经济补偿。",
        "assign": "arb.mediator",
    },
    {
        "agency": "arbitration",
        "employer": (
            "广州市江南物业管理有限公司",
            credit_code("91440105MA9W2E4L1"),
            "广州市海珠区江南大道中100号",
        ),
        "claimants": [
            (
                "刘小红",
                resident_id("440105", "19950920", "426"),
                "18620001234",
                "广州市海珠区江南西路3号",
            )
        ],
        "claims": [
            ("overtime", "6400.00", "2026-01-01", "2026-06-30"),
            ("social_insurance", "3200.00", None, None),
        ],
        "facts": "申请人任保洁员，每周工作六天，被申请人未支付休息日加班工资，亦未足额缴纳社会保险。",
        "assign": None,
    },
    {
        "agency": "bureau",
        "employer": (
            "广州海珠鑫达服装厂",
            credit_code("92440105MA5D1Y7F3"),
            "广州市海珠区康乐村中约",
        ),
        "claimants": [
            (
                "吴德明",
                resident_id("362430", "19800101", "217"),
                "13600001111",
                "广州市海珠区康乐村",
            )
        ],
        "claims": [("unpaid_wages", "25600.00", "2026-05-01", "2026-09-30")],
        "facts": "劳动保障监察大队接到投诉：该服装厂拖欠十余名工人工资，负责人失联。",
        "assign": None,
    },
]


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


class Command(BaseCommand):
    help = "Create the demo users and cases (refuses to run with DEBUG off unless --force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if demo users exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off; pass --force if you mean it."
            )
        if options["if_empty"] and User.objects.filter(username="arb.admin").exists():
            self.stdout.write("Demo data already present.")
            return
        with transaction.atomic():
            seed_reference_data()
            users = self._users()
            self._appointments(users)
            self._cases(users)
            self._referrals(users)
            self._meetings(users)
            self._mediations(users)
            filings = self._filings(users)
        for tracking_number, state, secret in filings:
            self.stdout.write(f"Demo kiosk filing {tracking_number} ({state}): secret {secret}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo users ready; password: {settings.PORTAL_DEMO_PASSWORD}")
        )

    def _filings(self, users: dict[str, User]) -> list[tuple[str, str, str]]:
        """Kiosk filings in every intake state (portal.kiosk.demo)."""
        from portal.kiosk.demo import seed_filings

        return seed_filings(users)

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        admin_perms = list(Permission.objects.filter(codename__in=ADMIN_MODEL_PERMS))
        for username, full_name, agency_code, roles, title in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"full_name": full_name, "email": f"{username}@demo.haizhu.gov.cn"},
            )
            user.set_password(settings.PORTAL_DEMO_PASSWORD)
            user.is_staff = Role.AGENCY_ADMIN in roles
            user.save()
            membership = membership_set(
                actor=None,
                user=user,
                agency=Agency.objects.get(code=agency_code),
                roles=list(roles),
            )
            membership.title = title
            membership.save(update_fields=["title"])
            if user.is_staff:
                user.user_permissions.set(admin_perms)
            users[username] = user
        return users

    def _appointments(self, users: dict[str, User]) -> None:
        today = timezone.localdate()
        arbitration = Agency.objects.get(code="arbitration")
        procuratorate = Agency.objects.get(code="procuratorate")
        if not users["bureau.mediator"].appointments.exists():
            appointment_create(
                actor=None,
                user=users["bureau.mediator"],
                appointing_agency=arbitration,
                kind=AppointmentKind.SPECIAL_MEDIATOR,
                valid_from=today - datetime.timedelta(days=90),
                valid_until=today + datetime.timedelta(days=365),
                note="海珠区仲裁委特约调解员聘书（2026）第3号",
            )
        if not users["proc.liaison"].appointments.exists():
            appointment_create(
                actor=None,
                user=users["proc.liaison"],
                appointing_agency=arbitration,
                kind=AppointmentKind.LIAISON,
                valid_from=today - datetime.timedelta(days=30),
                valid_until=today + datetime.timedelta(days=335),
                note="人民检察联络员",
            )
        del procuratorate

    def _cases(self, users: dict[str, User]) -> None:
        from portal.cases.models import Employer
        from portal.cases.services import (
            CaseData,
            ClaimantData,
            ClaimData,
            EmployerData,
            case_assign,
            case_create,
        )

        admins = {"arbitration": users["arb.admin"], "bureau": users["bureau.admin"]}
        creators = {"arbitration": users["arb.arbitrator"], "bureau": users["bureau.inspector"]}
        for spec in DEMO_CASES:
            name, code, address = spec["employer"]
            if Employer.objects.filter(credit_code=code, cases__isnull=False).exists():
                continue
            agency = Agency.objects.get(code=spec["agency"])
            claimants = [
                ClaimantData(name=n, id_number=i, phone=p, address=a, is_representative=index == 0)
                for index, (n, i, p, a) in enumerate(spec["claimants"])
            ]
            claims = [
                ClaimData(
                    kind=kind,
                    amount=Decimal(amount),
                    period_start=datetime.date.fromisoformat(start) if start else None,
                    period_end=datetime.date.fromisoformat(end) if end else None,
                )
                for kind, amount, start, end in spec["claims"]
            ]
            case = case_create(
                actor=creators[spec["agency"]],
                agency=agency,
                data=CaseData(
                    employer=EmployerData(name=name, credit_code=code, address=address),
                    claimants=claimants,
                    claims=claims,
                    facts=spec["facts"],
                ),
            )
            if spec["assign"]:
                case_assign(actor=admins[spec["agency"]], case=case, assignee=users[spec["assign"]])

    def _referrals(self, users: dict[str, User]) -> None:
        """Referrals in every state between every pair of agencies; some of them late."""
        from portal.cases.models import Case
        from portal.referrals import services as referral_services
        from portal.referrals.models import Referral
        from portal.referrals.services import ReferralData

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
                    kind, name, code_body, workers, amount, summary = subjects[
                        index % len(subjects)
                    ]
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
                    self._age(referral, sender_code, state)
        self._external_referrals(users, make)

    def _age(self, referral: Any, sender_code: str, state: str) -> None:
        """Send some referrals in the past so that their step is late (the services use now)."""
        from portal.core.deadlines import deadline_for, deadlines_of

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

    def _external_referrals(self, users: dict[str, User], make: Any) -> None:
        from portal.referrals import services as referral_services
        from portal.referrals.services import ReferralData

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

    def _mediations(self, users: dict[str, User]) -> None:
        """Mediations in every stage, one by the bureau's special mediator (portal.mediation)."""
        from portal.mediation.demo import seed_mediations

        seed_mediations(users)

    def _meetings(self, users: dict[str, User]) -> None:
        """A meeting of every kind, an open poll, approved minutes with an overdue action item."""
        from portal.meetings.demo import seed_meetings

        seed_meetings(users)
