"""An arbitration mediator logs in, opens a case and reveals a claimant's whole ID number."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.cases.models import Case
from portal.core.models import AuditEvent, User
from portal.core.pii import mask_id_number

pytestmark = pytest.mark.browser


def test_mediator_reveals_a_claimants_id_number_and_the_history_records_it(
    page: Page, log_in, arb_mediator: User, arb_case: Case
) -> None:
    claimant = arb_case.claimants.get()
    log_in("arb.mediator")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("案件")
    page.get_by_role("link", name=arb_case.number).click()

    expect(page).to_have_url(re.compile(rf"/cases/{arb_case.pk}/$"))
    expect(page.get_by_role("heading", name="申请人")).to_be_visible()
    id_cell = page.get_by_test_id("id-number")
    masked = mask_id_number(claimant.id_number)
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", masked)
    expect(id_cell).to_have_text(masked)
    expect(page.get_by_text(claimant.id_number)).to_have_count(0)
    history = page.get_by_test_id("history")
    expect(history.locator('[data-action="case.reveal_personal_info"]')).to_have_count(0)

    page.get_by_role("button", name="显示完整号码").click()

    expect(id_cell).to_have_text(claimant.id_number)
    expect(page.get_by_text("完整号码仅在本页显示，本次查看已记录。")).to_be_visible()
    reveal_action = '[data-action="case.reveal_personal_info"]'
    reveal = history.locator("li").filter(has=page.locator(reveal_action))
    expect(reveal).to_have_count(1)
    expect(reveal.locator(reveal_action)).to_have_text("查看了完整的身份证号码和电话号码")
    expect(reveal).to_contain_text(str(arb_mediator))
    assert AuditEvent.objects.filter(
        action="case.reveal_personal_info", actor=arb_mediator, object_id=str(arb_case.pk)
    ).exists()


def test_reloading_the_case_masks_the_id_number_again(
    page: Page, log_in, arb_mediator: User, arb_case: Case
) -> None:
    claimant = arb_case.claimants.get()
    log_in("arb.mediator")
    page.goto(f"/cases/{arb_case.pk}/")
    page.get_by_role("button", name="显示完整号码").click()
    expect(page.get_by_test_id("id-number")).to_have_text(claimant.id_number)

    page.goto(f"/cases/{arb_case.pk}/")

    expect(page.get_by_test_id("id-number")).to_have_text(mask_id_number(claimant.id_number))
