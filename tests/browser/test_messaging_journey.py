"""Two browsers, two agencies, one case: each sees the other's messages and a status change
made by the other without reloading. The pages are served by a real ASGI server (daphne), as
WebSockets need; pytest-django's live server speaks only HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from portal.cases.services import case_co_handling_start
from portal.core.models import Role, User

from ..factories import agency, make_case, member
from ..messaging.servers import daphne_servers
from ..referrals.builders import draft, move

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(reference_data: None) -> Iterator[str]:
    with daphne_servers(1, redis=False) as (port,):
        yield f"http://127.0.0.1:{port}"


def browser_of(browser, server: str, user: User):  # type: ignore[no-untyped-def]
    """A signed-in Chinese-speaking browser of its own (a session made as the login makes it)."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context = browser.new_context(base_url=server, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": server}])
    return context, context.new_page()


def test_arbitration_and_procuratorate_talk_and_see_a_status_change_live(browser, server):
    from playwright.sync_api import expect

    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    case = make_case(agency_code="arbitration", actor=arb)
    case_co_handling_start(actor=admin, case=case, agency=agency("procuratorate"))
    referral = move(draft(arb, "procuratorate"), "send", arb)
    arb_context, arb_page = browser_of(browser, server, arb)
    proc_context, proc_page = browser_of(browser, server, proc)
    try:
        for page in (arb_page, proc_page):
            page.goto(f"/messaging/case/{case.pk}/")
            page.evaluate("window.loadedOnce = true")
            page.locator("[data-joined]").wait_for()  # the page's socket has joined

        arb_page.get_by_label("消息", exact=True).fill("请检察院协助核实用工情况")
        arb_page.get_by_role("button", name="发送", exact=True).click()
        expect(proc_page.locator(".message-list")).to_contain_text("请检察院协助核实用工情况")
        proc_page.get_by_label("消息", exact=True).fill("收到，今天回复")
        proc_page.get_by_role("button", name="发送", exact=True).click()
        expect(arb_page.locator(".message-list")).to_contain_text("收到，今天回复")
        assert arb_page.evaluate("window.loadedOnce") is True  # no reload happened

        arb_page.goto(f"/referrals/{referral.pk}/")
        expect(arb_page.get_by_test_id("status")).to_have_text("已移送，待签收")
        arb_page.evaluate("window.loadedOnce = true")
        arb_page.locator("body[data-live=watching]").wait_for(state="attached")
        proc_page.goto(f"/referrals/{referral.pk}/")
        proc_page.get_by_role("button", name="签收").click()
        expect(proc_page.get_by_test_id("status")).to_have_text("已签收")
        expect(arb_page.get_by_test_id("status")).to_have_text("已签收")
        assert arb_page.evaluate("window.loadedOnce") is True
    finally:
        arb_context.close()
        proc_context.close()


def test_an_edit_and_a_deletion_made_with_the_page_forms_reach_the_other_reader_live(
    browser, server
):
    from playwright.sync_api import expect

    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    case = make_case(agency_code="arbitration", actor=arb)
    case_co_handling_start(actor=admin, case=case, agency=agency("procuratorate"))
    arb_context, arb_page = browser_of(browser, server, arb)
    proc_context, proc_page = browser_of(browser, server, proc)
    try:
        arb_page.goto(f"/messaging/case/{case.pk}/")
        arb_page.locator("[data-joined]").wait_for()
        arb_page.get_by_label("消息", exact=True).fill("开庭定在周一")
        arb_page.get_by_role("button", name="发送", exact=True).click()
        expect(arb_page.locator(".message-list")).to_contain_text("开庭定在周一")
        arb_page.reload()  # the stored message now comes with its forms
        proc_page.goto(f"/messaging/case/{case.pk}/")
        proc_page.locator("[data-joined]").wait_for()
        item = proc_page.locator(".message-item").first
        expect(item.locator("summary", has_text="回复")).to_be_visible()
        expect(item.locator("summary", has_text="修改")).to_have_count(0)  # not the author

        arb_page.locator("summary", has_text="修改").click()
        arb_page.get_by_label("新内容").fill("开庭改到周二")
        arb_page.get_by_role("button", name="保存").click()
        expect(arb_page.locator(".message-list")).to_contain_text("开庭改到周二")
        expect(item.locator(".message-body")).to_contain_text("开庭改到周二")
        expect(item.locator("summary", has_text="回复")).to_be_visible()  # the forms stay

        arb_page.get_by_role("button", name="删除").click()
        expect(item.locator(".message-body")).to_have_text("该消息已撤回。")
        expect(item.locator("summary", has_text="回复")).to_have_count(0)
    finally:
        arb_context.close()
        proc_context.close()
