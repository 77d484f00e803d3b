"""The procuratorate organises a major-case consultation: it proposes two times, the bureau and
the arbitration committee answer the poll, the time is fixed, minutes with an action item for
the bureau are approved, and the bureau finds the action item in its work list."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.core.models import Agency, Role, User
from portal.meetings.models import Meeting, MeetingStatus, Room

from ..factories import member
from ..meetings.builders import held

pytestmark = pytest.mark.browser


@pytest.fixture
def people(reference_data: None) -> dict[str, User]:
    return {
        "proc.admin": member("proc.admin", "procuratorate", Role.AGENCY_ADMIN),
        "bureau.admin": member("bureau.admin", "bureau", Role.AGENCY_ADMIN),
        "arb.admin": member("arb.admin", "arbitration", Role.AGENCY_ADMIN),
    }


@pytest.fixture
def room(reference_data: None) -> Room:
    return Room.objects.create(name="检察院五楼会议室", capacity=16)


def next_week(weekday: int) -> datetime.date:
    today = timezone.localdate()
    return (
        today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=1, days=weekday)
    )


def switch_to(page: Page, log_in, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    log_in(username)


def test_a_consultation_from_the_poll_to_the_bureaus_action_item(
    page: Page, log_in, people: dict[str, User], room: Room
) -> None:
    tuesday, thursday = next_week(1), next_week(3)

    # The procuratorate organises the consultation and proposes two times.
    log_in("proc.admin")
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="会议", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的会议")
    page.get_by_role("link", name="新建会议").click()
    page.get_by_label("类型").select_option("major_case_consultation")
    page.get_by_label("标题").fill("鸿运建筑劳务公司欠薪案研商")
    page.get_by_label("会议室").select_option(label=room.name)
    for username in ("bureau.admin", "arb.admin"):
        page.locator(f"input[name=participants][value='{people[username].pk}']").check()
    page.get_by_role("button", name="创建并提出备选时间").click()
    meeting = Meeting.objects.get()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/poll/$"))
    for day, start, end in ((tuesday, "09:30", "11:00"), (thursday, "14:30", "16:00")):
        page.get_by_label("日期").fill(day.isoformat())
        page.get_by_label("开始时间").fill(start)
        page.get_by_label("结束时间").fill(end)
        page.get_by_role("button", name="提出", exact=True).click()
        expect(page.get_by_text("已提出备选时间。")).to_be_visible()
    first, second = meeting.slots.order_by("starts_at")
    expect(page.get_by_test_id("poll").locator("tbody tr")).to_have_count(2)

    # The bureau and the arbitration committee answer.
    for username, answers in (
        ("bureau.admin", {first.pk: "yes", second.pk: "no"}),
        ("arb.admin", {first.pk: "yes", second.pk: "maybe"}),
    ):
        switch_to(page, log_in, username)
        page.goto(f"/meetings/{meeting.pk}/poll/")
        for slot_pk, answer in answers.items():
            page.locator(f"input[name=slot_{slot_pk}][value={answer}]").check()
        page.get_by_role("button", name="保存我的答复").click()
        expect(page.get_by_text("您的答复已保存。")).to_be_visible()

    # The organiser sees the answers and fixes the Tuesday.
    switch_to(page, log_in, "proc.admin")
    page.goto(f"/meetings/{meeting.pk}/poll/")
    tuesday_row = page.locator(f"tr[data-slot='{first.pk}']")
    expect(tuesday_row.locator("td.num .vote-count").first).to_have_text("2")
    page.get_by_label("时间", exact=True).select_option(str(first.pk))
    page.get_by_role("button", name="确定此时间并发送邀请").click()

    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/$"))
    expect(page.get_by_test_id("meeting-status")).to_have_text("已确定时间")
    expect(page.get_by_test_id("meeting-time")).to_contain_text(f"{tuesday.isoformat()} 09:30")
    expect(page.get_by_test_id("meeting-time")).to_contain_text("11:00")

    # The meeting takes place (the portal refuses times in the past, so it is moved back), and
    # the organiser writes and approves the minutes with an action item for the bureau.
    held(Meeting.objects.get(pk=meeting.pk))
    page.goto(f"/meetings/{meeting.pk}/minutes/")
    page.get_by_label("议定事项").fill("一、人社局核查该公司欠薪线索并书面反馈。")
    page.locator("[name=action-0-description]").fill("核查鸿运建筑劳务公司欠薪线索并反馈")
    page.locator("[name=action-0-owner_agency]").select_option(
        str(Agency.objects.get(code="bureau").pk)
    )
    due = timezone.localdate() + datetime.timedelta(days=14)
    page.locator("[name=action-0-due_on]").fill(due.isoformat())
    page.get_by_role("button", name="保存纪要").click()
    expect(page.get_by_text("纪要已保存。")).to_be_visible()
    page.get_by_role("button", name="批准纪要").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("纪要已批准")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CLOSED

    # The bureau finds the action item in its work list.
    switch_to(page, log_in, "bureau.admin")
    page.goto("/")
    items = page.get_by_test_id("work-list-action-items")
    expect(items).to_contain_text("核查鸿运建筑劳务公司欠薪线索并反馈")
    expect(items).to_contain_text(due.isoformat())
    items.get_by_role("link", name="鸿运建筑劳务公司欠薪案研商").click()
    expect(page.get_by_test_id("action-items")).to_contain_text(
        "核查鸿运建筑劳务公司欠薪线索并反馈"
    )
