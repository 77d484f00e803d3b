"""Object-permission infrastructure on django-guardian.

Visibility is granted to per-agency groups, or to a person for a personal assignment, only
through these helpers, and only services call them. Loaders (`access_*`) in each app use
`scoped_queryset`, which never lets a superuser through: portal pages stay agency-scoped.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from .models import Agency, User

M = TypeVar("M", bound=models.Model)


def agency_group(agency: Agency) -> Group:
    if agency.group is None:
        raise ValueError(f"agency {agency.code} has no group (external agencies have none)")
    return agency.group


def grant_to_agency(agency: Agency, perms: list[str], obj: models.Model) -> None:
    """Give the agency's group `perms` on `obj`: with direct foreign-key permission tables one
    query for the permissions and one insert of all of them (a grant held already is kept)."""
    if agency.group_id is None:
        agency_group(agency)  # raises: an external agency has no group
    model: Any = get_group_obj_perms_model(obj)
    if model.objects.is_generic():
        for perm in perms:
            assign_perm(perm, agency_group(agency), obj)
        return
    permission_ids = permission_ids_of(obj, perms)
    model.objects.bulk_create(
        [
            model(permission_id=pk, group_id=agency.group_id, content_object=obj)
            for pk in permission_ids
        ],
        ignore_conflicts=True,
    )


def permission_ids_of(obj: models.Model, perms: list[str]) -> list[int]:
    """The ids of `perms` ("app.codename" or "codename") on `obj`'s model."""
    content_type = ContentType.objects.get_for_model(obj)
    codenames = frozenset(perm.rpartition(".")[2] for perm in perms)
    ids = list(
        Permission.objects.filter(content_type=content_type, codename__in=codenames)
        .order_by()  # the model's ordering would join the content types
        .values_list("pk", flat=True)
    )
    if len(ids) != len(codenames):
        raise Permission.DoesNotExist(f"{sorted(codenames)} on {content_type}")
    return ids


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
    model: Any = queryset.model
    user_perms: Any = get_user_obj_perms_model(model)
    group_perms: Any = get_group_obj_perms_model(model)
    content_type = ContentType.objects.get_for_model(model)
    app_label, _dot, codename = perm.rpartition(".")
    direct = not user_perms.objects.is_generic() and not group_perms.objects.is_generic()
    if not direct or app_label not in ("", content_type.app_label):
        return get_objects_for_user(
            user,
            perm,
            klass=queryset,
            with_superuser=False,
            accept_global_perms=False,
        )
    # Invariant: the same rows as guardian's get_objects_for_user, as one `pk IN (group grants
    # UNION ALL personal grants)` that PostgreSQL starts from the grant tables' indexes, with
    # only quoted table and column names formatted in (docs/performance.md, "Removed in
    # issue 15").
    groups: Any = user._meta.get_field("groups").remote_field.through
    quote = connection.ops.quote_name
    permission = (
        f"(SELECT {quote('id')} FROM {quote(Permission._meta.db_table)}"  # noqa: S608
        f" WHERE {quote('content_type_id')} = %s AND {quote('codename')} = %s)"
    )
    sql = (
        f"SELECT {quote('content_object_id')} FROM {quote(group_perms._meta.db_table)}"  # noqa: S608
        f" WHERE {quote('permission_id')} = {permission} AND {quote('group_id')} IN"
        f" (SELECT {quote('group_id')} FROM {quote(groups._meta.db_table)}"
        f" WHERE {quote('user_id')} = %s)"
        f" UNION ALL SELECT {quote('content_object_id')} FROM {quote(user_perms._meta.db_table)}"
        f" WHERE {quote('permission_id')} = {permission} AND {quote('user_id')} = %s"
    )
    params = (content_type.pk, codename, user.pk, content_type.pk, codename, user.pk)
    return queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611


def load_or_404(user: User, perm: str, queryset: QuerySet[M], pk: object) -> M:
    """The one answer for 'missing' and 'not yours': 404."""
    try:
        return scoped_queryset(user, perm, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
