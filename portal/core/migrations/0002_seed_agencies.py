from django.db import migrations

# The agencies as the portal first shipped them, frozen here whatever the code says later
# (portal.core.bootstrap runs this seed again for tests that flush the database).
# code, name, short name, kind, case number format, order
AGENCIES = [
    ("bureau", "广州市海珠区人力资源和社会保障局", "海珠区人社局", "member", "海人社监案〔{year}〕{seq}号", 1),
    ("arbitration", "广州市海珠区劳动人事争议仲裁委员会", "海珠区仲裁委", "member", "穗海劳人仲案字〔{year}〕第{seq}号", 2),
    ("procuratorate", "广州市海珠区人民检察院", "海珠区检察院", "member", "穗海检民〔{year}〕{seq}号", 3),
    ("court", "广州市海珠区人民法院", "海珠区法院", "external", "", 4),
    ("police", "广州市公安局海珠区分局", "海珠公安分局", "external", "", 5),
]


def seed(apps, schema_editor):
    Agency = apps.get_model("core", "Agency")
    Group = apps.get_model("auth", "Group")
    for code, name, short, kind, number_format, order in AGENCIES:
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
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
