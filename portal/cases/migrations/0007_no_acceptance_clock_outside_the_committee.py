from django.db import migrations

# The acceptance review (《劳动争议调解仲裁法》 art. 29) is the arbitration committee's: cases
# the bureau or the procuratorate registered were given its clock by mistake. Their open
# acceptance deadlines go (met ones stay, as history). Literal keys, frozen here.
POLICY = "case.acceptance"
COMMITTEE = "arbitration"


def remove(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("core", "Deadline")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type = ContentType.objects.filter(app_label="cases", model="case").first()
    if case_type is None:
        return
    elsewhere = Case.objects.exclude(agency__code=COMMITTEE).values_list("pk", flat=True)
    Deadline.objects.filter(
        content_type=case_type,
        policy__key=POLICY,
        met_at__isnull=True,
        object_id__in=list(elsewhere),
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_arbitration"),
        ("core", "0009_deadline_units_by_article_81"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
