from django.db import migrations

from portal.core.bootstrap import seed_policies


def seed(apps, schema_editor):
    seed_policies(apps.get_model("core", "DeadlinePolicy"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_seed_agencies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
