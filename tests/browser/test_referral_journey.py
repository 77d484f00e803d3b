"""A false-arbitration clue goes from the bureau to the procuratorate and comes back with
feedback; the arbitration committee cannot open it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.core.models import Role, User
from portal.referrals.models import Referral, ReferralStatus

from ..factories import member, valid_credit_code

pytestmark = pytest.mark.browser


@pytest.fixture
def referral_people(reference_data: None) -> dict[str, User]:
    return {
        "bureau.inspector": member("bureau.inspector", "bureau", Role.INSPECTOR),
        "proc.liaison": member("proc.liaison", "procuratorate", Role.LIAISON),
        "proc.admin": member("proc.admin", "procuratorate", Role.AGENCY_ADMIN),
        "arb.mediator": member("arb.mediator", "arbitration", Role.MEDIATOR),
    }


def open_referral(page: Page, box: str, number: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=box).click()
    page.get_by_role("link", name=number).click()


def test_a_false_arbitration_clue_is_referred_acknowledged_accepted_and_answered(
    page: Page, switch_to, referral_people: dict[str, User]
) -> None:
    # bureau.inspector drafts the clue and sends it to the procuratorate
    switch_to("bureau.inspector")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="发出的移送").click()
    page.get_by_role("link", name="起草移送").click()
    page.locator("select[name=receiver]").select_option(label="广州市海珠区人民检察院")
    page.locator("select[name=kind]").select_option("false_arbitration_clue")
    page.locator("input[name=employer_name]").fill("广州市海珠区鸿运建筑劳务有限公司")
    page.locator("input[name=employer_credit_code]").fill(valid_credit_code())
    page.locator("input[name=workers]").fill("12")
    page.locator("input[name=amount_owed]").fill("186000")
    page.locator("textarea[name=summary]").fill(
        "该公司与他人串通虚构劳动争议申请仲裁，意图转移财产逃避支付工资。"
    )
    page.locator("textarea[name=legal_basis]").fill("《人民检察院民事诉讼监督规则》")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿")
    page.get_by_role("button", name="发出移送").click()
    referral = Referral.objects.get()
    assert referral.number
    expect(page.get_by_role("heading", level=1)).to_have_text(referral.number)
    expect(page.get_by_test_id("status")).to_have_text("已移送，待签收")

    # proc.liaison acknowledges it from the inbox
    switch_to("proc.liaison")
    open_referral(page, "收到的移送", referral.number)
    expect(page.get_by_test_id("subject")).to_contain_text("12")
    expect(page.get_by_test_id("subject")).to_contain_text("¥186,000.00")
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_test_id("status")).to_have_text("已签收")

    # proc.admin accepts it
    switch_to("proc.admin")
    open_referral(page, "收到的移送", referral.number)
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("已受理，办理中")

    # proc.liaison gives feedback
    switch_to("proc.liaison")
    open_referral(page, "收到的移送", referral.number)
    page.locator("select[name=outcome]").select_option("case_opened")
    page.locator("textarea[name=text]").fill("经审查，已依法立案监督，并向仲裁委发出检察建议。")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_test_id("status")).to_have_text("已反馈")

    # bureau.inspector sees the feedback and downloads the referral letter
    switch_to("bureau.inspector")
    open_referral(page, "发出的移送", referral.number)
    expect(page.get_by_test_id("feedback")).to_contain_text("已依法立案监督")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-action="referral.give_feedback"]')).to_have_count(1)
    page.get_by_role("button", name="生成移送函（PDF）").click()
    letter = page.get_by_role("link", name=re.compile(re.escape(referral.number)))
    expect(letter).to_be_visible()
    with page.expect_download() as download_info:
        letter.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # arb.mediator cannot open it
    switch_to("arb.mediator")
    response = page.goto(f"/referrals/{referral.pk}/")
    assert response is not None and response.status == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FEEDBACK_GIVEN
