"""Journey (b) of issue 16, in Chromium, from the first screen with no typed URL: a worker's
filing accepted at the intake desk, the arbitrator named, the award period extended by the
committee's head, the arbitration suspended and resumed, the award recorded (the 裁决书
rendered) and the case closed; at the end the case page and the claimant's status page say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from portal.cases.models import Arbitration, Case, CaseChannel, CaseStatus
from portal.cases.services.intake import case_file
from portal.core.models import Role, User

from ..factories import case_data, member
from .conftest import PASSWORD, RESULTS

pytestmark = pytest.mark.browser


@pytest.fixture
def arbitrator(reference_data: None) -> User:
    user = member("arb.arbitrator", "arbitration", Role.ARBITRATOR)
    user.full_name = "陈明"
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def head(reference_data: None) -> User:
    return member("arb.admin", "arbitration", Role.AGENCY_ADMIN)


@pytest.fixture
def second_page(browser, live_server) -> Iterator[Page]:
    """Another person's browser: the committee's head, then the claimant."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, username: str) -> None:
    """From the portal's first screen (the login page), as a person would."""
    page.goto("/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_case(page: Page, number: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="案件").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(number)


def make_move(page: Page, button: str, **fields: str) -> None:
    """Open the move's form in the arbitration card, fill it and submit it."""
    card = page.get_by_test_id("arbitration")
    card.locator("summary", has_text=button).click()
    form = card.locator("details[open] form")
    for label, value in fields.items():
        control = form.get_by_label(label)
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    form.get_by_role("button", name=button).click()


def test_a_filing_is_accepted_extended_suspended_resumed_and_closed_by_an_award(
    page: Page, second_page: Page, arbitrator: User, head: User
) -> None:
    data = case_data()
    data.claimants[0].name = "周海燕"
    filed = case_file(data=data, channel=CaseChannel.KIOSK)
    case = filed.case

    # the arbitrator accepts it at the intake desk
    sign_in(page, "arb.arbitrator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="受理审查").click()
    page.get_by_test_id("intake-queue").get_by_role("link", name=case.tracking_number).click()
    page.get_by_role("button", name="受理立案").click()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED

    # ... names themself and opens the arbitration from the case page
    open_case(page, case.number)
    card = page.get_by_test_id("arbitration")
    expect(card.get_by_role("heading", name="仲裁")).to_be_visible()
    expect(card.get_by_test_id("award-period")).to_contain_text("45日")
    make_move(page, "指定仲裁员并开始仲裁", 仲裁员="陈明")
    expect(page.locator(".messages")).to_contain_text("已指定仲裁员，案件进入仲裁。")
    expect(page.locator(".page-head .status")).to_have_text("仲裁中")
    due_before = page.get_by_test_id("award-period").locator("time").get_attribute("datetime")
    # an arbitrator may not extend: that needs the committee's head
    expect(card.locator("summary", has_text="延长审理期限")).to_have_count(0)

    # the committee's head extends the award period
    head_page = second_page
    sign_in(head_page, "arb.admin")
    open_case(head_page, case.number)
    make_move(head_page, "延长审理期限15日（经仲裁委员会主任批准）", 理由="案情复杂，需补充鉴定")
    expect(head_page.locator(".messages")).to_contain_text("审理期限已延长15日。")
    due_after = head_page.get_by_test_id("award-period").locator("time").get_attribute("datetime")
    assert due_after > due_before
    expect(head_page.get_by_test_id("arbitration")).to_contain_text("案情复杂，需补充鉴定")

    # the arbitrator suspends, then resumes
    page.reload()
    make_move(page, "中止仲裁（仲裁中止）", 理由="申请人住院治疗")
    expect(page.locator(".page-head .status")).to_have_text("仲裁中止")
    expect(page.get_by_test_id("award-period")).to_contain_text("暂停计算")
    make_move(page, "恢复仲裁")
    expect(page.locator(".page-head .status")).to_have_text("仲裁中")
    expect(page.get_by_test_id("award-period").locator("time")).to_have_attribute(
        "datetime", due_after
    )

    # the award, with a decision left empty first: refused beside its field, nothing saved
    make_move(page, "登记裁决并结案", 裁决结果=" ")
    expect(page.get_by_test_id("arbitration").locator("details[open]")).to_be_visible()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ARBITRATING
    page.get_by_test_id("arbitration").locator("details[open] form").get_by_label("裁决结果").fill(
        "被申请人于本裁决生效之日起五日内支付申请人工资人民币18600元。"
    )
    page.get_by_test_id("arbitration").locator("details[open] form").get_by_role(
        "button", name="登记裁决并结案"
    ).click()
    expect(page.locator(".messages")).to_contain_text("裁决已登记，案件已结案。")

    # what the case page says at the end
    record = Arbitration.objects.get(case=case)
    expect(page.locator(".page-head .status")).to_have_text("已结案")
    outcome = page.get_by_test_id("arbitration-outcome")
    expect(outcome).to_contain_text("裁决")
    expect(outcome).to_contain_text(record.award_number)
    expect(outcome.get_by_role("link", name=re.compile("裁决书"))).to_be_visible()
    expect(page.get_by_test_id("arbitration").locator("details")).to_have_count(0)
    history = page.get_by_test_id("history")
    for done in ("指定仲裁员并开始仲裁", "延长审理期限", "中止仲裁", "恢复仲裁", "登记裁决"):
        expect(history).to_contain_text(done)
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "arbitration-case-page.png"), full_page=True)
    pdf = page.request.get(outcome.get_by_role("link").get_attribute("href"))
    assert pdf.body().startswith(b"%PDF")

    # what the claimant's status page says, from the kiosk's first screen
    claimant = second_page
    claimant.goto("/kiosk/terminal/")
    claimant.get_by_role("link", name=re.compile("查询我的申请")).click()
    claimant.get_by_label("受理编号").fill(case.tracking_number)
    claimant.get_by_label("查询密码").fill(filed.secret)
    claimant.get_by_role("button", name="查询").click()
    expect(claimant.get_by_test_id("status")).to_have_text("已结案")
    expect(claimant.get_by_test_id("arbitration-outcome")).to_contain_text("裁决")
    expect(claimant.get_by_role("link", name=re.compile("裁决书"))).to_be_visible()
