"""A room is never booked twice at once: on PostgreSQL an exclusion constraint over the time
range (btree_gist lets the room's id share the GiST index with the range). SQLite has no such
constraint; there the service checks inside its transaction and writers run one at a time.

Also seeds the deadline policy of action items (its due date is chosen in the minutes)."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

CONSTRAINT = "meeting_room_no_double_booking"


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def room_constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=CONSTRAINT,
        expressions=[
            # [start, end): a meeting ending at 10:00 and one starting at 10:00 do not overlap.
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
            ("room", RangeOperators.EQUAL),
        ],
        condition=models.Q(status__in=["scheduled", "closed"], room__isnull=False),
    )


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("meetings", "Meeting"), room_constraint())


def remove_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("meetings", "Meeting"), room_constraint())


# The action items' policy as the portal first shipped it, frozen here whatever
# portal.meetings.models says later.
ACTION_ITEM_POLICY = "meeting.action_item"
ACTION_ITEM_POLICY_DEFAULTS = {
    "name": "会议纪要事项办理",
    "days": 30,
    "unit": "calendar",
    "legal_basis": "三方协作机制·联席会议纪要",
}


def seed_policy(apps, schema_editor):
    apps.get_model("core", "DeadlinePolicy").objects.get_or_create(
        key=ACTION_ITEM_POLICY, defaults=ACTION_ITEM_POLICY_DEFAULTS
    )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("core", "0003_seed_deadline_policies")]
    operations = [
        BtreeGistExtension(),  # a no-op on other databases
        migrations.RunPython(add_constraint, remove_constraint),
        migrations.RunPython(seed_policy, migrations.RunPython.noop),
    ]
