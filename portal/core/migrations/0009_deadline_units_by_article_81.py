from django.db import migrations

# 《劳动人事争议仲裁办案规则》 art. 81: its 3-, 5- and 10-day periods are working days, its 15-
# and 45-day ones calendar days. The acceptance review (5 days, 调解仲裁法 art. 29 and 办案规则
# art. 30) shipped in calendar days: it is corrected here, unless an admin changed it since.
# Frozen data, whatever the code says later. key, days as shipped, unit as shipped, unit now.
CORRECTIONS = [("case.acceptance", 5, "calendar", "working")]
# The award period's extension by the committee's head (调解仲裁法 art. 43): a new policy.
# key, name, days, unit, legal basis
POLICIES = [
    (
        "arbitration.extension",
        "仲裁裁决期限延长",
        15,
        "calendar",
        "《劳动争议调解仲裁法》第四十三条（经仲裁委员会主任批准）",
    ),
]
# The committee's award numbers (裁决书), as the portal ships them.
AWARD_FORMATS = {"arbitration": "穗海劳人仲裁字〔{year}〕第{seq}号"}


def seed(apps, schema_editor):
    DeadlinePolicy = apps.get_model("core", "DeadlinePolicy")
    for key, days, shipped, unit in CORRECTIONS:
        DeadlinePolicy.objects.filter(key=key, days=days, unit=shipped).update(unit=unit)
    for key, name, days, unit, basis in POLICIES:
        DeadlinePolicy.objects.get_or_create(
            key=key, defaults={"name": name, "days": days, "unit": unit, "legal_basis": basis}
        )
    Agency = apps.get_model("core", "Agency")
    for code, template in AWARD_FORMATS.items():
        Agency.objects.filter(code=code, award_number_format="").update(
            award_number_format=template
        )


def unseed(apps, schema_editor):
    DeadlinePolicy = apps.get_model("core", "DeadlinePolicy")
    for key, days, shipped, unit in CORRECTIONS:
        DeadlinePolicy.objects.filter(key=key, days=days, unit=unit).update(unit=shipped)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_deadline_days_award_number_format")]
    operations = [migrations.RunPython(seed, unseed)]
