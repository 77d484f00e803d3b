"""Object permissions granted to an agency's group: the permission rows are read once per
process, and again after a migrate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_perms

from portal.core.permissions import agency_group, grant_to_agency, permission_ids_of

from ..factories import agency, make_case

pytestmark = pytest.mark.django_db

PERMS = ["cases.view_case", "cases.change_case"]


def test_granting_reads_the_permission_rows_once(django_assert_num_queries):
    arbitration = agency("arbitration")
    first, second = make_case(), make_case()
    grant_to_agency(arbitration, PERMS, first)

    with django_assert_num_queries(1):  # the grant's insert alone
        grant_to_agency(arbitration, PERMS, second)

    assert set(get_perms(agency_group(arbitration), second)) == {"view_case", "change_case"}


def test_after_a_migrate_the_permission_rows_are_read_again():
    case = make_case()
    permission_ids_of(case, PERMS)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    with CaptureQueriesContext(connection) as captured:
        ids = permission_ids_of(case, PERMS)

    assert any('FROM "auth_permission"' in query["sql"] for query in captured.captured_queries)

    assert sorted(ids) == sorted(
        Permission.objects.filter(
            content_type__app_label="cases", codename__in=["view_case", "change_case"]
        ).values_list("pk", flat=True)
    )


def test_an_unknown_permission_is_refused():
    with pytest.raises(Permission.DoesNotExist):
        permission_ids_of(make_case(), ["cases.fly_case"])
