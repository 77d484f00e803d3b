"""Demo cases for seed_demo (portal.home), made through the case services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from portal.core.demo import credit_code, resident_id
from portal.core.models import Agency, User

from .models import Employer
from .services import CaseData, ClaimantData, ClaimData, EmployerData, case_assign, case_create

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


def seed(users: dict[str, User]) -> None:
    """Make the demo cases that are missing (known by their employer's credit code)."""
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
