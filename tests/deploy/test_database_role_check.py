"""The start-up check that the portal's processes do not connect as the tables' owner
(issue 17, item 8): `check --deploy` and every production web or socket process run it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.core.checks import app_does_not_own_its_tables, fail_on_deployment_errors

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_connecting_as_the_owner_of_the_tables_is_an_error(settings):
    # The test database's tables belong to the role the suite connects as: the owner.
    settings.PORTAL_SCHEMA_OWNER = False
    errors = app_does_not_own_its_tables()
    assert [error.id for error in errors] == ["portal.E001"]
    with pytest.raises(ImproperlyConfigured, match="owner"):
        fail_on_deployment_errors()


@pytest.mark.postgres
def test_migrate_says_it_is_the_owner_and_passes(settings):
    settings.PORTAL_SCHEMA_OWNER = True
    assert app_does_not_own_its_tables() == []


def test_the_embedded_default_has_no_roles_to_check(settings, monkeypatch):
    from django.db import connection

    settings.PORTAL_SCHEMA_OWNER = False
    monkeypatch.setattr(connection, "vendor", "sqlite")  # whichever database the suite runs on
    assert app_does_not_own_its_tables() == []


def test_the_check_runs_with_the_deployment_checks():
    from django.core import checks

    assert "portal_database_role" in checks.registry.registry.tags_available(deployment_checks=True)
