"""The one way a flow's object changes state.

Each flow states its moves as data: a `MoveTable` of `Rule`s (from which states, to which state,
who may). A service makes a move in two steps:

    obj = TABLE.begin(actor, obj, Move.X, expected_version)   # lock, then check
    ...                                                        # the move's own work
    TABLE.finish(actor, obj, Move.X, fields=[...], after_commit=[...])

`begin` locks the row and checks, in this order and with one refusal per rule, the actor's role,
the page's version and the current state: someone who may never make the move is told so
before being told the page is stale, and a stale page is reported before a state that the
reload would explain. `finish` assigns the target state, raises the version, saves, writes the
audit event with the state before and after, and registers the side effects to run after
commit. Pages draw their buttons from `available()`, so no view or template repeats a rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.functional import Promise

from .audit import audit_record
from .errors import ApplicationError
from .models import User

T = TypeVar("T", bound=models.Model)

RoleRule = Callable[[User, Any], bool]
Condition = Callable[[Any], bool]


def internal(user: User | None, obj: Any) -> bool:
    """A move another flow's service makes on this object after checking its own role rule
    (a mediation starting moves its case): no person makes it from this object's page."""
    return True


def _always(obj: Any) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One move: the states it starts from, the state it leads to, who may make it and what
    someone who may not is told. `when` is a further condition on the object (a move of
    referrals to the police only); `target=None` keeps the state (a move that records)."""

    sources: frozenset[str]
    target: str | None
    allowed: RoleRule
    refusal: Promise | str
    when: Condition = field(default=_always)

    @property
    def is_internal(self) -> bool:
        return self.allowed is internal


def rule(
    sources: Iterable[str],
    target: str | None,
    allowed: RoleRule,
    refusal: Promise | str = "",
    when: Condition = _always,
) -> Rule:
    return Rule(frozenset(sources), target, allowed, refusal, when)


# Every table, by its name: the documentation and the tests walk them all.
TABLES: dict[str, MoveTable[Any]] = {}


class MoveTable(Generic[T]):
    """The moves of one kind of object, and the checks and bookkeeping every move shares."""

    def __init__(
        self,
        *,
        model: type[T],
        moves: Mapping[str, Rule],
        audit_prefix: str,
        stale: Promise | str,
        wrong_state: Promise | str,
        select_related: Sequence[str] = (),
        status_field: str = "status",
        name: str = "",
        audit_on: Callable[[T], models.Model] | None = None,
    ) -> None:
        self.model = model
        self.moves = dict(moves)
        self.audit_prefix = audit_prefix
        self.stale = stale
        self.wrong_state = wrong_state
        self.select_related = tuple(select_related)
        self.status_field = status_field
        self.versioned = any(f.name == "version" for f in model._meta.get_fields())
        # The history the move is written into: the object's own, or its parent's (a session's
        # moves belong to its mediation's history).
        self.audit_on = audit_on
        self.name = name or audit_prefix
        TABLES[self.name] = self

    # --- reads: what the pages ask ---------------------------------------------------------

    def __getitem__(self, move: str) -> Rule:
        return self.moves[move]

    def role_allows(self, user: User | None, obj: T, move: str) -> bool:
        """The role rule of `move` alone, not the state."""
        if user is None:
            return self.moves[move].is_internal
        return self.moves[move].allowed(user, obj)

    def possible(self, obj: T, move: str) -> bool:
        """Whether `move` starts from the object's current state (and its condition holds)."""
        rule = self.moves[move]
        return getattr(obj, self.status_field) in rule.sources and rule.when(obj)

    def can(self, user: User | None, obj: T, move: str) -> bool:
        return self.possible(obj, move) and self.role_allows(user, obj, move)

    def available(self, user: User, obj: T) -> set[str]:
        """The moves `user` may make now: the buttons of the object's page (internal moves,
        made by other flows, are never buttons)."""
        return {
            move
            for move, rule in self.moves.items()
            if not rule.is_internal and self.can(user, obj, move)
        }

    # --- writes: what the services do --------------------------------------------------------

    def lock(self, obj: T) -> T:
        """The object's row, locked for this transaction (of=self: not the rows joined to it)."""
        queryset = self.model._default_manager.select_for_update(of=("self",))
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset.get(pk=obj.pk)

    def check(self, actor: User | None, obj: T, move: str, expected_version: int | None) -> None:
        """Role, then version, then state; one refusal message for each."""
        rule = self.moves[move]
        if not self.role_allows(actor, obj, move):
            raise ApplicationError(str(rule.refusal))
        if self.versioned and expected_version is not None and obj.version != expected_version:  # type: ignore[attr-defined]
            raise ApplicationError(str(self.stale))
        if not self.possible(obj, move):
            status = getattr(obj, f"get_{self.status_field}_display")()
            raise ApplicationError(str(self.wrong_state) % {"status": status})

    def begin(
        self, actor: User | None, obj: T, move: str, expected_version: int | None = None
    ) -> T:
        """Lock the object and check the move. `expected_version` is the version the page
        showed; None where no page is involved (a task, a move made by another flow)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("a move runs inside the service's transaction")
        locked = self.lock(obj)
        self.check(actor, locked, move, expected_version)
        return locked

    def finish(
        self,
        actor: User | None,
        obj: T,
        move: str,
        *,
        fields: Sequence[str] = (),
        note: str = "",
        after_commit: Sequence[Callable[[], Any]] = (),
        actor_label: str = "",
    ) -> None:
        """Make the move: the target state, a new version, the audit event, the side effects
        once the transaction commits. `actor_label` names an actor without an account (the
        claimant) in the audit row."""
        rule = self.moves[move]
        before = getattr(obj, self.status_field)
        after = before if rule.target is None else rule.target
        setattr(obj, self.status_field, after)
        update = [self.status_field, *fields]
        if self.versioned:
            obj.version += 1  # type: ignore[attr-defined]
            update.append("version")
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            update.append("updated_at")
        obj.save(update_fields=list(dict.fromkeys(update)))
        audit_record(
            actor=actor,
            action=f"{self.audit_prefix}.{move}",
            obj=obj if self.audit_on is None else self.audit_on(obj),
            status_before=before,
            status_after=after,
            note=note,
            actor_label=actor_label,
        )
        for effect in after_commit:
            transaction.on_commit(effect)


def table_markdown(table: MoveTable[Any]) -> str:
    """The table as the documentation shows it, in English: each move, the states it starts
    from, the state it leads to and who may make it (the refusal says it in words)."""
    from django.utils import translation

    with translation.override("en"):
        labels = {
            value: str(label)
            for value, label in table.model._meta.get_field(table.status_field).choices or []
        }
        rows = [
            "| move | from | to | who may |",
            "|---|---|---|---|",
        ]
        for move, rule in table.moves.items():
            sources = ", ".join(labels[s] for s in sorted(rule.sources))
            target = "(unchanged)" if rule.target is None else labels[rule.target]
            who = (
                "internal: made by a service for the claimant, a task or another flow"
                if rule.is_internal
                else re.sub(r"%\((\w+)\)s", r"<\1>", str(rule.refusal))
            )
            rows.append(f"| {move} | {sources} | {target} | {who} |")
    return "\n".join(rows)
