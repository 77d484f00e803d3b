from django.db import migrations

from portal.core.bootstrap import seed_referral_number_formats


def seed(apps, schema_editor):
    seed_referral_number_formats(apps.get_model("core", "Agency"))


class Migration(migrations.Migration):
    dependencies = [("core", "0005_agency_referral_number_format")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
