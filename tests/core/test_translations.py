"""The Chinese catalogue is complete and current, and the main pages speak Chinese.

Refresh the catalogues after changing UI strings:
    .venv/bin/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=bench
then translate every new entry in locale/zh_Hans/LC_MESSAGES/django.po.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation.reloader import translation_file_changed

from ..conftest import require
from ..factories import make_case

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
# What `makemessages` must not scan: the same list as the refresh command above.
NOT_SCANNED = {".venv", "tests", "bench", "locale", "var", "test-results", "node_modules"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
# ASCII words that may stand in a Chinese page: file formats, a hash name, the language option.
ALLOWED_WORDS = {"PDF", "JPEG", "PNG", "SHA", "English"}


def catalogue(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def keys(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in live_entries(po)}


def test_every_chinese_entry_is_translated_and_none_is_fuzzy() -> None:
    po = catalogue(ZH_PO)
    untranslated = [
        entry.msgid
        for entry in live_entries(po)
        if not (entry.msgstr or all(entry.msgstr_plural.values() or [""]))
    ]
    fuzzy = [entry.msgid for entry in live_entries(po) if "fuzzy" in entry.flags]
    assert len(live_entries(po)) > 100
    assert untranslated == []
    assert fuzzy == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "zh_Hans"


def test_chinese_translations_keep_their_placeholders() -> None:
    wrong = [
        entry.msgid
        for entry in live_entries(catalogue(ZH_PO))
        for translation in (list(entry.msgstr_plural.values()) or [entry.msgstr])
        if set(PLACEHOLDER.findall(entry.msgid)) != set(PLACEHOLDER.findall(translation))
    ]
    assert wrong == []


def test_english_and_chinese_catalogues_hold_the_same_messages() -> None:
    assert keys(catalogue(EN_PO)) == keys(catalogue(ZH_PO))
    assert [entry.msgid for entry in live_entries(catalogue(EN_PO)) if "fuzzy" in entry.flags] == []


def test_the_catalogue_holds_every_message_of_the_code(tmp_path: Path, monkeypatch) -> None:
    """Extract the messages again into a scratch copy of the project (symlinks) and compare."""
    require("xgettext", shutil.which("xgettext") is not None)
    project = tmp_path / "project"
    project.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name.startswith(".") or entry.name in NOT_SCANNED:
            continue
        (project / entry.name).symlink_to(entry)
    (project / "locale").mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [project / "locale"])

    call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)

    extracted = keys(catalogue(project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = keys(catalogue(ZH_PO))
    missing = sorted(msgid for _ctx, msgid in extracted - committed)
    stale = sorted(msgid for _ctx, msgid in committed - extracted)
    assert missing == [], "run makemessages (see this module's docstring) and translate these"
    assert stale == [], "run makemessages (see this module's docstring) to drop these"


# --- the pages themselves -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_messages() -> None:
    """Compile the catalogues when a .mo is missing or older than its .po (`make test` does it
    first; a bare `pytest` run may not have), then drop Django's cached translations."""
    stale = [
        po
        for po in LOCALE.glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        require("msgfmt", shutil.which("msgfmt") is not None)
        call_command("compilemessages", locale=["zh_Hans", "en"], verbosity=0)
        translation_file_changed(None, Path("django.mo"))


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and the labelling attributes."""

    LABELS = ("aria-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(value or "" for name, value in attrs if name in self.LABELS)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Words of three or more letters; codes such as 91440105MA... are not words.
    words = set(re.findall(r"(?<![\w-])[A-Za-z]{3,}(?![\w-])", text))
    return words - ALLOWED_WORDS


@pytest.fixture
def chinese_client(compiled_messages: None, arbitration_mediator, arbitration_case) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(arbitration_mediator)
    return client


@pytest.mark.django_db
def test_the_login_page_shows_no_english(compiled_messages: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(reverse("login"))
    html = response.content.decode()

    assert 'lang="zh-CN"' in html
    assert "登录" in html
    assert english_words(html) == set()


@pytest.mark.parametrize("page", ["core:home", "cases:list", "core:notifications"])
def test_a_main_page_shows_no_english(chinese_client: Client, page: str) -> None:
    html = chinese_client.get(reverse(page)).content.decode()

    assert "劳动争议三方协作平台" in html
    assert english_words(html) == set()


def test_the_case_page_shows_no_english_even_after_a_reveal(
    chinese_client: Client, arbitration_case
) -> None:
    detail = chinese_client.get(reverse("cases:detail", args=[arbitration_case.pk]))
    revealed = chinese_client.post(reverse("cases:reveal", args=[arbitration_case.pk]))

    for response in (detail, revealed):
        html = response.content.decode()
        assert "申请人" in html
        assert "办理记录" in html
        assert english_words(html) == set()


def test_a_collective_case_and_its_new_case_notification_are_chinese(
    compiled_messages: None, arbitration_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(agency_code="arbitration", actor=arbitration_admin, claimants=3)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(arbitration_admin)

    pages = [reverse(name) for name in ("core:home", "cases:list", "core:notifications")]
    for url in [*pages, reverse("cases:detail", args=[case.pk])]:
        html = client.get(url).content.decode()
        assert english_words(html) == set(), url
    assert "新案件" in client.get(reverse("core:notifications")).content.decode()


def test_english_is_one_switch_away(compiled_messages: None, arbitration_mediator) -> None:
    client = Client()
    client.force_login(arbitration_mediator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("cases:list")).content.decode()

    assert 'lang="en"' in html
    assert "Work list" in html
    assert "工作台" not in html
