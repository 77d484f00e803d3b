from django.db import migrations

from portal.core.bootstrap import seed_agencies


def seed(apps, schema_editor):
    seed_agencies(apps.get_model("core", "Agency"), apps.get_model("auth", "Group"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
