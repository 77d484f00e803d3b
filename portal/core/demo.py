"""The demo agencies' people: users, memberships, appointments (seed_demo, portal.home)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from .bootstrap import seed_reference_data
from .models import Agency, AppointmentKind, Role, User
from .people import appointment_create, membership_set
from .validators import complete_credit_code, complete_resident_id

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
    return complete_resident_id(f"{region}{born}{serial}")


credit_code = complete_credit_code


def seed() -> dict[str, User]:
    """The agencies, the demo users (password PORTAL_DEMO_PASSWORD) and their appointments;
    the users by username."""
    seed_reference_data()
    users = _users()
    _appointments(users)
    return users


def _users() -> dict[str, User]:
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


def _appointments(users: dict[str, User]) -> None:
    today = timezone.localdate()
    arbitration = Agency.objects.get(code="arbitration")
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
