from django.db import migrations

# The referral letters' formats as the portal shipped them, frozen here whatever the code says
# later. An agency whose admin has set a format keeps it.
FORMATS = {
    "bureau": "海人社移〔{year}〕{seq}号",
    "arbitration": "穗海劳人仲移〔{year}〕{seq}号",
    "procuratorate": "穗海检移〔{year}〕{seq}号",
}


def seed(apps, schema_editor):
    Agency = apps.get_model("core", "Agency")
    for code, template in FORMATS.items():
        Agency.objects.filter(code=code, referral_number_format="").update(
            referral_number_format=template
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_agency_referral_number_format")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
