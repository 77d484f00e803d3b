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
