"""The reference data every installation has: the agencies and the deadline policies.

Used by the data migrations (with historical models) and by tests that flush the database
(live-server tests), so both see the same rows."""

from __future__ import annotations

from typing import Any

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


def seed_agencies(agency_model: Any, group_model: Any) -> None:
    # Migration 0002 passes the historical model, which has no referral number format yet.
    has_referral_format = any(
        f.name == "referral_number_format" for f in agency_model._meta.get_fields()
    )
    has_statement_format = any(
        f.name == "mediation_statement_number_format" for f in agency_model._meta.get_fields()
    )
    for code, name, short, kind, number_format, order, referral_format in AGENCIES:
        group = (
            group_model.objects.get_or_create(name=f"agency:{code}")[0]
            if kind == "member"
            else None
        )
        defaults = {
            "name": name,
            "short_name": short,
            "kind": kind,
            "group": group,
            "case_number_format": number_format,
            "sort_order": order,
        }
        if has_referral_format:
            defaults["referral_number_format"] = referral_format
        if has_statement_format:
            defaults["mediation_statement_number_format"] = STATEMENT_NUMBER_FORMATS.get(code, "")
        agency_model.objects.update_or_create(code=code, defaults=defaults)


def seed_referral_number_formats(agency_model: Any) -> None:
    """Fill the referral number format of agencies that have none (an admin's stays)."""
    for code, *_rest, referral_format in AGENCIES:
        agency_model.objects.filter(code=code, referral_number_format="").update(
            referral_number_format=referral_format
        )


def seed_policies(policy_model: Any) -> None:
    for key, name, days, unit, basis in POLICIES:
        policy_model.objects.get_or_create(
            key=key, defaults={"name": name, "days": days, "unit": unit, "legal_basis": basis}
        )


def seed_reference_data() -> None:
    from django.contrib.auth.models import Group

    from .models import Agency, DeadlinePolicy

    seed_agencies(Agency, Group)
    seed_policies(DeadlinePolicy)
