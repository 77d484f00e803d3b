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
from tests.helpers import png_bytes

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


def test_a_mention_an_acknowledgement_and_a_reply_arrive_complete_with_presence(browser, server):
    """Everything a message carries reaches the other page live: the mention highlighted, the
    Acknowledge button (which goes once pressed), the quote of a reply, the controls, the
    counts; and each page shows who else is there."""
    from playwright.sync_api import expect

    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    case = make_case(agency_code="arbitration", actor=arb)
    case_co_handling_start(actor=admin, case=case, agency=agency("procuratorate"))
    arb_context, arb_page = browser_of(browser, server, arb)
    proc_context, proc_page = browser_of(browser, server, proc)
    try:
        for page in (arb_page, proc_page):
            page.goto(f"/messaging/case/{case.pk}/")
            page.evaluate("window.loadedOnce = true")
            page.locator("[data-joined]").wait_for()
        expect(arb_page.locator(".presence-list")).to_contain_text(str(proc))
        expect(proc_page.locator(".presence-list")).to_contain_text(str(arb))

        body = arb_page.get_by_label("消息", exact=True)
        body.fill("第一行")
        body.press("Shift+Enter")  # a new line, not a send
        expect(body).to_have_value("第一行\n")
        body.fill("请检察院核实并签收 ")
        body.press_sequentially(f"@{proc}")  # completion offers the person
        expect(arb_page.get_by_role("option", name=str(proc))).to_be_visible()
        body.press("Enter")  # chooses them
        expect(body).to_have_value(f"请检察院核实并签收 @{proc} ")
        arb_page.get_by_label("请求确认收到").check()
        body.press("Enter")  # sends
        asked = proc_page.locator(".message-item", has_text="请检察院核实并签收")
        expect(asked).to_have_class("message-item mentions-you")
        expect(asked.locator("mark.mention")).to_have_text(f"@{proc}")
        expect(asked.locator(".message-ack")).to_have_text("请求确认收到：0 / 1 人已签收")
        own = arb_page.locator(".message-item", has_text="请检察院核实并签收")
        expect(own.locator("summary", has_text="修改")).to_be_visible()  # the author's controls
        expect(own.locator(".message-read")).to_have_text("1 人已读")  # proc's page read it

        asked.get_by_role("button", name="签收").click()
        expect(asked.get_by_role("button", name="签收")).to_have_count(0)
        expect(own.locator(".message-ack")).to_have_text("请求确认收到：1 / 1 人已签收")

        asked.locator("summary", has_text="回复").click()
        asked.get_by_label("回复").fill("已核实，情况属实")
        asked.get_by_role("button", name="发送回复").click()  # a form post: proc's page reloads
        reply = arb_page.locator(".message-item", has_text="已核实，情况属实")
        expect(reply.locator(".message-quote")).to_contain_text("请检察院核实并签收")
        expect(reply.locator("summary", has_text="回复")).to_be_visible()
        expect(reply.locator("summary", has_text="修改")).to_have_count(0)  # not the author
        assert arb_page.evaluate("window.loadedOnce") is True  # no reload happened

        proc_context.close()
        expect(arb_page.locator(".presence-list")).not_to_contain_text(str(proc))
    finally:
        arb_context.close()
        proc_context.close()


def test_the_list_counts_a_message_and_a_file_in_a_referral_conversation_live(browser, server):
    from playwright.sync_api import expect

    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    referral = move(draft(arb, "procuratorate"), "send", arb)
    arb_context, arb_page = browser_of(browser, server, arb)
    proc_context, proc_page = browser_of(browser, server, proc)
    try:
        proc_page.goto(f"/messaging/referral/{referral.pk}/")
        proc_page.locator("[data-joined]").wait_for()
        arb_page.goto("/messaging/")
        arb_page.evaluate("window.loadedOnce = true")
        arb_page.locator("body[data-live=watching]").wait_for(state="attached")
        expect(arb_page.locator(".conversation-list .unread-count")).to_have_count(0)

        proc_page.get_by_label("消息", exact=True).fill("移送材料已收到")
        proc_page.get_by_role("button", name="发送", exact=True).click()
        expect(arb_page.locator(".conversation-list .unread-count")).to_have_text("1 条未读")
        proc_page.get_by_label("发送文件（PDF、JPEG 或 PNG）").set_input_files(
            files=[{"name": "回执.png", "mimeType": "image/png", "buffer": png_bytes()}]
        )
        proc_page.get_by_role("button", name="发送文件", exact=True).click()
        expect(arb_page.locator(".conversation-list .unread-count")).to_have_text("2 条未读")
        expect(arb_page.locator(".conversation-list .last-message")).to_contain_text("回执.png")
        assert arb_page.evaluate("window.loadedOnce") is True

        arb_page.locator(".conversation-list a").click()
        link = arb_page.get_by_role("link", name="回执.png")
        with arb_page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "回执.png"
        with open(download.value.path(), "rb") as saved:
            assert saved.read() == png_bytes()
    finally:
        arb_context.close()
        proc_context.close()


def test_a_page_that_missed_more_than_one_page_of_messages_shows_them_all_after_reconnecting(
    browser, server
):
    from playwright.sync_api import expect

    from portal.messaging.models import Message
    from portal.messaging.selectors import CATCH_UP_LIMIT
    from portal.messaging.services import conversation_for_case

    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    case = make_case(agency_code="arbitration", actor=arb)
    case_co_handling_start(actor=admin, case=case, agency=agency("procuratorate"))
    conversation = conversation_for_case(actor=arb, case_id=case.pk)
    context, page = browser_of(browser, server, proc)
    # Keep a handle on the page's socket, to drop it as a network failure would.
    page.add_init_script(
        "(() => { const Real = window.WebSocket; window.sockets = [];"
        " window.WebSocket = function (url, protocols) { const s = new Real(url, protocols);"
        " window.sockets.push(s); return s; }; window.WebSocket.prototype = Real.prototype; })();"
    )
    try:
        page.goto(f"/messaging/case/{case.pk}/")
        page.locator("[data-joined]").wait_for()
        missed = CATCH_UP_LIMIT + 37
        Message.objects.bulk_create(  # written while the page was away: no push reached it
            Message(conversation=conversation, author=arb, body=f"离线期间第{n}条")
            for n in range(1, missed + 1)
        )
        page.evaluate("window.sockets[window.sockets.length - 1].close()")
        page.locator("[data-joined]").wait_for(state="detached")
        page.locator("[data-joined]").wait_for(timeout=20_000)
        items = page.locator(".message-list .message-item")
        expect(items.filter(has_text=f"离线期间第{missed}条")).to_have_count(1)
        expect(items.filter(has_text="离线期间")).to_have_count(missed)
        # The page fetches the arrived messages' forms in batches: all of them come, and no
        # request is left in flight when the server stops.
        expect(items.locator("summary", has_text="回复")).to_have_count(missed, timeout=30_000)
    finally:
        context.close()
