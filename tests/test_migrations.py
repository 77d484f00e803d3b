import importlib

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    # makemigrations --check exits non-zero when a model differs from its migrations.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_migrations_frozen_reference_data_is_what_seed_reference_data_makes():
    from django.contrib.auth.models import Group

    from portal.core.bootstrap import seed_reference_data
    from portal.core.models import Agency, DeadlinePolicy

    def rows():
        return (
            list(Agency.objects.order_by("code").values()),
            list(DeadlinePolicy.objects.order_by("key").values()),
            sorted(Group.objects.values_list("name", flat=True)),
        )

    migrated = rows()
    seed_reference_data()
    assert rows() == migrated


@pytest.mark.django_db
def test_a_flushed_database_gets_the_migrations_reference_data_back():
    from django.contrib.auth.models import Group

    from portal.core.bootstrap import seed_reference_data
    from portal.core.models import Agency, DeadlinePolicy

    # core's own policies: other apps' migrations seed theirs (meetings' room policy)
    core = importlib.import_module("portal.core.migrations.0003_seed_deadline_policies")
    core_keys = [policy[0] for policy in core.POLICIES]

    def rows():
        agencies = Agency.objects.order_by("code").values()
        policies = DeadlinePolicy.objects.filter(key__in=core_keys).order_by("key").values()
        return (
            [{k: v for k, v in a.items() if k not in ("id", "group_id")} for a in agencies],
            [{k: v for k, v in p.items() if k != "id"} for p in policies],
            sorted(Group.objects.values_list("name", flat=True)),
        )

    migrated = rows()
    DeadlinePolicy.objects.filter(key__in=core_keys).delete()
    Agency.objects.all().delete()
    Group.objects.all().delete()
    seed_reference_data()
    assert rows() == migrated
