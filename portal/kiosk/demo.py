"""Demo filings from the E-law kiosk, one in every intake state, made through the services.

Used by `seed_demo`. Idempotent: a filing whose claimant's phone number is already on a
kiosk or online filing is not made again. The secrets are fixed so that a demo visitor can
open the status page (docs/kiosk.md)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from portal.cases.models import PUBLIC_CHANNELS, Case, CaseChannel, Claimant
from portal.cases.services import CaseData, ClaimantData, ClaimData, EmployerData
from portal.cases.services.intake import (
    case_accept,
    case_file,
    case_refuse,
    case_request_material,
    case_route_to_mediation,
)
from portal.core.models import User
from portal.core.validators import complete_credit_code, complete_resident_id

_WORKER = complete_resident_id("44010519880615231")
_SITE = (
    "广州市海珠区新港建筑工程有限公司",
    complete_credit_code("91440105MA5K00011"),
    "广州市海珠区新港东路1000号",
)

# state, secret, channel, employer, claimants (name, ID, phone, address), claims, facts,
# mediation first
DEMO_FILINGS: list[dict[str, Any]] = [
    {
        "state": "filed",
        "secret": "DEMOFILE",
        "channel": CaseChannel.KIOSK,
        "employer": _SITE,
        "claimants": [("黄志明", _WORKER, "13560001001", "广州市海珠区瑞宝街12号")],
        "claims": [("unpaid_wages", "15600.00", "2026-07-01", "2026-09-30")],
        "facts": "申请人在被申请人的工地做木工，7月至9月工资共15600元一直未发，包工头失联。",
        "mediation": False,
    },
    {
        # The same worker against the same employer a few days later: flagged, not merged.
        "state": "filed",
        "secret": "DEMODUPL",
        "channel": CaseChannel.ONLINE,
        "employer": _SITE,
        "claimants": [("黄志明", _WORKER, "13560001002", "广州市海珠区瑞宝街12号")],
        "claims": [("unpaid_wages", "15600.00", "2026-07-01", "2026-09-30")],
        "facts": "同上次申请：木工工资三个月未发，这次在手机上又提交了一次。",
        "mediation": False,
    },
    {
        "state": "material_requested",
        "secret": "DEMOMATR",
        "channel": CaseChannel.ONLINE,
        "employer": (
            "广州海珠万家超市有限公司",
            complete_credit_code("91440105MA5K00022"),
            "广州市海珠区工业大道南88号",
        ),
        "claims": [("compensation", "12000.00", None, None)],
        "claimants": [
            (
                "罗美玲",
                complete_resident_id("45012219930402562"),
                "13560001003",
                "广州市海珠区南石头街5号",
            )
        ],
        "facts": "申请人在超市做收银员两年，被口头辞退，未支付经济补偿。",
        "mediation": False,
        "missing": "请补充：1. 劳动关系证明（工牌、工资条或考勤记录）；2. 被辞退时的聊天记录或通知。",
    },
    {
        "state": "accepted",
        "secret": "DEMOACPT",
        "channel": CaseChannel.KIOSK,
        "employer": (
            "广州市海珠区顺通快递服务有限公司",
            complete_credit_code("91440105MA5K00033"),
            "广州市海珠区昌岗中路66号",
        ),
        "claimants": [
            (
                "韦国强",
                complete_resident_id("45012219900101333"),
                "13560001004",
                "广州市海珠区昌岗街20号",
            ),
            (
                "蒙小燕",
                complete_resident_id("45012219920808244"),
                "13560001005",
                "广州市海珠区昌岗街20号",
            ),
        ],
        "claims": [
            ("overtime", "8800.00", "2026-03-01", "2026-08-31"),
            ("double_wages", "22000.00", "2026-01-01", "2026-08-31"),
        ],
        "facts": "两名快递员入职后一直未签书面劳动合同，每月加班约60小时未付加班费。",
        "mediation": False,
    },
    {
        "state": "mediation_pending",
        "secret": "DEMOMEDI",
        "channel": CaseChannel.KIOSK,
        "employer": (
            "广州海珠美味坊餐饮有限公司",
            complete_credit_code("91440105MA5K00044"),
            "广州市海珠区江南大道中200号",
        ),
        "claimants": [
            (
                "陈秀英",
                complete_resident_id("44010519870909462"),
                "13560001006",
                "广州市海珠区沙园街7号",
            )
        ],
        "claims": [("unpaid_wages", "6300.00", "2026-09-01", "2026-09-30")],
        "facts": "申请人在餐厅做洗碗工，9月工资未发。老板说资金紧张，申请人愿意先调解。",
        "mediation": True,
    },
    {
        "state": "refused",
        "secret": "DEMORFSD",
        "channel": CaseChannel.ONLINE,
        "employer": (
            "广州市海珠区佳美装修工作室",
            complete_credit_code("92440105MA5K00055"),
            "广州市海珠区赤岗北路15号",
        ),
        "claimants": [
            (
                "杨光",
                complete_resident_id("36012219750505571"),
                "13560001007",
                "广州市海珠区赤岗街3号",
            )
        ],
        "claims": [("other", "30000.00", None, None)],
        "facts": "申请人承包了工作室的装修工程，按工程量结算，工作室拖欠工程款三万元。",
        "mediation": False,
        "reason": "申请人与被申请人之间系承揽关系，不属于劳动人事争议处理范围，请向人民法院提起诉讼。",
    },
]


def seed(users: dict[str, User]) -> list[tuple[str, str, str]]:
    """Make the demo filings that are missing; (tracking number, state, secret) of each made."""
    arbitrator, admin = users["arb.arbitrator"], users["arb.admin"]
    made = []
    for spec in DEMO_FILINGS:
        phone = spec["claimants"][0][2]
        if Claimant.objects.filter(phone=phone, case__channel__in=PUBLIC_CHANNELS).exists():
            continue
        with transaction.atomic():
            case = _file(spec)
            if spec["state"] == "material_requested":
                case_request_material(actor=arbitrator, case=case, missing=spec["missing"])
            elif spec["state"] == "accepted":
                case_accept(actor=arbitrator, case=case, note="材料齐全，予以受理")
            elif spec["state"] == "mediation_pending":
                case_route_to_mediation(actor=admin, case=case)
            elif spec["state"] == "refused":
                case_refuse(actor=arbitrator, case=case, reason=spec["reason"])
        made.append((case.tracking_number or "", spec["state"], spec["secret"]))
    return made


def _file(spec: dict[str, Any]) -> Case:
    name, code, address = spec["employer"]
    data = CaseData(
        employer=EmployerData(name=name, credit_code=code, address=address),
        claimants=[
            ClaimantData(name=n, id_number=i, phone=p, address=a, is_representative=index == 0)
            for index, (n, i, p, a) in enumerate(spec["claimants"])
        ],
        claims=[
            ClaimData(
                kind=kind,
                amount=Decimal(amount),
                period_start=datetime.date.fromisoformat(start) if start else None,
                period_end=datetime.date.fromisoformat(end) if end else None,
                description="按工程量结算的工程款" if kind == "other" else "",
            )
            for kind, amount, start, end in spec["claims"]
        ],
        facts=spec["facts"],
        mediation_consent=spec["mediation"],
    )
    return case_file(data=data, channel=spec["channel"], secret=spec["secret"]).case
