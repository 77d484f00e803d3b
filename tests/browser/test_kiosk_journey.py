"""The E-law kiosk in Chromium: a worker files at a portrait kiosk screen (1080×1920) from the
first screen to the receipt, correcting one field on the way; an arbitrator accepts a filing
and the claimant sees it on the status page; an idle terminal wipes itself."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from portal.cases.models import Case, CaseChannel, CaseStatus
from portal.cases.services import case_create
from portal.cases.services.intake import case_file
from portal.core.models import Agency, Role, User

from ..factories import case_data, member, valid_credit_code, valid_resident_id

pytestmark = pytest.mark.browser

KIOSK_VIEWPORT = {"width": 1080, "height": 1920}


@pytest.fixture
def kiosk_page(browser, live_server, reference_data: None) -> Iterator[Page]:
    """A portrait kiosk screen, in Chinese, its own browser context (a shared terminal)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=KIOSK_VIEWPORT)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def arbitrator(reference_data: None) -> User:
    return member("arb.arbitrator", "arbitration", Role.ARBITRATOR)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "工资条.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def next_screen(page: Page) -> None:
    page.locator(".kiosk-actions").get_by_role("button", name="下一步").click()


def test_a_worker_files_at_the_kiosk_from_the_first_screen_to_the_receipt(
    kiosk_page: Page, photo: Path
) -> None:
    page = kiosk_page
    # an employer the kiosk may offer: first known from a claimant's own online filing
    known = replace(
        case_data(
            employer_name="广州市海珠区鸿运建筑劳务有限公司", credit_code=valid_credit_code()
        ),
        channel=CaseChannel.ONLINE,
    )
    employer = case_create(
        actor=None, agency=Agency.objects.get(code="arbitration"), data=known
    ).employer
    id_number = valid_resident_id(born="19850312")

    page.goto("/kiosk/terminal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("被拖欠工资？在这里申请劳动争议仲裁")
    page.get_by_role("button", name=re.compile("开始新的申请")).click()

    # 1. consent, with the keyboard: two separate boxes, then Enter on the next button
    expect(page.get_by_role("heading", level=1)).to_have_text("您的同意")
    expect(page.get_by_text("第 1 步，共 8 步")).to_be_visible()
    page.get_by_label(re.compile("我同意仲裁委员会使用")).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label(re.compile("我单独同意提供"))).to_be_checked()
    next_screen(page)

    # 2. the claimant, with one wrong digit in the ID number
    expect(page.get_by_role("heading", level=1)).to_have_text("申请人")
    page.get_by_label("姓名").fill("张桂兰")
    page.get_by_label("居民身份证号码").fill(
        id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
    )
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("现住址").fill("广州市海珠区南洲路12号")
    next_screen(page)
    error = page.locator("#id_c0-id_number_error")
    expect(error).to_have_text("居民身份证号码无效，请核对18位号码。")
    expect(page.get_by_label("居民身份证号码")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.get_by_label("姓名")).to_have_value("张桂兰")  # nothing typed is lost
    expect(page.get_by_label("现住址")).to_have_value("广州市海珠区南洲路12号")
    page.get_by_label("居民身份证号码").fill(id_number)
    next_screen(page)

    # 3. the employer, found among known employers
    expect(page.get_by_role("heading", level=1)).to_have_text("用人单位")
    page.get_by_label("在已登记的用人单位中查找").fill("鸿运")
    page.get_by_role("button", name="查询", exact=True).click()
    page.get_by_role("button", name=re.compile("鸿运建筑劳务")).click()
    expect(page.get_by_label("统一社会信用代码")).to_have_value(employer.credit_code)
    # the kiosk fills in the name and the code, never an address on file: the worker types it
    expect(page.get_by_label("用人单位地址")).to_have_value("")
    page.get_by_label("用人单位地址").fill("广州市海珠区新港中路368号")
    next_screen(page)

    # 4. the claim
    expect(page.get_by_role("heading", level=1)).to_have_text("请求事项")
    page.get_by_label("请求事项").select_option("unpaid_wages")
    page.get_by_label("金额（元）").fill("18600")
    page.get_by_label("起始日期").fill("2026-06-01")
    page.get_by_label("截止日期").fill("2026-08-31")
    next_screen(page)

    # 5. the facts
    page.get_by_label("事情经过").fill(
        "自2026年3月起在工地做钢筋工，6月起被拖欠工资三个月，多次催讨未果。"
    )
    next_screen(page)

    # 6. evidence: a photo of a pay slip
    page.get_by_label("照片或PDF文件").set_input_files(str(photo))
    page.get_by_role("button", name="添加这个文件").click()
    expect(page.locator(".file-list")).to_contain_text("工资条.png")
    next_screen(page)

    # 7. arbitration directly
    page.get_by_label("直接申请仲裁。").check()
    next_screen(page)

    # 8. review and submit
    expect(page.get_by_text("第 8 步，共 8 步")).to_be_visible()
    expect(page.locator(".review")).to_contain_text("张桂兰")
    expect(page.locator(".review")).to_contain_text("¥18,600.00")
    page.get_by_label(re.compile("以上填写的内容真实、完整")).check()
    page.get_by_role("button", name="提交申请").click()

    # the receipt
    expect(page.get_by_role("heading", level=1)).to_have_text("您的申请已收到")
    case = Case.objects.get(channel=CaseChannel.KIOSK)
    expect(page.get_by_test_id("tracking-number")).to_have_text(case.tracking_number)
    expect(page.get_by_test_id("secret")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    expect(page.get_by_test_id("claimants")).to_have_text("张桂兰")
    expect(page.get_by_role("img", name="打开查询页面的二维码")).to_be_visible()
    pdf = page.request.get(page.get_by_test_id("receipt-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert case.status == CaseStatus.FILED
    assert case.channel == CaseChannel.KIOSK
    assert case.evidence.get().original_name == "工资条.png"

    page.get_by_role("button", name="完成并清除屏幕").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("被拖欠工资？在这里申请劳动争议仲裁")
    page.goto("/kiosk/receipt/")
    expect(page.get_by_text(case.tracking_number)).to_have_count(0)


def test_an_arbitrator_accepts_a_filing_and_the_claimant_sees_it_on_the_status_page(
    page: Page, log_in, arbitrator: User, kiosk_page: Page
) -> None:
    data = case_data()
    data.claimants[0].name = "李明"
    filed = case_file(data=data, channel=CaseChannel.ONLINE)
    case = filed.case

    log_in("arb.arbitrator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="受理审查").click()
    queue = page.get_by_test_id("intake-queue")
    expect(queue).to_contain_text("李明")
    queue.get_by_role("link", name=case.tracking_number).click()
    page.get_by_role("button", name="受理立案").click()
    expect(page.locator(".messages")).to_contain_text("已受理立案，案号")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    year = timezone.localdate().year
    assert case.number == f"穗海劳人仲案字〔{year}〕第1号"

    claimant = kiosk_page
    claimant.goto(f"/kiosk/status/?n={case.tracking_number}")
    expect(claimant.get_by_label("受理编号")).to_have_value(case.tracking_number)
    claimant.get_by_label("查询密码").fill(filed.secret.lower())
    claimant.get_by_role("button", name="查询").click()
    expect(claimant.get_by_test_id("status")).to_have_text("已受理：您的案件已立案")
    expect(claimant.get_by_test_id("case-number")).to_have_text(case.number)
    expect(claimant.get_by_role("link", name=re.compile("受理通知书"))).to_be_visible()


def test_an_idle_kiosk_counts_down_then_wipes_the_screen_and_the_draft(
    kiosk_page: Page, settings
) -> None:
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_IDLE_COUNTDOWN_SECONDS = 3
    page = kiosk_page
    page.goto("/kiosk/terminal/")
    page.get_by_role("button", name=re.compile("开始新的申请")).click()
    page.get_by_label(re.compile("我同意仲裁委员会使用")).check()
    page.get_by_label(re.compile("我单独同意提供")).check()
    next_screen(page)
    page.get_by_label("姓名").fill("王芳")
    draft_url = page.url

    dialog = page.get_by_role("alertdialog", name="您还在吗？")
    expect(dialog).to_be_visible(timeout=5_000)
    expect(dialog.locator("[data-countdown]")).to_have_text(re.compile("^[123]$"))
    # "I am still here" keeps everything.
    dialog.get_by_role("button", name="我还在").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("姓名")).to_have_value("王芳")

    # Then nobody answers: the screen is cleared and the draft with it.
    expect(dialog).to_be_visible(timeout=5_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "被拖欠工资？在这里申请劳动争议仲裁", timeout=10_000
    )
    expect(page.get_by_text("王芳")).to_have_count(0)
    page.goto(draft_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("被拖欠工资？在这里申请劳动争议仲裁")
    page.go_back()  # the browser's history brings nothing back either
    expect(page.get_by_role("heading", level=1)).to_have_text("被拖欠工资？在这里申请劳动争议仲裁")
    expect(page.get_by_text("王芳")).to_have_count(0)
