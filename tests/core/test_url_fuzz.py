"""No address answers 500: every URL pattern of the resolver, its path converters and the query
parameters the portal reads, fuzzed with hypothesis (issue 17, item 6).

Each pattern is one test. Its path is drawn converter by converter (numbers small enough to be
an object of the world below, and far too large for any column; text with slashes, NULs and
any script), its query from every parameter name a view reads (`request.GET.get("…")`, the
fields of every form bound to `request.GET`, the admin's own), and the request is a GET or a
POST by an agency admin, a working arbitrator, the read-only leader or an anonymous visitor.
The test client re-raises a view's exception, so a fault fails with the input that caused it.
The number of examples is bounded so the whole module runs in CI in well under a minute."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver
from django.urls.resolvers import RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.core.models import Role
from portal.messaging.services import conversation_for_case, message_send

from ..factories import make_case, member

pytestmark = pytest.mark.django_db

FUZZ = settings(
    database=None,  # nothing written into the work tree
    # The same draws on every run: CI's verdict is the code's, not the luck of one run's draw
    # (a draw that finds a fault becomes a test of its own, as the admin's empty _to_field did).
    derandomize=True,
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The admin is Django's own and has many more patterns of the same few views.
ADMIN_FUZZ = settings(FUZZ, max_examples=2)

# --- what a request may carry ---------------------------------------------------------------------

_READ = re.compile(r"""request\.(?:GET|POST)(?:\.get|\.getlist|\[)\(?["']([\w-]+)["']""")
_BOUND_FORM = re.compile(r"(\w+Form)\(request\.GET")
# The Django admin's list parameters (search, order, page, all, filters kept, popup, to field).
ADMIN_PARAMETERS = {"q", "o", "p", "all", "e", "_changelist_filters", "_popup", "_to_field"}


COMMON_PARAMETERS = {"next", "page", "q"}


@functools.cache
def parameters_read_in(module_name: str) -> frozenset[str]:
    """The parameter names the views of one module read from the query or the form: each
    `request.GET.get("…")` and the like, and the fields of each form bound to the query."""
    module = importlib.import_module(module_name)
    source = getattr(module, "__file__", None)
    if not source or not module_name.startswith("portal."):
        return frozenset(ADMIN_PARAMETERS)
    with open(source, encoding="utf-8") as file:
        text = file.read()
    names = set(_READ.findall(text))
    for form_name in _BOUND_FORM.findall(text):
        form = getattr(module, form_name)
        assert issubclass(form, forms.BaseForm), form_name
        names.update(form.base_fields)
    return frozenset(names | COMMON_PARAMETERS)


def view_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def test_the_parameters_are_those_the_views_read() -> None:
    assert {"ids", "username"} <= parameters_read_in("portal.messaging.views")
    # the case list's filter form is bound to the query
    assert "status" in parameters_read_in("portal.cases.views")


def numbers(ids: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ids),  # an object of the world
        st.integers(min_value=0, max_value=10**30),  # beyond any column
    ).map(str)


def values(ids: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        numbers(ids),
        st.text(max_size=40),
        st.sampled_from(["", "a/b", "2026-02-30", "-1", "1,2,x", "²", "１２", "%00", "../.."]),
        st.lists(numbers(ids), min_size=1, max_size=4).map(",".join),
    )


def converter_values(converter: Any, ids: list[int]) -> st.SearchStrategy[str]:
    if isinstance(converter, converters.IntConverter):
        return numbers(ids)
    if isinstance(converter, converters.PathConverter):
        return st.text(min_size=1, max_size=30)
    if isinstance(converter, converters.StringConverter):
        return st.one_of(
            st.text(min_size=1, max_size=30).filter(lambda value: "/" not in value),
            st.sampled_from(["arb.mediator", "arbitration+procuratorate", "bureau+x", "consent"]),
        )
    return st.from_regex(converter.regex, fullmatch=True)


_PLACEHOLDER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def route_values(pattern: Any, ids: list[int]) -> st.SearchStrategy[str]:
    """A path piece the pattern matches: its route's literal text and a value per converter,
    or, for a regular expression, a string it matches in full."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        pieces: list[st.SearchStrategy[str]] = []
        position = 0
        for match in _PLACEHOLDER.finditer(route):
            pieces.append(st.just(route[position : match.start()]))
            pieces.append(converter_values(pattern.converters[match["parameter"]], ids))
            position = match.end()
        pieces.append(st.just(route[position:]))
        return st.tuples(*pieces).map("".join)
    return st.from_regex(pattern.regex.pattern, fullmatch=True)


def every_pattern(
    patterns: list[URLPattern | URLResolver] | None = None,
    prefix: tuple[Any, ...] = (),
    namespace: str = "",
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from every_pattern(entry.url_patterns, (*prefix, entry.pattern), inner)
        else:
            name = f"{namespace}{entry.name or entry.pattern}"
            yield name, (*prefix, entry)


PATTERNS = sorted(every_pattern(), key=lambda item: item[0])


def path_values(chain: tuple[Any, ...], ids: list[int]) -> st.SearchStrategy[str]:
    pieces = (*chain[:-1], chain[-1].pattern)
    return st.tuples(*(route_values(piece, ids) for piece in pieces)).map(
        lambda pieces: "/" + quote("".join(pieces), safe="/")
    )


# --- the world ------------------------------------------------------------------------------------

ROLES = ("arb.admin", "arb.arbitrator", "leader", "anonymous")


@dataclass
class World:
    clients: dict[str, Client]
    ids: list[int]  # the primary keys of what it holds, for the numbers in an address


@pytest.fixture
def world(db: Any) -> World:
    users = {
        "arb.admin": member("arb.admin", "arbitration", Role.AGENCY_ADMIN),
        "arb.arbitrator": member("arb.arbitrator", "arbitration", Role.ARBITRATOR),
        "leader": member("leader", "bureau", Role.LEADER),
    }
    users["arb.admin"].is_staff = True
    users["arb.admin"].save(update_fields=["is_staff"])
    cases = [
        make_case(agency_code="arbitration", actor=users["arb.arbitrator"]),
        make_case(agency_code="bureau"),
    ]
    conversation = conversation_for_case(actor=users["arb.arbitrator"], case_id=cases[0].pk)
    message = message_send(actor=users["arb.arbitrator"], conversation=conversation, body="收到")
    ids = {case.pk for case in cases} | {user.pk for user in users.values()}
    ids |= {conversation.pk, message.pk, cases[0].employer_id}
    result = {"anonymous": Client()}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        result[role] = client
    return World(result, sorted(ids))


@pytest.mark.parametrize(
    "chain", [chain for _, chain in PATTERNS], ids=[name for name, _ in PATTERNS]
)
def test_no_address_answers_500(world: World, chain: tuple[Any, ...]) -> None:
    admin = str(chain[0]) == "admin/"

    @(ADMIN_FUZZ if admin else FUZZ)
    @given(
        path=path_values(chain, world.ids),
        query=st.dictionaries(
            st.sampled_from(sorted(parameters_read_in(view_module(chain[-1])))),
            values(world.ids),
            max_size=3,
        ),
        role=st.sampled_from(ROLES),
        method=st.sampled_from(["GET", "POST"]),
    )
    def attempt(path: str, query: dict[str, str], role: str, method: str) -> None:
        client = world.clients[role]
        send = client.get if method == "GET" else client.post
        response = send(path, query, secure=False)
        assert response.status_code < 500, (method, path, query, role)

    attempt()
