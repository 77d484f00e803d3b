"""Demo clues for seed_demo (portal.home): the Haizhu district's squads with their streets, and
a few hundred clues across sources, streets and industries, in every state, some late, some
closed with each conclusion; made through the services."""

from __future__ import annotations

import datetime
import importlib
import random
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from portal.core.models import User
from portal.core.validators import complete_credit_code

from . import services
from .models import Clue, ClueSource, Conclusion, Industry, Squad
from .services import ClueData

# 海珠区's eighteen streets, three to a squad.
SQUADS = [
    ("南华西街劳监中队", "南华西街,龙凤街,沙园街"),
    ("江南中街劳监中队", "江南中街,昌岗街,素社街"),
    ("海幢街劳监中队", "海幢街,滨江街,新港街"),
    ("赤岗街劳监中队", "赤岗街,江海街,瑞宝街"),
    ("琶洲街劳监中队", "琶洲街,官洲街,华洲街"),
    ("南石头街劳监中队", "南石头街,凤阳街,南洲街"),
]
EMPLOYERS = [
    ("广州市海珠区鸿运建筑劳务有限公司", Industry.CONSTRUCTION, "海珠湾安置房二期"),
    ("广东穗丰建设工程有限公司", Industry.CONSTRUCTION, "琶洲西区地下综合管廊"),
    ("广州海珠鑫达服装厂", Industry.GARMENTS, ""),
    ("广州市金利制衣有限公司", Industry.GARMENTS, ""),
    ("广州市海珠区粤味轩餐饮管理有限公司", Industry.CATERING, ""),
    ("广州市海珠区顺心物流有限公司", Industry.LOGISTICS, ""),
    ("广州市海珠区美佳家政服务有限公司", Industry.SERVICES, ""),
    ("广州市华南电子制造有限公司", Industry.MANUFACTURING, ""),
    ("广州市海珠区百惠商贸有限公司", Industry.RETAIL, ""),
]
SOURCES = (
    [ClueSource.HOTLINE] * 5
    + [ClueSource.PLATFORM] * 3
    + [
        ClueSource.PETITION,
        ClueSource.LETTER,
        ClueSource.PHONE,
        ClueSource.VISIT,
        ClueSource.PATROL,
    ]
)
COUNT = 300


def seed_reference_data() -> None:
    """The conclusions and the sources' clocks as the data migration seeds them (a flushed
    test database has lost them)."""
    module = importlib.import_module("portal.clues.migrations.0002_seed_conclusions_and_policies")
    module.seed(apps, None)


def seed(users: dict[str, User]) -> None:
    """Squads, then COUNT clues; nothing if the demo clues are there already."""
    if Clue.objects.filter(source_reference__startswith="DEMO").exists():
        return
    seed_reference_data()
    inspector, admin = users["bureau.inspector"], users["bureau.admin"]
    for order, (name, streets) in enumerate(SQUADS):
        squad, _created = Squad.objects.get_or_create(
            name=name, defaults={"streets": streets, "sort_order": order}
        )
        squad.members.add(inspector)  # the demo has one inspector: every squad's
    all_streets = [street for _name, line in SQUADS for street in line.split(",")]
    conclusions = list(Conclusion.objects.filter(active=True))
    chance = random.Random(18)  # the same demo every time
    now = timezone.now()
    for number in range(COUNT):
        employer, industry, project = chance.choice(EMPLOYERS)
        source = chance.choice(SOURCES)
        workers = chance.choice([1, 1, 2, 3, 5, 8, 12, 26])
        # Most clues are recent; some were received weeks ago and are, or were closed, late.
        days_ago = chance.choice([0, 1, 2, 3, 5, 8, 13, 21, 34, 55])
        code_body = f"91440105MA5C{EMPLOYERS.index((employer, industry, project)):05d}"
        clue = services.clue_register(
            actor=inspector,
            data=ClueData(
                source=source,
                source_reference=f"DEMO-{source.upper()}-{number:05d}",
                received_at=now - datetime.timedelta(days=days_ago, hours=chance.randint(0, 8)),
                employer_name=employer,
                employer_credit_code=complete_credit_code(code_body),
                project_name=project,
                main_contractor="广东省第五建筑工程有限公司" if project else "",
                crew_leader=chance.choice(["陈大勇", "刘二军", "黄立新"]) if project else "",
                workers=workers,
                amount_owed=Decimal(workers * chance.choice([3200, 4500, 6800, 9000])),
                industry=industry,
                street=chance.choice(all_streets),
                text=f"{workers}名劳动者反映{employer}拖欠{chance.choice(['一', '两', '三'])}个月工资。",
                anonymous=chance.random() < 0.2,
                complainant_name=chance.choice(["王小明", "李春花", "张建国", "周秀英"]),
            ),
        )
        _handle(clue, chance.randint(0, 5), conclusions, chance, admin, inspector)


def _handle(
    clue: Clue,
    steps: int,
    conclusions: list[Conclusion],
    chance: random.Random,
    admin: User,
    inspector: User,
) -> None:
    """Take the clue `steps` moves along its way (5: closed with a conclusion)."""

    def move(name: str, actor: User, **kwargs: object) -> None:
        clue.refresh_from_db()
        getattr(services, f"clue_{name}")(
            actor=actor, clue=clue, expected_version=clue.version, **kwargs
        )

    path = [
        ("assign", admin, {}),
        ("contact", inspector, {"note": "已电话联系反映人，了解欠薪情况。"}),
        ("check", inspector, {"note": "已到现场核查，约谈用人单位负责人。"}),
    ]
    for name, actor, kwargs in path[: min(steps, 3)]:
        move(name, actor, **kwargs)
    if steps < 4:
        return
    conclusion = chance.choice(conclusions)
    paid = {}
    if conclusion.records_payment:
        clue.refresh_from_db()
        paid = {
            "amount_recovered": clue.amount_owed or Decimal("1000"),
            "workers_paid": clue.workers,
        }
    move("close", inspector, conclusion=conclusion, text="已依法核处。", **paid)
