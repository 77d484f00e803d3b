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
    "view_user", "change_user", "add_user", "view_appointment", "change_appointment", "add_appointment",
    "view_auditevent", "view_deadlinepolicy", "change_deadlinepolicy", "view_holidayyear",
    "add_holidayyear", "change_holidayyear", "view_calendarday", "add_calendarday",
    "change_calendarday", "delete_calendarday", "view_case",
]


def resident_id(region: str, born: str, serial: str) -> str:
    body = f"{region}{born}{serial}"
    return body + ric.calc_check_digit(body + "0")  # the library ignores the last character


def credit_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


DEMO_CASES: list[dict[str, Any]] = [
    {
        "agency": "arbitration",
        "employer": ("广州市海珠区鸿运建筑劳务有限公司", credit_code("91440105MA59XK3T7"), "广州市海珠区新港中路368号"),
        "claimants": [
            ("张桂兰", resident_id("440105", "19850312", "242"), "13812345678", "广州市海珠区南洲路12号"),
        ],
        "claims": [("unpaid_wages", "18600.00", "2026-06-01", "2026-08-31"), ("double_wages", "9300.00", None, None)],
        "facts": "申请人自2026年3月起在被申请人承建的工地从事钢筋工，双方未签订书面劳动合同。被申请人自6月起拖欠工资三个月，经多次催讨未果。",
        "assign": "bureau.mediator",
    },
    {
        "agency": "arbitration",
        "employer": ("广州琶洲会展餐饮服务有限公司", credit_code("91440101MA5CQ8B2X"), "广州市海珠区阅江中路688号"),
        "claimants": [
            ("李明", resident_id("510322", "19900718", "113"), "13922221111", "广州市海珠区赤岗路8号"),
            ("王芳", resident_id("430426", "19921105", "224"), "13733335555", "广州市海珠区赤岗路8号"),
            ("陈大勇", resident_id("452123", "19880202", "351"), "15011112222", "广州市海珠区赤岗路10号"),
        ],
        "claims": [("unpaid_wages", "42800.00", "2026-07-01", "2026-09-30"), ("compensation", "21000.00", None, None)],
        "facts": "被申请人于2026年9月底突然停业，拖欠三名厨房员工7至9月工资，并未支付解除劳动合同的经济补偿。",
        "assign": "arb.mediator",
    },
    {
        "agency": "arbitration",
        "employer": ("广州市江南物业管理有限公司", credit_code("91440105MA9W2E4L1"), "广州市海珠区江南大道中100号"),
        "claimants": [("刘小红", resident_id("440105", "19950920", "426"), "18620001234", "广州市海珠区江南西路3号")],
        "claims": [("overtime", "6400.00", "2026-01-01", "2026-06-30"), ("social_insurance", "3200.00", None, None)],
        "facts": "申请人任保洁员，每周工作六天，被申请人未支付休息日加班工资，亦未足额缴纳社会保险。",
        "assign": None,
    },
    {
        "agency": "bureau",
        "employer": ("广州海珠鑫达服装厂", credit_code("92440105MA5D1Y7F3"), "广州市海珠区康乐村中约"),
        "claimants": [("吴德明", resident_id("362430", "19800101", "217"), "13600001111", "广州市海珠区康乐村")],
        "claims": [("unpaid_wages", "25600.00", "2026-05-01", "2026-09-30")],
        "facts": "劳动保障监察大队接到投诉：该服装厂拖欠十余名工人工资，负责人失联。",
        "assign": None,
    },
]


class Command(BaseCommand):
    help = "Create the demo users and cases (refuses to run with DEBUG off unless --force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if demo users exist")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo refuses to run with DEBUG off; pass --force if you mean it.")
        if options["if_empty"] and User.objects.filter(username="arb.admin").exists():
            self.stdout.write("Demo data already present.")
            return
        with transaction.atomic():
            seed_reference_data()
            users = self._users()
            self._appointments(users)
            self._cases(users)
        self.stdout.write(self.style.SUCCESS(f"Demo users ready; password: {settings.PORTAL_DEMO_PASSWORD}"))

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
            membership = membership_set(actor=None, user=user, agency=Agency.objects.get(code=agency_code), roles=list(roles))
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
