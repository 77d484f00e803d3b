from django.db import migrations, models

# The committee's format as the portal shipped it; frozen here, whatever the code says later.
FORMATS = {"arbitration": "穗海劳人仲调字〔{year}〕第{seq}号"}


def seed(apps, schema_editor):
    Agency = apps.get_model("core", "Agency")
    for code, template in FORMATS.items():
        Agency.objects.filter(code=code, mediation_statement_number_format="").update(
            mediation_statement_number_format=template
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_seed_referral_number_formats")]
    operations = [
        migrations.AddField(
            model_name="agency",
            name="mediation_statement_number_format",
            field=models.CharField(
                blank=True,
                help_text="Placeholders: {year} and {seq}, e.g. 穗海劳人仲调字〔{year}〕第{seq}号",
                max_length=100,
                verbose_name="mediation statement number format",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
