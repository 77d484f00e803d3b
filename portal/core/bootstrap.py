"""The reference data every installation has: the agencies and the deadline policies.

The data migrations seed the same rows from their own frozen copies; this one is for seed_demo
and for tests that flush the database (live-server tests). tests/test_migrations.py checks
that the two agree."""

from __future__ import annotations

AGENCIES = [
    # code, name, short name, kind, case number format, order, referral number format
    (
        "bureau",
        "广州市海珠区人力资源和社会保障局",
        "海珠区人社局",
        "member",
        "海人社监案〔{year}〕{seq}号",
        1,
        "海人社移〔{year}〕{seq}号",
    ),
    (
        "arbitration",
        "广州市海珠区劳动人事争议仲裁委员会",
        "海珠区仲裁委",
        "member",
        "穗海劳人仲案字〔{year}〕第{seq}号",
        2,
        "穗海劳人仲移〔{year}〕{seq}号",
    ),
    (
        "procuratorate",
        "广州市海珠区人民检察院",
        "海珠区检察院",
        "member",
        "穗海检民〔{year}〕{seq}号",
        3,
        "穗海检移〔{year}〕{seq}号",
    ),
    ("court", "广州市海珠区人民法院", "海珠区法院", "external", "", 4, ""),
    ("police", "广州市公安局海珠区分局", "海珠公安分局", "external", "", 5, ""),
]

# The 调解书 numbers (the committee issues them).
STATEMENT_NUMBER_FORMATS = {"arbitration": "穗海劳人仲调字〔{year}〕第{seq}号"}

POLICIES = [
    # key, name, days, unit, legal basis
    ("case.acceptance", "仲裁申请受理审查", 5, "calendar", "《劳动争议调解仲裁法》第二十九条"),
    ("mediation.term", "调解期限", 15, "calendar", "《劳动争议调解仲裁法》第十四条"),
    ("court_confirmation.window", "申请司法确认", 30, "calendar", "《人民调解法》第三十三条"),
    ("arbitration.award", "仲裁裁决期限", 45, "calendar", "《劳动争议调解仲裁法》第四十三条"),
    ("referral.acknowledge", "移送签收", 3, "working", "三方协作机制·双向移送反馈"),
    ("referral.feedback", "移送办理反馈", 30, "calendar", "三方协作机制·双向移送反馈"),
    ("referral.supplement", "补充材料", 10, "calendar", "三方协作机制·双向移送反馈"),
]


def seed_reference_data() -> None:
    """Create or restore the agencies, their groups and the deadline policies (an admin's edit
    of a policy stays)."""
    from django.contrib.auth.models import Group

    from .models import Agency, DeadlinePolicy

    for code, name, short, kind, number_format, order, referral_format in AGENCIES:
        group = Group.objects.get_or_create(name=f"agency:{code}")[0] if kind == "member" else None
        Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": kind,
                "group": group,
                "case_number_format": number_format,
                "sort_order": order,
                "referral_number_format": referral_format,
                "mediation_statement_number_format": STATEMENT_NUMBER_FORMATS.get(code, ""),
            },
        )
    for key, name, days, unit, basis in POLICIES:
        DeadlinePolicy.objects.get_or_create(
            key=key, defaults={"name": name, "days": days, "unit": unit, "legal_basis": basis}
        )
