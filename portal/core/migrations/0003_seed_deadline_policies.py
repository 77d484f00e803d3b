from django.db import migrations

# The policies as the portal first shipped them, frozen here whatever the code says later.
# key, name, days, unit, legal basis
POLICIES = [
    ("case.acceptance", "仲裁申请受理审查", 5, "calendar", "《劳动争议调解仲裁法》第二十九条"),
    ("mediation.term", "调解期限", 15, "calendar", "《劳动争议调解仲裁法》第十四条"),
    ("court_confirmation.window", "申请司法确认", 30, "calendar", "《人民调解法》第三十三条"),
    ("arbitration.award", "仲裁裁决期限", 45, "calendar", "《劳动争议调解仲裁法》第四十三条"),
    ("referral.acknowledge", "移送签收", 3, "working", "三方协作机制·双向移送反馈"),
    ("referral.feedback", "移送办理反馈", 30, "calendar", "三方协作机制·双向移送反馈"),
    ("referral.supplement", "补充材料", 10, "calendar", "三方协作机制·双向移送反馈"),
]


def seed(apps, schema_editor):
    DeadlinePolicy = apps.get_model("core", "DeadlinePolicy")
    for key, name, days, unit, basis in POLICIES:
        DeadlinePolicy.objects.get_or_create(
            key=key, defaults={"name": name, "days": days, "unit": unit, "legal_basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_seed_agencies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
