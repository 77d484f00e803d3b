"""Named actors, shared fixtures, and the rule that service-dependent tests may skip on a
laptop but must fail in CI (PORTAL_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from portal.core.models import Role

from .factories import make_case, member

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"


def require(what: str, available: bool) -> None:
    """Skip without `what` on a bare machine; fail instead where services are required."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (PORTAL_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"needs {what}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        require("PostgreSQL", connection.vendor == "postgresql")
    if item.get_closest_marker("redis"):
        require("Redis", bool(settings.REDIS_URL))


@pytest.fixture(scope="session", autouse=True)
def _flush_may_empty_the_audit_table():
    """Transactional tests empty every table between tests (on SQLite, DELETE statements): the
    audit table's append-only triggers let that one statement list through, nothing else."""
    from unittest import mock

    from portal.core import audit_lock

    if connection.vendor != "sqlite":  # PostgreSQL empties tables with TRUNCATE
        yield
        return
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def unlocked_flush(self, sql_list):  # type: ignore[no-untyped-def]
        with audit_lock.unlocked():
            return flush(self, sql_list)

    with mock.patch.object(operations, "execute_sql_flush", unlocked_flush):
        yield


@pytest.fixture
def require_tool():
    def check(name: str) -> str:
        path = shutil.which(name)
        require(name, path is not None)
        return path or ""

    return check


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploads and documents of a test go to its own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portal.core.storage.PrivateStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


# --- named actors: the demo roles ---------------------------------------------------------------


@pytest.fixture
def bureau_inspector(db):
    return member("bureau.inspector", "bureau", Role.INSPECTOR)


@pytest.fixture
def bureau_admin(db):
    return member("bureau.admin", "bureau", Role.AGENCY_ADMIN)


@pytest.fixture
def bureau_mediator(db):
    return member("bureau.mediator", "bureau", Role.MEDIATOR)


@pytest.fixture
def arbitration_mediator(db):
    return member("arb.mediator", "arbitration", Role.MEDIATOR)


@pytest.fixture
def arbitrator(db):
    return member("arb.arbitrator", "arbitration", Role.ARBITRATOR)


@pytest.fixture
def arbitration_admin(db):
    return member("arb.admin", "arbitration", Role.AGENCY_ADMIN)


@pytest.fixture
def procuratorate_liaison(db):
    return member("proc.liaison", "procuratorate", Role.LIAISON)


@pytest.fixture
def procuratorate_admin(db):
    return member("proc.admin", "procuratorate", Role.AGENCY_ADMIN)


@pytest.fixture
def bureau_leader(db):
    return member("leader", "bureau", Role.LEADER)


@pytest.fixture
def outsider(db):
    """An account with no agency at all."""
    from .factories import UserFactory

    return UserFactory(username="outsider")


@pytest.fixture
def arbitration_case(db, arbitrator):
    return make_case(agency_code="arbitration", actor=arbitrator)


@pytest.fixture
def bureau_case(db, bureau_inspector):
    return make_case(agency_code="bureau", actor=bureau_inspector)
