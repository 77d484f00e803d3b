"""Names seeded by the data migrations, shown in the reader's language while unchanged."""

from __future__ import annotations

from django.utils.functional import Promise

# key: (the name as seeded, in Chinese; its translatable source)
SeededNames = dict[str, tuple[str, Promise]]


def seeded_label(names: SeededNames, key: str, current: str) -> str | Promise:
    """The translatable name of `key` if `current` is still the seeded one; an admin's own
    name as written."""
    seeded = names.get(key)
    if seeded is not None and seeded[0] == current:
        return seeded[1]
    return current
