"""Object-permission infrastructure on django-guardian.

Visibility is granted to per-agency groups, or to a person for a personal assignment, only
through these helpers, and only services call them. Loaders (`access_*`) in each app use
`scoped_queryset`, which never lets a superuser through: portal pages stay agency-scoped.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from .models import Agency, User

M = TypeVar("M", bound=models.Model)


def agency_group(agency: Agency) -> Group:
    if agency.group is None:
        raise ValueError(f"agency {agency.code} has no group (external agencies have none)")
    return agency.group


def grant_to_agency(agency: Agency, perms: list[str], obj: models.Model) -> None:
    group = agency_group(agency)
    for perm in perms:
        assign_perm(perm, group, obj)


def revoke_from_agency(agency: Agency, perms: list[str], obj: models.Model) -> None:
    group = agency_group(agency)
    for perm in perms:
        remove_perm(perm, group, obj)


def grant_to_user(user: User, perms: list[str], obj: models.Model) -> None:
    for perm in perms:
        assign_perm(perm, user, obj)


def revoke_from_user(user: User, perms: list[str], obj: models.Model) -> None:
    for perm in perms:
        remove_perm(perm, user, obj)


def scoped_queryset(user: User, perm: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The objects of `queryset` on which `user` holds `perm`, through their agency's group or
    personally; one query, no superuser shortcut, no global permissions."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return get_objects_for_user(
        user,
        perm,
        klass=queryset,
        with_superuser=False,
        accept_global_perms=False,
    )


def load_or_404(user: User, perm: str, queryset: QuerySet[M], pk: object) -> M:
    """The one answer for 'missing' and 'not yours': 404."""
    try:
        return scoped_queryset(user, perm, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
