"""Quick mediation in Chromium: arb.mediator runs a mediation to an agreement, the claimant
confirms it on the status page, the employer through its one-time link, the committee
confirms it with a 调解书, and the first instalment is recorded as paid — which the claimant
then sees."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.cases.models import CaseChannel
from portal.cases.services.intake import case_file, case_route_to_mediation
from portal.core.models import Role, User
from portal.mediation.models import Agreement, InstalmentStatus, MediationStatus
from portal.mediation.services import mediation_assign, mediation_open

from ..factories import case_data, member
from .conftest import PASSWORD, settle_and_close

pytestmark = pytest.mark.browser


@pytest.fixture
def people(reference_data: None, arb_mediator: User) -> dict[str, User]:
    return {
        "arb.mediator": arb_mediator,
        "arb.arbitrator": member("arb.arbitrator", "arbitration", Role.ARBITRATOR),
        "arb.admin": member("arb.admin", "arbitration", Role.AGENCY_ADMIN),
    }


@pytest.fixture
def other_pages(browser, live_server) -> Iterator[dict[str, Page]]:
    """The claimant's kiosk screen, the employer's browser and the arbitrator's desk."""
    contexts = []
    pages = {}
    for name in ("claimant", "employer", "arbitrator"):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages[name] = context.new_page()
    yield pages
    for context in contexts:
        settle_and_close(context)


def test_a_mediation_runs_from_the_first_session_to_a_paid_instalment(
    page: Page, log_in, people: dict[str, User], other_pages: dict[str, Page]
) -> None:
    data = case_data()
    data.claimants[0].name = "周晓梅"
    data.mediation_consent = True
    filed = case_file(data=data, channel=CaseChannel.ONLINE)
    case = filed.case
    case_route_to_mediation(actor=people["arb.arbitrator"], case=case)
    mediation = mediation_open(actor=people["arb.arbitrator"], case=case)
    mediation_assign(
        actor=people["arb.admin"], mediation=mediation, mediator=people["arb.mediator"]
    )
    today = timezone.localdate()

    # the mediator: a session, its record, the agreement
    log_in("arb.mediator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="调解").click()
    page.get_by_test_id("mediations").get_by_role("link", name=case.number).click()
    page.locator("input[name=scheduled_for]").fill(f"{today:%Y-%m-%d}T10:00")
    page.locator("input[name=place]").fill("调解室一")
    page.get_by_role("button", name="安排", exact=True).click()
    expect(page.get_by_test_id("session")).to_contain_text("调解室一")
    page.locator("textarea[name=attendees]").fill("申请人周晓梅；被申请人人事经理")
    page.locator("textarea[name=summary]").fill("双方同意分两期支付拖欠工资。")
    page.get_by_role("button", name="记录调解情况").click()
    expect(page.get_by_test_id("session")).to_contain_text("双方同意分两期支付拖欠工资。")
    page.locator("input[name=total_amount]").fill("8000.00")
    page.locator("select[name=payment_method]").select_option("bank_transfer")
    later = today + datetime.timedelta(days=30)
    page.locator("textarea[name=instalments]").fill(
        f"{today:%Y-%m-%d} 4000.00\n{later:%Y-%m-%d} 4000.00"
    )
    page.get_by_role("button", name="保存调解协议").click()
    expect(page.get_by_test_id("agreement")).to_contain_text("8,000.00")
    page.get_by_role("button", name="双方同意：以调解协议结案").click()
    expect(page.get_by_test_id("status")).to_have_text("已达成调解协议")
    agreement = Agreement.objects.get(mediation=mediation)
    assert agreement.document is not None
    agreement.document.refresh_from_db()
    sha256 = agreement.document.sha256
    assert sha256

    # the claimant, with tracking number and secret
    claimant = other_pages["claimant"]
    claimant.goto(f"/kiosk/status/?n={case.tracking_number}")
    claimant.get_by_label("查询密码").fill(filed.secret)
    claimant.get_by_role("button", name="查询").click()
    expect(claimant.get_by_test_id("mediation")).to_contain_text("调解：已达成协议")
    expect(claimant.get_by_test_id("sha256")).to_have_attribute("title", sha256)
    claimant.get_by_role("button", name="我确认此协议").click()
    expect(claimant.get_by_test_id("claimant-confirmed")).to_have_text("您已确认协议。")

    # the employer, through its one-time link
    page.get_by_role("button", name="生成用人单位一次性确认链接").click()
    message = page.locator(".messages").inner_text()
    link = re.search(r"https?://\S+/mediation/confirm/[\w-]+/", message)
    assert link is not None, message
    employer = other_pages["employer"]
    employer.goto(link.group(0))
    expect(employer.get_by_test_id("sha256")).to_have_attribute("title", sha256)
    employer.locator("input[name=representative]").fill("人事经理王强")
    employer.locator("input[name=credit_code]").fill(case.employer.credit_code)
    employer.get_by_role("button", name="代表用人单位确认").click()
    expect(employer.get_by_test_id("done")).to_be_visible()
    assert employer.goto(link.group(0)).status == 404  # works once

    # the committee confirms: a 调解书 with its number
    arbitrator = other_pages["arbitrator"]
    arbitrator.goto("/accounts/login/")
    arbitrator.locator("input[name=username]").fill("arb.arbitrator")
    arbitrator.locator("input[name=password]").fill(PASSWORD)
    arbitrator.locator("main button[type=submit]").click()
    arbitrator.wait_for_url(lambda url: "/accounts/login/" not in url)
    arbitrator.goto(f"/mediation/case/{case.pk}/")
    arbitrator.get_by_role("button", name="仲裁审查确认并出具调解书").click()
    year = today.year
    expect(arbitrator.get_by_test_id("statement")).to_contain_text(f"穗海劳人仲调字〔{year}〕第1号")
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.CONFIRMED

    # the mediator records the first instalment as paid; the claimant sees it
    page.reload()
    page.locator("input[name=paid_on]").first.fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="记录付款").first.click()
    expect(page.locator(".messages")).to_contain_text("已记录付款")
    assert agreement.instalments.first().status == InstalmentStatus.PAID
    claimant.reload()
    expect(claimant.get_by_test_id("instalment-1")).to_contain_text("已支付")
