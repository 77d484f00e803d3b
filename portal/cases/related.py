"""What else concerns a case, for its page: its mediation, referrals, meetings and
conversation live in apps above this one (the layers forbid importing them here), so each of
those apps registers a provider in its AppConfig.ready() and the case page asks them all.

A provider answers, for one reader and one case, a section of links and of next moves the
reader may make now (the moves come from the other app's move table or rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

from portal.core.models import User

from .models import Case


@dataclass(frozen=True)
class RelatedLink:
    label: str | Promise
    url: str
    detail: str | Promise = ""


@dataclass(frozen=True)
class RelatedMove:
    """A next move offered on the case page: a POST button (`post`) or a link to the form
    on the other app's page."""

    label: str | Promise
    url: str
    post: bool = False


@dataclass(frozen=True)
class RelatedSection:
    key: str
    title: str | Promise
    links: list[RelatedLink] = field(default_factory=list)
    moves: list[RelatedMove] = field(default_factory=list)
    empty: str | Promise = ""


Provider = Callable[[User, Case], RelatedSection | None]
_PROVIDERS: dict[str, tuple[int, Provider]] = {}


def related_register(key: str, provider: Provider, *, order: int) -> None:
    """Register (or replace) the provider of one section, shown in `order` on the page."""
    _PROVIDERS[key] = (order, provider)


def related_sections(user: User, case: Case) -> list[RelatedSection]:
    ordered = sorted(_PROVIDERS.values(), key=lambda item: item[0])
    sections = (provider(user, case) for _order, provider in ordered)
    return [section for section in sections if section is not None]
