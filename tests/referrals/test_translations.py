"""The referral pages speak Chinese: every label, button, status and message."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.referrals import services
from portal.referrals.models import ReferralStatus
from tests.helpers import png_bytes

from ..core.test_translations import compiled_messages, english_words  # noqa: F401
from .builders import draft, drive, move

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_messages")]

S = ReferralStatus


def main_text(html: str) -> str:
    """The page's own content (the shell around it is tested in tests/core)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main> element"
    return match.group()


def chinese(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(user)
    return client


def assert_chinese(client: Client, url: str, *expected: str) -> None:
    html = main_text(client.get(url, follow=True).content.decode())
    for text in expected:
        assert text in html, text
    assert english_words(html) == set()


def test_the_lists_and_the_form_are_chinese(bureau_inspector, arbitrator, procuratorate_liaison):
    draft(bureau_inspector, "procuratorate", workers=23)
    move(draft(arbitrator, "bureau"), "send", arbitrator)
    client = chinese(bureau_inspector)
    assert_chinese(client, reverse("referrals:outbox"), "发出的移送", "（草稿）", "23 名劳动者")
    assert_chinese(client, reverse("referrals:inbox"), "收到的移送", "已移送，待签收")
    assert_chinese(client, reverse("referrals:create"), "起草移送", "接收机关", "移送事由")


def test_the_detail_page_is_chinese_in_every_state_and_for_both_sides(
    clue,
    bureau_inspector,
    bureau_admin,
    procuratorate_liaison,
    procuratorate_admin,
):
    services.referral_attachment_add(
        actor=bureau_inspector, referral=clue, upload=SimpleUploadedFile("工资表", png_bytes())
    )
    sender, receiver = chinese(bureau_inspector), chinese(procuratorate_admin)
    url = reverse("referrals:detail", kwargs={"pk": clue.pk})
    assert_chinese(sender, url, "移送草稿", "发出移送")
    clue = drive(clue, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    assert_chinese(receiver, url, "已签收", "受理", "退回", "要求补充材料")
    clue = move(clue, "accept", procuratorate_admin)
    assert_chinese(receiver, url, "已受理，办理中", "提交反馈")
    clue = move(clue, "give_feedback", procuratorate_liaison)
    assert_chinese(sender, url, "已反馈", "办结", "要求补充反馈", "生成反馈函（PDF）")
    clue = move(clue, "close", bureau_inspector)
    assert_chinese(chinese(bureau_admin), url, "重新办理", "办理记录")


def test_a_refusal_and_a_record_to_the_police_are_chinese(bureau_inspector, bureau_mediator):
    referral = draft(bureau_inspector, "police")
    url = reverse("referrals:detail", kwargs={"pk": referral.pk})
    client = chinese(bureau_mediator)
    response = client.post(
        reverse("referrals:record", kwargs={"pk": referral.pk}), {"version": 1}, follow=True
    )
    html = main_text(response.content.decode())
    assert "只有经办人或移送机关的管理员才能登记移送。" in html
    assert english_words(html) == set()
    move(referral, "record", bureau_inspector)
    assert_chinese(client, url, "已移送（外部机关）", "登记处理结果")
