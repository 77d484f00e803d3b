"""Clues for tests, registered and moved through the services like the portal does."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.clues import services
from portal.clues.models import Clue, ClueSource, ClueStatus, Conclusion, Industry, Squad
from portal.clues.services import ClueData
from portal.core.models import User

from ..factories import valid_credit_code

# The moves that lead from a registered clue to each status.
PATHS: dict[str, list[str]] = {
    ClueStatus.REGISTERED: [],
    ClueStatus.ASSIGNED: ["assign"],
    ClueStatus.CONTACTED: ["assign", "contact"],
    ClueStatus.CHECKED: ["assign", "contact", "check"],
    ClueStatus.CLOSED: ["assign", "contact", "check", "close"],
}


def squad(
    name: str = "南华西街劳监中队", streets: str = "南华西街,龙凤街", *members: User
) -> Squad:
    made, _created = Squad.objects.get_or_create(name=name, defaults={"streets": streets})
    made.members.add(*members)
    return made


def clue_data(
    *,
    source: str = ClueSource.HOTLINE,
    reference: str = "",
    street: str = "南华西街",
    received_at: datetime.datetime | None = None,
    employer_name: str = "广州市海珠区示例建筑劳务有限公司",
    credit_code: str | None = None,
    project_name: str = "海珠湾安置房二期",
    workers: int = 8,
    amount_owed: str = "96000.00",
    **kwargs: object,
) -> ClueData:
    return ClueData(
        source=source,
        source_reference=reference,
        received_at=received_at,
        employer_name=employer_name,
        employer_credit_code=credit_code if credit_code is not None else valid_credit_code(),
        project_name=project_name,
        main_contractor="广东示例建设集团有限公司",
        crew_leader="李建军",
        workers=workers,
        amount_owed=Decimal(amount_owed),
        industry=Industry.CONSTRUCTION,
        street=street,
        text="八名钢筋工反映十月至十一月工资未发。",
        **kwargs,  # type: ignore[arg-type]
    )


def register(actor: User, **kwargs: object) -> Clue:
    return services.clue_register(actor=actor, data=clue_data(**kwargs))  # type: ignore[arg-type]


def conclusion(code: str = "paid_in_full") -> Conclusion:
    return Conclusion.objects.get(code=code)


def move(clue: Clue, name: str, actor: User, **kwargs: object) -> Clue:
    """Make one move as `actor` with the clue's current version."""
    clue.refresh_from_db()
    defaults: dict[str, object] = {}
    if name in ("contact", "check"):
        defaults["note"] = "已电话联系投诉人。"
    if name == "close":
        defaults.update(conclusion=conclusion(), amount_recovered=Decimal("96000"), workers_paid=8)
    if name == "reopen":
        defaults["reason"] = "投诉人反映仍有两人未发。"
    if name == "supervise":
        defaults["instruction"] = "请于三个工作日内办结。"
    getattr(services, f"clue_{name}")(
        actor=actor, clue=clue, expected_version=clue.version, **{**defaults, **kwargs}
    )
    clue.refresh_from_db()
    return clue


def drive(clue: Clue, to: str, *, admin: User, worker: User) -> Clue:
    """Move a registered clue along the usual path: the admin assigns, the squad works."""
    for name in PATHS[to]:
        clue = move(clue, name, admin if name == "assign" else worker)
    assert clue.status == to
    return clue


def late(clue: Clue, days: int = 3) -> Clue:
    """Make the clue's closing date lie in the past (as if long received)."""
    Clue.objects.filter(pk=clue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days))
    clue.refresh_from_db()
    return clue
