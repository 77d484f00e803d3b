"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

Run them in their own process (pytest-asyncio tests break after Playwright in one process):
    DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest tests/browser

The live server needs committed data, so these fixtures use `transactional_db`; its flush
between tests wipes the rows the data migrations seeded, hence `reference_data`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from portal.cases.models import Case
from portal.core.bootstrap import seed_reference_data
from portal.core.models import Role, User

from ..factories import make_case, member
from .nu_checker import VisitedPages

# Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
# from the test body; the ORM and the event loop never share work here, so it is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(settings.BASE_DIR) / "test-results"
PASSWORD = "pw-for-tests-2026"  # what tests.factories.UserFactory sets


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    # Keep each phase's report on the item so the page fixture knows whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def visited_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VisitedPages]:
    """Every HTML page the session's browsers receive; once the browser has closed, the Nu HTML
    checker reads them all in one run and any error it finds fails the session."""
    pages = VisitedPages(tmp_path_factory.mktemp("visited-pages"))
    yield pages
    errors = pages.errors()
    assert errors == [], "the Nu HTML checker found errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def browser(visited_pages: VisitedPages) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium is missing: apt-get install -y chromium ({CHROMIUM})")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        new_context = chromium.new_context

        def watched_context(*args, **kwargs):  # type: ignore[no-untyped-def]
            # Every context, the tests' own included, hands its pages to the checker.
            context = new_context(*args, **kwargs)
            visited_pages.watch(context)
            return context

        chromium.new_context = watched_context
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh Chinese-speaking browser context per test; a screenshot is kept on failure.
    Every page runs under the portal's Content-Security-Policy: a violation the browser reports
    on its console fails the test."""
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    violations: list[str] = []

    def heard(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", heard)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
    settle_and_close(context)
    assert violations == [], "the browser refused something under the Content-Security-Policy"


def settle_and_close(context) -> None:  # type: ignore[no-untyped-def]
    """Close a browser context once its pages' requests after load (the menu's unread count)
    have been answered: the live server must not be reading while the test flushes the
    database."""
    for open_page in context.pages:
        # A page that never settles (its timeout) is closed all the same.
        with contextlib.suppress(Exception):
            open_page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    seed_reference_data()


@pytest.fixture
def arb_mediator(reference_data: None) -> User:
    return member("arb.mediator", "arbitration", Role.MEDIATOR)


@pytest.fixture
def arb_case(reference_data: None) -> Case:
    arbitrator = member("arb.arbitrator", "arbitration", Role.ARBITRATOR)
    return make_case(agency_code="arbitration", actor=arbitrator)


@pytest.fixture
def log_in(page):  # type: ignore[no-untyped-def]
    """Log in through the real form, as a person would."""

    def do(username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do


@pytest.fixture
def switch_to(page, log_in):  # type: ignore[no-untyped-def]
    """Log out whoever is logged in, then log in as someone else."""

    def do(username: str) -> None:
        page.context.clear_cookies()
        log_in(username)

    return do
