"""Whole journeys (issue 16), each from the first screen with no typed URL: a filing from the
kiosk terminal to mediation, and on from there as each of its people sees it. Screenshots of
the screens on the way are kept under test-results/journeys/."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from portal.cases.models import Case, CaseChannel, CaseStatus, Employer
from portal.cases.services.intake import case_file
from portal.core.models import Role
from portal.mediation.models import Mediation, MediationStatus

from ..factories import case_data, member, valid_resident_id
from .conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = settings.BASE_DIR / "test-results" / "journeys"


@dataclass(frozen=True)
class Worker:
    name: str
    id_number: str
    phone: str


@dataclass
class People:
    """A browser per person: each sees the portal from their own screen."""

    kiosk: Page
    arbitrator: Page
    admin: Page
    mediator: Page
    employer: Page


@pytest.fixture
def people(browser: Browser, live_server, reference_data: None) -> Iterator[People]:
    member("arb.arbitrator", "arbitration", Role.ARBITRATOR)
    member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    member("arb.mediator", "arbitration", Role.MEDIATOR)
    contexts, pages = [], {}
    for name in ("kiosk", "arbitrator", "admin", "mediator", "employer"):
        viewport = {"width": 1080, "height": 1920} if name == "kiosk" else None
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages[name] = context.new_page()
    yield People(**pages)
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def publicly_filed_employer(name: str, address: str) -> Employer:
    """An employer the kiosk's search offers: one the portal first learnt of from an earlier
    claimant's own filing (one known only from staff's work is never offered)."""
    data = case_data(employer_name=name)
    data.employer.address = address
    return case_file(data=data, channel=CaseChannel.ONLINE).case.employer


def next_screen(page: Page) -> None:
    page.locator(".kiosk-actions").get_by_role("button", name="下一步").click()


def file_at_the_kiosk(
    page: Page, employer: Employer, workers: list[Worker], amount: str
) -> tuple[str, str]:
    """A filing made at the terminal from its first screen, mediation first; the tracking
    number and secret read off the receipt."""
    page.goto("/kiosk/terminal/")
    page.get_by_role("button", name=re.compile("开始新的申请")).click()
    page.get_by_label(re.compile("我同意仲裁委员会使用")).check()
    page.get_by_label(re.compile("我单独同意提供")).check()
    next_screen(page)
    for index, worker in enumerate(workers):
        if index:
            page.get_by_role("button", name="添加一名工友").click()
        page.locator(f"input[name=c{index}-name]").fill(worker.name)
        page.locator(f"input[name=c{index}-id_number]").fill(worker.id_number)
        page.locator(f"input[name=c{index}-phone]").fill(worker.phone)
        page.locator(f"[name=c{index}-address]").fill("广州市海珠区南洲路12号")
    shot(page, "kiosk-workers")
    next_screen(page)
    page.get_by_label("在已登记的用人单位中查找").fill(employer.name[6:10])
    page.get_by_role("button", name="查询", exact=True).click()
    page.get_by_role("button", name=re.compile(employer.name[6:10])).click()
    expect(page.get_by_label("统一社会信用代码")).to_have_value(employer.credit_code)
    # The kiosk offers a known employer's name and code only: the address is typed.
    page.get_by_label("用人单位地址").fill(employer.address)
    next_screen(page)
    page.get_by_label("请求事项").select_option("unpaid_wages")
    page.get_by_label("金额（元）").fill(amount)
    next_screen(page)
    page.get_by_label("事情经过").fill("2026年6月起被拖欠工资三个月，多次催讨未果。")
    next_screen(page)
    next_screen(page)  # no evidence
    page.get_by_label(re.compile("先调解")).check()
    next_screen(page)
    page.get_by_label(re.compile("以上填写的内容真实、完整")).check()
    shot(page, "kiosk-review")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的申请已收到")
    shot(page, "kiosk-receipt")
    tracking = page.get_by_test_id("tracking-number").inner_text().strip()
    secret = page.get_by_test_id("secret").inner_text().strip()
    page.get_by_role("button", name="完成并清除屏幕").click()
    return tracking, secret


def look_up_status(page: Page, tracking: str, secret: str) -> None:
    """The claimant at the terminal's first screen: "查询我的申请", number and secret."""
    page.goto("/kiosk/terminal/")
    page.get_by_role("link", name=re.compile("查询我的申请")).click()
    page.get_by_label("受理编号").fill(tracking)
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_be_visible()


def route_to_mediation(page: Page, tracking: str) -> None:
    """The arbitrator, from the intake queue."""
    nav(page, "受理审查")
    page.get_by_test_id("intake-queue").get_by_role("link", name=tracking).click()
    shot(page, "intake-review")
    page.get_by_role("button", name="转入调解").click()
    expect(page.locator(".messages")).to_be_visible()


def open_mediation_and_assign(page: Page, tracking: str) -> None:
    """The committee's admin finds the routed case on the mediation list, opens its page,
    opens the mediation and assigns the mediator, following only the links offered."""
    nav(page, "调解")
    awaiting = page.get_by_test_id("awaiting-mediation")
    shot(page, "mediation-list-awaiting")
    awaiting.get_by_role("link", name=tracking).click()
    page.get_by_role("link", name="打开案件").click()
    related = page.get_by_test_id("related-mediation")
    shot(page, "case-page-routed")
    related.get_by_role("button", name="发起调解").click()
    expect(page.locator(".messages")).to_contain_text("调解")
    page.get_by_role("link", name="打开案件").click()
    page.get_by_test_id("related-mediation").get_by_role("link", name="指派调解员").click()
    select = page.locator("#assign select[name=mediator]")
    expect(select).to_be_visible()
    values = [v for v in select.locator("option").evaluate_all("els => els.map(e => e.value)") if v]
    select.select_option(values[0])
    page.locator("#assign").get_by_role("button", name="指派").click()
    expect(page.get_by_test_id("status")).to_have_text("调解中")


def test_a_filing_whose_mediation_fails_returns_to_intake_without_retyping(
    people: People,
) -> None:
    employer = publicly_filed_employer(
        "广州市海珠区恒达建筑劳务有限公司", "广州市海珠区新港中路368号"
    )
    worker = Worker("陈志强", valid_resident_id(born="19880415"), "13912345678")
    tracking, secret = file_at_the_kiosk(people.kiosk, employer, [worker], "15000")

    log_in(people.arbitrator, "arb.arbitrator")
    route_to_mediation(people.arbitrator, tracking)
    log_in(people.admin, "arb.admin")
    open_mediation_and_assign(people.admin, tracking)

    # the mediator: told, finds it on the list, records the failure
    mediator = people.mediator
    log_in(mediator, "arb.mediator")
    nav(mediator, "调解")
    mediator.get_by_test_id("mediations").get_by_role("link", name=tracking).click()
    # the next step is a session or the agreement; the failure is among the other actions
    expect(mediator.locator("textarea[name=reason]")).to_be_hidden()
    mediator.get_by_test_id("more-moves").get_by_text("其他操作").click()
    mediator.locator("textarea[name=reason]").fill("被申请人明确拒绝调解。")
    mediator.get_by_role("button", name="转入仲裁").click()
    expect(mediator.get_by_test_id("failure")).to_contain_text("被申请人明确拒绝调解。")
    shot(mediator, "mediation-failed")

    # back in the intake queue, as filed: the arbitrator accepts it without retyping
    arbitrator = people.arbitrator
    nav(arbitrator, "受理审查")
    queue = arbitrator.get_by_test_id("intake-queue")
    expect(queue).to_contain_text("陈志强")
    queue.get_by_role("link", name=tracking).click()
    expect(arbitrator.locator("main")).to_contain_text("陈志强")
    expect(arbitrator.locator("main")).to_contain_text("15,000.00")
    arbitrator.get_by_role("button", name="受理立案").click()
    expect(arbitrator.locator(".messages")).to_contain_text("已受理立案")
    case = Case.objects.get(tracking_number=tracking)
    assert case.status == CaseStatus.ACCEPTED
    assert case.claimants.count() == 1 and case.claims.count() == 1
    assert Mediation.objects.get(case=case).status == MediationStatus.FAILED

    # what each sees at the end
    look_up_status(people.kiosk, tracking, secret)
    kiosk = people.kiosk
    expect(kiosk.get_by_test_id("status")).to_have_attribute("data-stage", "accepted")
    expect(kiosk.get_by_test_id("mediation")).to_contain_text("未达成")
    shot(kiosk, "claimant-after-failure")
    arbitrator.goto(arbitrator.url)  # reload the intake page
    nav(arbitrator, "案件")
    arbitrator.get_by_role("link", name=case.number).click()
    expect(arbitrator.locator(".page-head .status")).to_have_class(re.compile("status-accepted"))
    expect(arbitrator.get_by_test_id("related-mediation")).to_contain_text("调解不成")
    expect(arbitrator.get_by_test_id("history")).to_contain_text("调解不成，退回受理审查")
    shot(arbitrator, "case-page-after-failure")
    mediator.reload()
    expect(mediator.get_by_test_id("status")).to_have_text("调解不成")


def test_a_collective_claim_of_three_from_the_kiosk_to_a_paid_instalment_under_a_statement(
    people: People,
) -> None:
    employer = publicly_filed_employer(
        "广州市海珠区宏图建筑劳务有限公司", "广州市海珠区江南大道中88号"
    )
    workers = [
        Worker("李大山", valid_resident_id(born="19910101"), "13800000001"),
        Worker("王二河", valid_resident_id(born="19920202"), "13800000002"),
        Worker("赵小林", valid_resident_id(born="19900303"), "13800000003"),
    ]
    tracking, secret = file_at_the_kiosk(people.kiosk, employer, workers, "36000")
    case = Case.objects.get(tracking_number=tracking)
    assert case.claimants.count() == 3 and case.is_collective

    log_in(people.arbitrator, "arb.arbitrator")
    route_to_mediation(people.arbitrator, tracking)
    log_in(people.admin, "arb.admin")
    open_mediation_and_assign(people.admin, tracking)

    # the mediator drafts the agreement with each worker's share, and the parties agree
    mediator = people.mediator
    log_in(mediator, "arb.mediator")
    nav(mediator, "调解")
    mediator.get_by_test_id("mediations").get_by_role("link", name=tracking).click()
    today = timezone.localdate()
    later = today + datetime.timedelta(days=30)
    shot(mediator, "mediation-next-step")
    mediator.locator("input[name=total_amount]").fill("30000.00")
    mediator.locator("select[name=payment_method]").select_option("bank_transfer")
    mediator.locator("textarea[name=instalments]").fill(
        f"{today:%Y-%m-%d} 15000.00\n{later:%Y-%m-%d} 15000.00"
    )
    shares = mediator.locator("textarea[name=shares]")
    expect(shares).to_have_value(re.compile("李大山"))  # the workers' names are written in
    shares.fill("李大山 12000.00\n王二河 10000.00\n赵小林 8000.00")
    mediator.get_by_role("button", name="保存调解协议").click()
    expect(mediator.get_by_test_id("shares")).to_contain_text("王二河")
    mediator.get_by_role("button", name="双方同意：以调解协议结案").click()
    expect(mediator.get_by_test_id("status")).to_have_text("已达成调解协议")
    shot(mediator, "mediation-agreed")

    # the claimant confirms on the status page
    kiosk = people.kiosk
    look_up_status(kiosk, tracking, secret)
    expect(kiosk.get_by_test_id("status")).to_have_attribute("data-stage", "agreement")
    expect(kiosk.get_by_test_id("shares")).to_contain_text("赵小林")
    shot(kiosk, "claimant-agreement")
    kiosk.get_by_role("button", name="我确认此协议").click()
    expect(kiosk.get_by_test_id("claimant-confirmed")).to_have_text("您已确认协议。")
    kiosk.get_by_role("button", name="完成并清除屏幕").click()

    # the employer, through the link the mediator copies from the page
    mediator.get_by_role("button", name="生成用人单位一次性确认链接").click()
    message = mediator.locator(".messages").inner_text()
    link = re.search(r"https?://\S+/mediation/confirm/[\w-]+/", message)
    assert link is not None, message
    employer_page = people.employer
    employer_page.goto(link.group(0))
    expect(employer_page.get_by_test_id("shares")).to_contain_text("李大山")
    employer_page.locator("input[name=representative]").fill("项目经理孙强")
    employer_page.locator("input[name=credit_code]").fill(employer.credit_code)
    shot(employer_page, "employer-confirm")
    employer_page.get_by_role("button", name="代表用人单位确认").click()
    expect(employer_page.get_by_test_id("done")).to_be_visible()

    # the committee confirms with a 调解书, from its mediation list
    arbitrator = people.arbitrator
    nav(arbitrator, "调解")
    arbitrator.get_by_test_id("mediations").get_by_role("link", name=tracking).click()
    arbitrator.get_by_role("button", name="仲裁审查确认并出具调解书").click()
    expect(arbitrator.get_by_test_id("statement")).to_contain_text("穗海劳人仲调字")

    # the mediator records the first instalment as paid
    mediator.reload()
    mediator.locator("input[name=paid_on]").first.fill(f"{today:%Y-%m-%d}")
    mediator.get_by_role("button", name="记录付款").first.click()
    expect(mediator.locator(".messages")).to_contain_text("已记录付款")
    expect(mediator.get_by_test_id("shares")).to_contain_text("6,000.00")
    shot(mediator, "mediation-paid")

    # what each sees at the end: the claimant — confirmed, the paid instalment, their shares,
    # the 调解书 to download
    look_up_status(kiosk, tracking, secret)
    expect(kiosk.get_by_test_id("status")).to_have_attribute("data-stage", "confirmed_by_committee")
    expect(kiosk.get_by_test_id("status")).to_contain_text("确认")
    expect(kiosk.get_by_test_id("instalment-1")).to_contain_text("已支付")
    expect(kiosk.get_by_test_id("instalment-2")).not_to_contain_text("已支付")
    # 赵小林's part of the first 15,000.00: 8,000 of 30,000
    expect(kiosk.get_by_test_id("shares")).to_contain_text("4,000.00")
    for worker in workers:
        expect(kiosk.locator("main")).not_to_contain_text(worker.id_number[-4:])
        expect(kiosk.locator("main")).not_to_contain_text(worker.phone)
    shot(kiosk, "claimant-confirmed")
    with kiosk.expect_download() as download:
        kiosk.get_by_test_id("document-mediation_statement").click()
    path = download.value.path()
    assert path is not None and path.read_bytes().startswith(b"%PDF")

    # the committee: the case is closed (settled), not 调解中; its mediation confirmed
    admin = people.admin
    nav(admin, "案件")
    admin.get_by_role("link", name=tracking).click()
    expect(admin.locator(".page-head .status")).to_have_class(re.compile("status-closed"))
    expect(admin.get_by_test_id("related-mediation")).to_contain_text("已确认")
    history = admin.get_by_test_id("history")
    expect(history).to_contain_text("调解协议经确认，结案")
    expect(history).to_contain_text("申请人（状态查询） 下载了文书")
    shot(admin, "case-page-settled")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    # the employer's link was good for one use
    assert employer_page.goto(link.group(0)).status == 404
