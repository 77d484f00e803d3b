"""Write each flow's move table into its page under docs/, between the markers
`<!-- moves:<prefix> -->` and `<!-- /moves -->`; `--check` only reports the pages that differ."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.core.transitions import TABLES, table_markdown


def load_tables() -> dict[str, Any]:
    """Every app's move tables: they register themselves when permissions.py is imported."""
    for config in apps.get_app_configs():
        if config.name.startswith("portal."):
            try:
                importlib.import_module(f"{config.name}.permissions")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.permissions":
                    raise
    return dict(TABLES)


def block(prefix: str, markdown: str) -> str:
    return f"<!-- moves:{prefix} -->\n{markdown}\n<!-- /moves -->"


def documented(text: str, prefix: str) -> str | None:
    """The table written in a page for `prefix`, markers included, or None."""
    match = re.search(rf"<!-- moves:{re.escape(prefix)} -->.*?<!-- /moves -->", text, re.S)
    return match.group(0) if match else None


def pages() -> dict[str, Path]:
    """The page that documents each table: the one whose markers name its prefix."""
    found: dict[str, Path] = {}
    for page in sorted((Path(settings.BASE_DIR) / "docs").glob("*.md")):
        for prefix in re.findall(r"<!-- moves:([a-z_]+) -->", page.read_text()):
            found[prefix] = page
    return found


class Command(BaseCommand):
    help = "Write the move tables of every flow into docs/ (or --check them)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        tables, where = load_tables(), pages()
        missing = sorted(set(tables) - set(where))
        if missing:
            raise CommandError(f"no page under docs/ has the markers for: {', '.join(missing)}")
        stale = []
        for prefix, table in sorted(tables.items()):
            page = where[prefix]
            text = page.read_text()
            wanted = block(prefix, table_markdown(table))
            if documented(text, prefix) != wanted:
                stale.append(f"{page.name} ({prefix})")
                if not check:
                    page.write_text(text.replace(documented(text, prefix) or wanted, wanted, 1))
        if check and stale:
            raise CommandError(f"move tables out of date: {', '.join(stale)}")
        self.stdout.write("written: " + (", ".join(stale) or "nothing changed"))
