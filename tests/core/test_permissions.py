"""Object permissions granted to an agency's group."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import get_objects_for_user, get_perms

from portal.cases.models import Case
from portal.core.permissions import (
    agency_group,
    grant_to_agency,
    grant_to_user,
    permission_ids_of,
    scoped_queryset,
)

from ..factories import agency, make_case, member

pytestmark = pytest.mark.django_db

PERMS = ["cases.view_case", "cases.change_case"]


def test_granting_reads_the_permission_rows_and_inserts_every_grant_at_once(
    django_assert_num_queries,
):
    arbitration = agency("arbitration")
    case = make_case()

    with django_assert_num_queries(2):  # the permission ids, then one insert
        grant_to_agency(arbitration, PERMS, case)

    assert set(get_perms(agency_group(arbitration), case)) == {"view_case", "change_case"}


def test_a_grant_held_already_is_kept():
    arbitration = agency("arbitration")
    case = make_case()
    grant_to_agency(arbitration, PERMS, case)
    grant_to_agency(arbitration, PERMS, case)

    assert set(get_perms(agency_group(arbitration), case)) == {"view_case", "change_case"}
    assert sorted(permission_ids_of(case, PERMS)) == sorted(
        Permission.objects.filter(
            content_type__app_label="cases", codename__in=["view_case", "change_case"]
        ).values_list("pk", flat=True)
    )


def test_an_unknown_permission_is_refused():
    with pytest.raises(Permission.DoesNotExist):
        permission_ids_of(make_case(), ["cases.fly_case"])


def test_scoped_queryset_finds_the_same_rows_as_guardian_in_one_query(
    django_assert_num_queries,
):
    mediator = member("arb.m", "arbitration", "mediator")
    mediator.is_superuser = True  # no shortcut either way
    mediator.save()
    own, personal, _other = (
        make_case(),
        make_case(agency_code="bureau"),
        make_case(agency_code="bureau"),
    )
    grant_to_user(mediator, ["cases.view_case"], personal)
    expected = set(
        get_objects_for_user(
            mediator, "cases.view_case", klass=Case, with_superuser=False, accept_global_perms=False
        )
    )

    with django_assert_num_queries(1):
        found = set(scoped_queryset(mediator, "cases.view_case", Case.objects.all()))

    assert found == expected == {own, personal}
