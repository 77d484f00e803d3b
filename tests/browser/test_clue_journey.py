"""A 12345 order imported from the hotline's export is assigned, checked and closed "paid in
full", and the on-time figure on the work list moves; a second clue referred to arbitration
reaches the committee's inbox with its text and files, nothing retyped."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.clues import demo, services
from portal.clues.models import Clue, Squad
from portal.core.models import Role, User

from ..clues.builders import clue_data, drive
from ..factories import member, valid_credit_code
from ..helpers import png_bytes

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "test-results"
HEADERS = [
    "工单编号", "受理时间", "办结时限", "诉求人", "联系电话", "被反映单位", "统一社会信用代码",
    "项目名称", "所属街道", "行业", "涉及人数", "涉及金额", "诉求内容",
]  # fmt: skip


@pytest.fixture
def people(reference_data: None) -> dict[str, User]:
    demo.seed_reference_data()
    people = {
        "bureau.inspector": member("bureau.inspector", "bureau", Role.INSPECTOR),
        "bureau.admin": member("bureau.admin", "bureau", Role.AGENCY_ADMIN),
        "arb.arbitrator": member("arb.arbitrator", "arbitration", Role.ARBITRATOR),
    }
    squad = Squad.objects.create(name="南华西街劳监中队", streets="南华西街,龙凤街")
    squad.members.add(people["bureau.inspector"])
    return people


def hotline_export(tmp_path: Path) -> Path:
    received = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    row = [
        "GZ12345-20261207-0001", received, "", "王小明", "13800138000",
        "广州市海珠区粤味轩餐饮管理有限公司", valid_credit_code(), "", "南华西街", "餐饮业",
        "3", "18000", "三名服务员反映十月、十一月工资未发。",
    ]  # fmt: skip
    path = tmp_path / "12345工单导出.csv"
    path.write_bytes(tablib.Dataset(row, headers=HEADERS).export("csv").encode("utf-8-sig"))
    return path


def do_move(page: Page, move: str, **fields: str) -> None:
    form = page.locator(f"form[data-move={move}]")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    form.locator("button[type=submit]").click()


def hotline_rate(page: Page) -> str:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    return page.get_by_test_id("rate-hotline").inner_text()


def test_an_imported_hotline_order_is_closed_paid_in_full_and_the_on_time_figure_moves(
    page: Page, switch_to, people: dict[str, User], tmp_path: Path
) -> None:
    # An earlier order, closed weeks late, puts the hotline's figure at 0 %.
    late_order = services.clue_register(
        actor=people["bureau.inspector"],
        data=clue_data(received_at=timezone.now() - datetime.timedelta(days=40)),
    )
    drive(late_order, "closed", admin=people["bureau.admin"], worker=people["bureau.inspector"])

    switch_to("bureau.inspector")
    assert hotline_rate(page) == "0%"
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="欠薪线索").click()
    page.goto("/clues/import/")
    page.locator("select[name=source]").select_option("hotline")
    page.locator("input[name=file]").set_input_files(str(hotline_export(tmp_path)))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("新导入1条")
    order = Clue.objects.get(source_reference="GZ12345-20261207-0001")
    assert order.squad is not None and order.squad.name == "南华西街劳监中队"

    switch_to("bureau.admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="欠薪线索").click()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "clue-queue.png"), full_page=True)
    page.get_by_role("link", name="广州市海珠区粤味轩餐饮管理有限公司").click()
    do_move(page, "assign")
    expect(page.get_by_test_id("status")).to_have_text("已分派")

    switch_to("bureau.inspector")
    page.goto(f"/clues/{order.pk}/")
    do_move(page, "contact", note="已电话联系王小明，核实三人欠薪情况。")
    expect(page.get_by_test_id("status")).to_have_text("已首次联系")
    do_move(page, "check", note="到店核查，约谈负责人，当场承诺三日内支付。")
    expect(page.get_by_test_id("status")).to_have_text("已现场核查")
    do_move(
        page,
        "close",
        conclusion="工资已全额支付",
        amount_recovered="18000",
        workers_paid="3",
    )
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    expect(page.get_by_test_id("conclusion")).to_contain_text("工资已全额支付")
    expect(page.get_by_test_id("conclusion")).to_contain_text("18,000")
    expect(page.get_by_test_id("timeline")).to_contain_text("已现场核查")
    page.screenshot(path=str(SHOTS / "clue-page.png"), full_page=True)
    assert hotline_rate(page) == "50%"


def test_a_clue_referred_to_arbitration_reaches_the_committees_inbox_with_its_text_and_files(
    page: Page, switch_to, people: dict[str, User]
) -> None:
    data = clue_data(street="龙凤街")
    data.files = [SimpleUploadedFile("工资表.png", png_bytes(), "image/png")]
    clue = services.clue_register(actor=people["bureau.inspector"], data=data)
    drive(clue, "checked", admin=people["bureau.admin"], worker=people["bureau.inspector"])

    switch_to("bureau.inspector")
    page.goto(f"/clues/{clue.pk}/")
    do_move(page, "refer", kind="劳动争议（移送仲裁或调解）")
    page.get_by_test_id("onward").get_by_role("link").first.click()
    page.get_by_role("button", name="发出移送").click()
    clue.refresh_from_db()
    referral = clue.referrals.get()
    assert referral.number

    switch_to("arb.arbitrator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="收到的移送").click()
    page.get_by_role("link", name=referral.number).click()
    expect(page.locator("main")).to_contain_text(clue.text)
    expect(page.locator("main")).to_contain_text("工资表.png")
    expect(page.get_by_test_id("subject")).to_contain_text(clue.employer_name)
