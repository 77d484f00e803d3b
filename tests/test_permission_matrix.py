"""Every URL the portal answers, and what each demo role gets from it.

The enumeration test walks the URL resolver: a new page without a row in MATRIX fails the
suite, so nobody adds a URL without deciding who may open it. Each row says what every demo
role (seed_demo's DEMO_USERS, plus a superuser without an agency and an anonymous visitor)
gets on an object of its own agency, on every other agency's object, and, for the special
mediator, on the one case another agency assigned to them. The Django admin is one group
(ADMIN below); its per-agency scoping is tested in tests/core/test_admin.py.

The data is built once for the module inside a transaction that is rolled back at the end;
each cell runs in its own savepoint, so a POST that changes something leaves no trace for the
next cell.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from portal.cases.models import Case, Evidence
from portal.cases.pdf import CASE_SUMMARY
from portal.cases.services import case_assign, case_evidence_add
from portal.core.documents import document_render, document_request
from portal.core.management.commands.seed_demo import ADMIN_MODEL_PERMS, DEMO_USERS
from portal.core.models import Agency, AppointmentKind, Document, Role, User
from portal.core.people import appointment_create

from .factories import UserFactory, make_case, member

pytestmark = pytest.mark.django_db

# --- outcomes ------------------------------------------------------------------------------------

OK = "200"
REDIRECT = "302"  # done, or sent on: a redirect that is neither the login page nor a refusal
NOT_FOUND = "404"
LOGIN = "login"  # 302 to the portal's login page with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page with ?next=
REFUSED = "refused"  # the service said no, and the page tells the user why (an error message)

STAFF = [username for username, *_ in DEMO_USERS]
SUPERUSER = "superuser"  # is_superuser, is_staff, and no agency
ANONYMOUS = "anonymous"
ROLES = [*STAFF, SUPERUSER, ANONYMOUS]
AGENCY_ADMINS = [
    username for username, _n, _a, roles, _t in DEMO_USERS if Role.AGENCY_ADMIN in roles
]
SPECIAL_MEDIATOR = "bureau.mediator"  # appointed by arbitration, assigned one arbitration case


def by_role(default: str, **exceptions: str) -> dict[str, str]:
    """Every role gets `default` except those named (a dot in a username is written `_`)."""
    table = dict.fromkeys(ROLES, default)
    for key, outcome in exceptions.items():
        role = key.replace("_", ".")
        assert role in table, f"unknown role {role}"
        table[role] = outcome
    return table


@dataclass(frozen=True)
class Row:
    """What a URL answers. `target` is the kind of object its kwargs name (None: no object).

    `own` is the outcome on an object of the role's own agency (for a URL without an object,
    the only outcome); `other` the outcome on every object of every other agency; `assigned`
    the special mediator's outcome on the case assigned to them."""

    method: str
    own: dict[str, str]
    target: str | None = None
    other: dict[str, str] = field(default_factory=dict)
    assigned: str | None = None
    data: Callable[[World, Case | None], dict[str, Any]] | None = None


def _case_row(
    method: str, own: dict[str, str], assigned: str, target: str = "case", **kwargs: Any
) -> Row:
    # Another agency's case (or its evidence, or its documents) is a 404 for every role;
    # anonymous visitors go to the login page before anything is looked up; the superuser has
    # no agency and so no "own" case.
    return Row(
        method,
        own={**own, SUPERUSER: "", ANONYMOUS: ""},
        target=target,
        other=by_role(NOT_FOUND, anonymous=LOGIN),
        assigned=assigned,
        **kwargs,
    )


def _evidence_data(world: World, case: Case | None) -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile("receipt.png", png_bytes(), "image/png"),
        "description": "工资条",
    }


def _assign_data(world: World, case: Case | None) -> dict[str, Any]:
    assert case is not None
    return {"assignee": world.assignee_for[case.pk].pk}


def _language_data(world: World, case: Case | None) -> dict[str, Any]:
    return {"language": "en", "next": "/cases/"}


MATRIX: dict[str, Row] = {
    # public views: they opt out of LoginRequiredMiddleware one by one
    "healthz": Row("GET", by_role(OK)),
    "login": Row("GET", by_role(REDIRECT, anonymous=OK)),  # a logged-in user goes to the work list
    "set_language": Row("POST", by_role(REDIRECT), data=_language_data),
    # the portal shell
    "logout": Row("POST", by_role(REDIRECT, anonymous=LOGIN)),
    "core:home": Row("GET", by_role(OK, anonymous=LOGIN)),
    "core:notifications": Row("GET", by_role(OK, anonymous=LOGIN)),
    "core:notifications-read": Row("POST", by_role(REDIRECT, anonymous=LOGIN)),
    "core:document-download": _case_row("GET", by_role(OK), assigned=OK, target="document"),
    # cases: the list shows only what the user may see; the form is open to every account and
    # the service decides who may register (tests/cases)
    "cases:list": Row("GET", by_role(OK, anonymous=LOGIN)),
    "cases:create": Row("GET", by_role(OK, leader=REFUSED, superuser=REFUSED, anonymous=LOGIN)),
    "cases:detail": _case_row("GET", by_role(OK), assigned=OK),
    # the leader reads but does not work a case: whole personal numbers and new evidence are
    # refused with a message
    "cases:reveal": _case_row("POST", by_role(OK, leader=REFUSED), assigned=OK),
    "cases:evidence-add": _case_row(
        "POST", by_role(REDIRECT, leader=REFUSED), assigned=REDIRECT, data=_evidence_data
    ),
    "cases:evidence-download": _case_row("GET", by_role(OK), assigned=OK, target="evidence"),
    "cases:summary-request": _case_row("POST", by_role(REDIRECT), assigned=REDIRECT),
    # only an administrator of the owning agency assigns
    "cases:assign": _case_row(
        "POST",
        {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)},
        assigned=REFUSED,
        data=_assign_data,
    ),
}

# The Django admin, one documented group. Anonymous visitors are sent to a login page:
# LoginRequiredMiddleware answers first, with the admin's login page for the site-wide views
# (Django marks them so) and the portal's for the model views; users without is_staff go to the
# admin's login page (and admin:logout sends them to the index, which does the same); agency
# admins see their own agency's rows only (tests/core/test_admin.py); the superuser sees all.
ADMIN_NAMESPACE = "admin"
ADMIN_PUBLIC = {"admin:login"}


# --- the world -----------------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    users: dict[str, User]
    cases: dict[str, Case]  # bureau, arbitration (unassigned), assigned, procuratorate
    evidence: dict[int, Evidence]  # by case pk
    documents: dict[int, Document]  # by case pk, rendered
    assignee_for: dict[int, User]  # a person the case's admin may assign, by case pk

    def own_case(self, role: str) -> Case | None:
        agency = self.users[role].agency if role in self.users else None
        if agency is None:
            return None
        return self.cases[agency.code]

    def other_cases(self, role: str) -> list[Case]:
        if role == ANONYMOUS:
            return list(self.cases.values())
        own = self.own_case(role)
        assigned = self.cases["assigned"] if role == SPECIAL_MEDIATOR else None
        mine = {own.agency_id if own else None}
        return [
            case for case in self.cases.values() if case.agency_id not in mine and case != assigned
        ]


def _build_world() -> World:
    users: dict[str, User] = {}
    admin_perms = list(Permission.objects.filter(codename__in=ADMIN_MODEL_PERMS))
    for username, _name, agency_code, roles, _title in DEMO_USERS:
        user = member(username, agency_code, *roles)
        if Role.AGENCY_ADMIN in roles:  # as seed_demo makes them
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(admin_perms)
        users[username] = user
    users[SUPERUSER] = UserFactory(username="root", is_superuser=True, is_staff=True)

    arbitration = Agency.objects.get(code="arbitration")
    today = timezone.localdate()
    for username, kind in (
        (SPECIAL_MEDIATOR, AppointmentKind.SPECIAL_MEDIATOR),
        # an appointment alone opens no case: the liaison was assigned none
        ("proc.liaison", AppointmentKind.LIAISON),
    ):
        appointment_create(
            actor=users["arb.admin"],
            user=users[username],
            appointing_agency=arbitration,
            kind=kind,
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=300),
        )

    creators = {
        "bureau": "bureau.inspector",
        "arbitration": "arb.arbitrator",
        "assigned": "arb.arbitrator",
        "procuratorate": "proc.liaison",
    }
    cases = {
        key: make_case(
            agency_code="arbitration" if key == "assigned" else key, actor=users[creator]
        )
        for key, creator in creators.items()
    }
    case_assign(actor=users["arb.admin"], case=cases["assigned"], assignee=users[SPECIAL_MEDIATOR])
    evidence = {
        case.pk: case_evidence_add(
            actor=users[creators[key]],
            case=case,
            upload=SimpleUploadedFile("photo.png", png_bytes(), "image/png"),
        )
        for key, case in cases.items()
    }
    documents = {}
    # The renderer is not what this module tests (tests/core does): a stand-in PDF keeps the
    # data quick to build and the matrix about access alone.
    with mock.patch("portal.core.documents.render_pdf", return_value=b"%PDF-1.7\n%stand-in\n"):
        for key, case in cases.items():
            requested = document_request(
                actor=users[creators[key]], owner=case, kind=CASE_SUMMARY.key
            )
            documents[case.pk] = document_render(document_id=requested.pk)
    assignee_for = {
        cases["bureau"].pk: users["bureau.inspector"],
        cases["arbitration"].pk: users["arb.mediator"],
        cases["assigned"].pk: users["arb.mediator"],
        cases["procuratorate"].pk: users["proc.liaison"],
    }
    return World(users, cases, evidence, documents, assignee_for)


@pytest.fixture(scope="module")
def world_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    location = tmp_path_factory.mktemp("matrix-private")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _private_storage(world_storage: None) -> None:
    """The module's files live as long as its data (this replaces conftest's per-test folder)."""


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, world_storage: None) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


# --- the enumeration -----------------------------------------------------------------------------


def url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) for every pattern; unnamed ones come back as 'ns:<route>'."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix)
        else:
            yield f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}", pattern


def test_every_url_pattern_has_a_row_in_the_matrix() -> None:
    portal = [name for name, _ in url_patterns() if not name.startswith(f"{ADMIN_NAMESPACE}:")]
    unnamed = [name for name in portal if "<unnamed" in name]
    missing = sorted(set(portal) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(portal))
    assert not unnamed, f"name these URL patterns and give them a row: {unnamed}"
    assert not missing, f"URL patterns without a row in MATRIX: {missing}"
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_every_row_says_what_every_role_gets() -> None:
    for name, row in MATRIX.items():
        assert set(row.own) == set(ROLES), name
        if row.target is not None:
            assert set(row.other) == set(ROLES), name
            assert row.assigned is not None, name


def test_the_admin_is_one_namespace_of_named_views() -> None:
    names = [name for name, _ in url_patterns() if name.startswith(f"{ADMIN_NAMESPACE}:")]
    assert "admin:index" in names
    assert "admin:cases_case_changelist" in names


# --- the cells -----------------------------------------------------------------------------------


def _cells() -> Iterator[Any]:
    for name, row in MATRIX.items():
        for role in ROLES:
            if row.target is None:
                yield pytest.param(name, role, "page", id=f"{name}-{role}")
                continue
            if row.own[role]:
                yield pytest.param(name, role, "own", id=f"{name}-{role}-own")
            yield pytest.param(name, role, "other", id=f"{name}-{role}-other")
            if role == SPECIAL_MEDIATOR:
                yield pytest.param(name, role, "assigned", id=f"{name}-{role}-assigned")


def _url(world: World, name: str, row: Row, case: Case | None) -> str:
    if row.target is None:
        return reverse(name)
    assert case is not None
    if row.target == "case":
        return reverse(name, kwargs={"pk": case.pk})
    if row.target == "evidence":
        return reverse(name, kwargs={"pk": case.pk, "evidence_pk": world.evidence[case.pk].pk})
    return reverse(name, kwargs={"pk": world.documents[case.pk].pk})


def outcome(response: HttpResponse) -> str:
    """The matrix's name for what the user got."""
    errors = [m for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]
    if errors and response.status_code in (200, 302):
        return REFUSED
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        if "next" in parse_qs(location.query):
            if location.path == reverse("login"):
                return LOGIN
            if location.path == reverse("admin:login"):
                return ADMIN_LOGIN
    return str(response.status_code)


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize(("name", "role", "target"), list(_cells()))
def test_matrix(world: World, name: str, role: str, target: str) -> None:
    row = MATRIX[name]
    if target == "page":
        cases: list[Case | None] = [None]
        expected = row.own[role]
    elif target == "own":
        cases, expected = [world.own_case(role)], row.own[role]
    elif target == "other":
        cases, expected = list(world.other_cases(role)), row.other[role]
    else:
        cases, expected = [world.cases["assigned"]], row.assigned or ""
    assert cases, "no object to try"
    got = {}
    for case in cases:
        client = client_for(world, role)
        url = _url(world, name, row, case)
        data = row.data(world, case) if row.data else {}
        with transaction.atomic():  # each request's changes are undone before the next
            send = client.get if row.method == "GET" else client.post
            response = send(url, data)
            transaction.set_rollback(True)
        got[url] = outcome(response)
    assert set(got.values()) == {expected}, got


# --- the rules the matrix stands on, spelled out ------------------------------------------------


def test_the_special_mediator_sees_the_assigned_case_and_no_other_arbitration_case(
    world: World,
) -> None:
    client = client_for(world, SPECIAL_MEDIATOR)
    assigned = world.cases["assigned"]
    unassigned = world.cases["arbitration"]
    assert client.get(reverse("cases:detail", kwargs={"pk": assigned.pk})).status_code == 200
    assert client.get(reverse("cases:detail", kwargs={"pk": unassigned.pk})).status_code == 404
    listed = {case.pk for case in client.get(reverse("cases:list")).context["cases"]}
    assert assigned.pk in listed
    assert unassigned.pk not in listed


def test_evidence_of_another_case_is_a_404_even_under_a_visible_case(world: World) -> None:
    client = client_for(world, "bureau.inspector")
    own = world.cases["bureau"]
    foreign = world.evidence[world.cases["arbitration"].pk]
    url = reverse("cases:evidence-download", kwargs={"pk": own.pk, "evidence_pk": foreign.pk})
    assert client.get(url).status_code == 404


def test_a_refused_reveal_tells_the_leader_why_and_records_nothing(world: World) -> None:
    client = client_for(world, "leader")
    case = world.cases["bureau"]
    response = client.post(reverse("cases:reveal", kwargs={"pk": case.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", kwargs={"pk": case.pk})
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert case.claimants.first().id_number not in response.content.decode()
    assert world.users["leader"].pk not in case_audit_actors(case, "case.reveal_personal_info")


def test_a_refused_assignment_tells_the_user_why_and_assigns_nobody(world: World) -> None:
    client = client_for(world, "bureau.inspector")
    case = world.cases["bureau"]
    response = client.post(
        reverse("cases:assign", kwargs={"pk": case.pk}),
        {"assignee": world.users["bureau.inspector"].pk},
        follow=True,
    )
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert not case.assignments.exists()


def test_a_superuser_without_an_agency_sees_no_case_in_the_portal(world: World) -> None:
    client = client_for(world, SUPERUSER)
    assert list(client.get(reverse("cases:list")).context["cases"]) == []
    home = client.get(reverse("core:home")).context
    assert list(home["recent_cases"]) == []
    assert list(home["open_deadlines"]) == []
    for case in world.cases.values():
        assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404


def case_audit_actors(case: Case, action: str) -> list[int]:
    from portal.core.audit import audit_history

    return list(audit_history(case).filter(action=action).values_list("actor_id", flat=True))


# --- the admin group -----------------------------------------------------------------------------


def _admin_urls() -> list[str]:
    """One URL for every named admin pattern (an object id that may or may not exist: the
    answer for anonymous and staff-less users comes before any lookup)."""
    samples = {"app_label": "core", "content_type_id": "1"}
    urls = []
    for name, pattern in url_patterns():
        if not name.startswith(f"{ADMIN_NAMESPACE}:") or pattern.name is None:
            continue
        kwargs = {key: samples.get(key, "1") for key in pattern.pattern.regex.groupindex}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def test_the_admin_sends_anonymous_visitors_to_a_login_page(world: World) -> None:
    client = Client()
    got = {name: outcome(client.get(url)) for name, url in _admin_urls()}
    refused = {name: value for name, value in got.items() if value not in (LOGIN, ADMIN_LOGIN)}
    assert refused == {name: OK for name in ADMIN_PUBLIC}


@pytest.mark.parametrize("role", [r for r in STAFF if r not in AGENCY_ADMINS])
def test_the_admin_sends_users_without_staff_status_to_the_admin_login(
    world: World, role: str
) -> None:
    client = client_for(world, role)
    got = {name: outcome(client.get(url)) for name, url in _admin_urls()}
    assert client.get(reverse("admin:logout")).url == reverse("admin:index")
    del got["admin:logout"]
    assert got == {name: OK if name in ADMIN_PUBLIC else ADMIN_LOGIN for name in got}


@pytest.mark.parametrize("role", [*AGENCY_ADMINS, SUPERUSER])
def test_agency_admins_and_the_superuser_reach_the_admin(world: World, role: str) -> None:
    assert client_for(world, role).get(reverse("admin:index")).status_code == 200
