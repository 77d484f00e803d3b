"""Personal numbers typed into free text (issue 17, item 2): masked wherever the text is shown
to someone who does not work the case (the read-only leader), with an audited reveal on the
referral page for the working staff of either side."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.audit import audit_history
from portal.messaging import services as messaging
from tests.helpers import refusals

from ..factories import make_case
from ..meetings.builders import make_meeting
from ..referrals.builders import draft, drive

pytestmark = pytest.mark.django_db

TYPED = "工人身份证440105199003071235，手机139 1234 5678"
WHOLE = ("440105199003071235", "139 1234 5678")
MASKED = ("4401**********1235", "139 **** 5678")


def page(user, url: str, post: bool = False) -> str:
    client = Client()
    client.force_login(user)
    response = client.post(url, follow=True) if post else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def shows_whole(content: str) -> bool:
    return all(number in content for number in WHOLE)


def shows_masked(content: str) -> bool:
    return all(number in content for number in MASKED) and not any(
        number in content for number in WHOLE
    )


@pytest.fixture
def referral(bureau_inspector, procuratorate_liaison):
    referral = draft(bureau_inspector, "procuratorate", summary=TYPED, legal_basis=TYPED)
    return drive(referral, "sent")


def test_the_referral_page_masks_the_numbers_for_every_reader_until_an_audited_reveal(
    referral, bureau_inspector, procuratorate_liaison
):
    detail = reverse("referrals:detail", kwargs={"pk": referral.pk})
    reveal = reverse("referrals:reveal", kwargs={"pk": referral.pk})
    for reader in (bureau_inspector, procuratorate_liaison):
        content = page(reader, detail)
        assert shows_masked(content)
        assert reveal in content
        assert shows_whole(page(reader, reveal, post=True))
    reveals = audit_history(referral).filter(action="referral.reveal_personal_info")
    assert sorted(reveals.values_list("actor_id", flat=True)) == sorted(
        [bureau_inspector.pk, procuratorate_liaison.pk]
    )


def test_the_leader_reads_the_referral_masked_and_may_not_reveal(referral, bureau_leader):
    detail = reverse("referrals:detail", kwargs={"pk": referral.pk})
    reveal = reverse("referrals:reveal", kwargs={"pk": referral.pk})
    content = page(bureau_leader, detail)
    assert shows_masked(content)
    assert reveal not in content
    client = Client()
    client.force_login(bureau_leader)
    refused = client.post(reveal, follow=True)
    assert refusals(refused)
    assert shows_masked(refused.content.decode())
    assert not audit_history(referral).filter(action="referral.reveal_personal_info").exists()


def test_messages_show_whole_numbers_to_working_staff_and_masked_to_the_leader(
    bureau_case, bureau_inspector, bureau_leader
):
    conversation = messaging.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    messaging.message_send(actor=bureau_inspector, conversation=conversation, body=TYPED)
    url = reverse("messaging:case", kwargs={"pk": bureau_case.pk})
    assert shows_whole(page(bureau_inspector, url))
    assert shows_masked(page(bureau_leader, url))
    search = reverse("messaging:search") + "?q=工人"
    assert shows_masked(page(bureau_leader, search))


def test_a_mention_notice_carries_the_numbers_masked(bureau_case, bureau_inspector, bureau_leader):
    conversation = messaging.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    messaging.message_send(
        actor=bureau_inspector,
        conversation=conversation,
        body=TYPED,
        mention_user_ids=[bureau_leader.pk],
    )
    assert shows_masked(bureau_leader.notifications.get().body)


def test_case_facts_and_meeting_texts_are_masked_for_the_leader(
    bureau_inspector, bureau_admin, bureau_leader
):
    case = make_case(agency_code="bureau", actor=bureau_inspector)
    case.facts = TYPED
    case.save(update_fields=["facts"])
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    assert shows_whole(page(bureau_inspector, url))
    assert shows_masked(page(bureau_leader, url))
    meeting = make_meeting(bureau_admin, [bureau_inspector, bureau_leader])
    meeting.description = TYPED
    meeting.save(update_fields=["description"])
    url = reverse("meetings:detail", kwargs={"pk": meeting.pk})
    assert shows_whole(page(bureau_admin, url))
    assert shows_masked(page(bureau_leader, url))
