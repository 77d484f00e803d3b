from django.core.management.color import no_style
from django.db import migrations, models
from django.db.models import Max


def continue_after_the_counter(apps, schema_editor):
    """The tickets start after the highest tracking number the per-agency counter handed out,
    so no number already on a receipt is drawn again."""
    NumberSequence = apps.get_model("core", "NumberSequence")
    TrackingTicket = apps.get_model("cases", "TrackingTicket")
    last = NumberSequence.objects.filter(series="filing").aggregate(last=Max("last"))["last"]
    if not last:
        return
    TrackingTicket.objects.create(id=last)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [TrackingTicket]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_claimant_secret_hash_case_decided_at_and_more"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrackingTicket",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("drawn_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(continue_after_the_counter, migrations.RunPython.noop),
    ]
