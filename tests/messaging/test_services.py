"""Conversations and messages: membership follows access; every write is audited and
broadcast only after commit."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone, translation

from portal.cases.services import case_co_handling_end, case_co_handling_start
from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.core.models import Notification
from portal.core.people import membership_end
from portal.messaging import services
from portal.messaging.models import Acknowledgement, Message
from portal.messaging.permissions import access_conversation
from portal.messaging.selectors import (
    message_readers,
    message_search,
    messages_after,
    unread_counts,
)
from tests.helpers import png_bytes

from ..factories import agency
from ..referrals.builders import draft, move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def broadcasts():
    with mock.patch("portal.messaging.services.broadcast") as sent:
        yield sent


@pytest.fixture
def shared_case(arbitration_case, arbitration_admin):
    """An arbitration case co-handled with the procuratorate."""
    case_co_handling_start(
        actor=arbitration_admin, case=arbitration_case, agency=agency("procuratorate")
    )
    return arbitration_case


def send(actor, conversation, body="你好", **kwargs) -> Message:
    return services.message_send(actor=actor, conversation=conversation, body=body, **kwargs)


def test_the_people_who_see_a_case_share_its_one_conversation(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    first = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    second = services.conversation_for_case(actor=procuratorate_liaison, case_id=shared_case.pk)
    assert first == second
    assert access_conversation(procuratorate_liaison, first.pk) == first


def test_an_agency_that_cannot_see_the_case_cannot_open_its_conversation(
    arbitration_case, arbitration_mediator, bureau_inspector
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=arbitration_case.pk
    )
    with pytest.raises(Http404):
        services.conversation_for_case(actor=bureau_inspector, case_id=arbitration_case.pk)
    with pytest.raises(Http404):
        send(bureau_inspector, conversation)
    assert not Message.objects.exists()


def test_a_conversation_follows_the_end_of_co_handling(
    shared_case, arbitration_admin, arbitration_mediator, procuratorate_liaison, broadcasts
):
    conversation = services.conversation_for_case(
        actor=procuratorate_liaison, case_id=shared_case.pk
    )
    send(procuratorate_liaison, conversation, "在吗")
    case_co_handling_end(actor=arbitration_admin, case=shared_case, agency=agency("procuratorate"))
    with pytest.raises(Http404):
        send(procuratorate_liaison, conversation, "还在吗")
    with pytest.raises(Http404):
        messages_after(user=procuratorate_liaison, conversation=conversation)
    assert message_search(user=procuratorate_liaison, query="在吗") == []


def test_a_referral_conversation_opens_to_the_receiver_only_once_sent(
    bureau_inspector, procuratorate_liaison
):
    referral = draft(bureau_inspector)
    services.conversation_for_referral(actor=bureau_inspector, referral_id=referral.pk)
    with pytest.raises(Http404):
        services.conversation_for_referral(actor=procuratorate_liaison, referral_id=referral.pk)
    move(referral, "send", bureau_inspector)
    conversation = services.conversation_for_referral(
        actor=procuratorate_liaison, referral_id=referral.pk
    )
    assert conversation.referral_id == referral.pk


def test_a_liaison_channel_admits_only_its_agencies_staff(
    arbitration_mediator, procuratorate_liaison, bureau_inspector, bureau_leader
):
    channel = services.conversation_for_liaison(
        actor=arbitration_mediator, agency_codes=["procuratorate", "arbitration"]
    )
    assert access_conversation(procuratorate_liaison, channel.pk) == channel
    with pytest.raises(Http404):
        access_conversation(bureau_inspector, channel.pk)
    with pytest.raises(Http404):
        services.conversation_for_liaison(
            actor=bureau_inspector, agency_codes=["procuratorate", "arbitration"]
        )
    all_three = services.conversation_for_liaison(
        actor=bureau_inspector, agency_codes=["bureau", "arbitration", "procuratorate"]
    )
    assert access_conversation(arbitration_mediator, all_three.pk) == all_three
    with pytest.raises(Http404):  # a read-only leader has no working role
        access_conversation(bureau_leader, all_three.pk)


def test_a_direct_conversation_is_for_its_two_people_while_they_are_staff(
    arbitration_mediator, procuratorate_liaison, bureau_inspector, outsider
):
    direct = services.conversation_for_direct(
        actor=arbitration_mediator, other=procuratorate_liaison
    )
    assert direct == services.conversation_for_direct(
        actor=procuratorate_liaison, other=arbitration_mediator
    )
    with pytest.raises(Http404):
        access_conversation(bureau_inspector, direct.pk)
    with pytest.raises(Http404):
        services.conversation_for_direct(actor=arbitration_mediator, other=outsider)
    membership_end(actor=None, user=procuratorate_liaison)
    procuratorate_liaison.refresh_from_db()
    with pytest.raises(Http404):
        access_conversation(procuratorate_liaison, direct.pk)


def test_a_message_is_stored_audited_and_broadcast_after_commit(
    shared_case, arbitration_mediator, broadcasts, django_capture_on_commit_callbacks
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = send(arbitration_mediator, conversation, "明天开庭")
    assert broadcasts.call_count == 0
    assert Message.objects.get().body == "明天开庭"
    for callback in callbacks:
        callback()
    (conversation_id, event), _ = broadcasts.call_args
    assert conversation_id == conversation.pk
    assert event["type"] == "message.new" and event["id"] == message.pk
    assert "message.send" in [event.action for event in audit_history(message)]


def test_an_empty_or_oversized_message_is_refused(shared_case, arbitration_mediator):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    with pytest.raises(ApplicationError):
        send(arbitration_mediator, conversation, "   ")
    with pytest.raises(ApplicationError):
        send(arbitration_mediator, conversation, "字" * (services.MAX_BODY_CHARS + 1))
    assert not Message.objects.exists()


def test_mentions_notify_people_who_can_read_and_skip_those_who_cannot(
    shared_case, arbitration_mediator, procuratorate_liaison, bureau_inspector, broadcasts
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = send(
        arbitration_mediator,
        conversation,
        "请检察院看一下",
        mention_user_ids=[bureau_inspector.pk],
        mention_agency_codes=["procuratorate"],
    )
    assert list(message.mentioned_users.all()) == []
    assert [a.code for a in message.mentioned_agencies.all()] == ["procuratorate"]
    assert Notification.objects.filter(recipient=procuratorate_liaison).count() == 1
    assert not Notification.objects.filter(recipient=bureau_inspector).exists()


def test_a_reply_must_answer_a_message_of_the_same_conversation(
    shared_case, arbitration_case, arbitration_mediator, procuratorate_liaison, broadcasts
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    first = send(arbitration_mediator, conversation, "问题")
    answer = send(procuratorate_liaison, conversation, "回答", reply_to_id=first.pk)
    assert answer.reply_to == first
    other = services.conversation_for_direct(
        actor=arbitration_mediator, other=procuratorate_liaison
    )
    with pytest.raises(ApplicationError):
        send(procuratorate_liaison, other, "错位", reply_to_id=first.pk)


def test_the_author_edits_within_the_window_and_the_history_is_kept(
    shared_case, arbitration_mediator, procuratorate_liaison, broadcasts
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = send(arbitration_mediator, conversation, "下午三点")
    with pytest.raises(ApplicationError):
        services.message_edit(actor=procuratorate_liaison, message_id=message.pk, body="改")
    services.message_edit(actor=arbitration_mediator, message_id=message.pk, body="下午四点")
    message.refresh_from_db()
    assert message.body == "下午四点" and message.edited_at is not None
    assert [revision.body for revision in message.revisions.all()] == ["下午三点"]
    assert "message.edit" in [event.action for event in audit_history(message)]
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - services.EDIT_WINDOW - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ApplicationError):
        services.message_edit(actor=arbitration_mediator, message_id=message.pk, body="五点")


def test_a_deleted_message_is_a_tombstone_whose_text_the_audit_keeps(
    shared_case,
    arbitration_mediator,
    procuratorate_liaison,
    broadcasts,
    django_capture_on_commit_callbacks,
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = send(arbitration_mediator, conversation, "发错了的内容")
    with pytest.raises(ApplicationError):
        services.message_delete(actor=procuratorate_liaison, message_id=message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=arbitration_mediator, message_id=message.pk)
    (tombstone,) = messages_after(user=procuratorate_liaison, conversation=conversation)
    assert tombstone.deleted_at is not None and tombstone.body == ""
    assert broadcasts.call_args.args[1]["body"] == ""
    assert broadcasts.call_args.args[1]["deleted"] is True
    deletion = audit_history(message).get(action="message.delete")
    assert deletion.note == "发错了的内容"
    assert message_search(user=procuratorate_liaison, query="发错") == []


def test_unread_counts_and_read_receipts(
    shared_case, arbitration_mediator, procuratorate_liaison, broadcasts
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    first = send(arbitration_mediator, conversation, "一")
    second = send(arbitration_mediator, conversation, "二")
    assert unread_counts(procuratorate_liaison) == {conversation.pk: 2}
    assert unread_counts(arbitration_mediator) == {}
    services.conversation_mark_read(
        actor=procuratorate_liaison, conversation=conversation, up_to=first.pk
    )
    assert unread_counts(procuratorate_liaison) == {conversation.pk: 1}
    assert procuratorate_liaison.pk in message_readers(first)
    assert procuratorate_liaison.pk not in message_readers(second)
    # An older tab reporting an earlier position does not undo the newer one.
    services.conversation_mark_read(
        actor=procuratorate_liaison, conversation=conversation, up_to=second.pk
    )
    services.conversation_mark_read(
        actor=procuratorate_liaison, conversation=conversation, up_to=first.pk
    )
    assert unread_counts(procuratorate_liaison) == {}


def test_acknowledgement_is_asked_again_until_given(
    shared_case, arbitration_mediator, procuratorate_liaison, broadcasts
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    with pytest.raises(ApplicationError):
        send(arbitration_mediator, conversation, "请确认", ack_requested=True)
    message = send(
        arbitration_mediator,
        conversation,
        "请确认收到",
        mention_user_ids=[procuratorate_liaison.pk],
        ack_requested=True,
    )
    later = timezone.now() + services.ACK_REMIND_EVERY + datetime.timedelta(minutes=1)
    assert services.acknowledgements_remind(now=later) == 1
    assert services.acknowledgements_remind(now=later) == 0  # twice in one interval: once
    even_later = later + services.ACK_REMIND_EVERY + datetime.timedelta(minutes=1)
    assert services.acknowledgements_remind(now=even_later) == 1
    reminders = Notification.objects.filter(
        recipient=procuratorate_liaison, dedupe_key__startswith="messaging.ack."
    )
    assert reminders.count() == 2
    services.message_acknowledge(actor=procuratorate_liaison, message_id=message.pk)
    assert Acknowledgement.objects.get().acknowledged_at is not None
    assert services.acknowledgements_remind(now=even_later + services.ACK_REMIND_EVERY * 2) == 0
    assert "message.acknowledge" in [event.action for event in audit_history(message)]
    with pytest.raises(ApplicationError):
        services.message_acknowledge(actor=arbitration_mediator, message_id=message.pk)


def test_attachments_follow_the_upload_rules(shared_case, arbitration_mediator, broadcasts):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    fake = SimpleUploadedFile("scan.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ApplicationError):
        send(arbitration_mediator, conversation, "", attachment=fake)
    assert not Message.objects.exists()
    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    message = send(arbitration_mediator, conversation, "", attachment=photo)
    assert message.attachment_type == "image/png"
    assert message.attachment_name == "现场.png"


def test_search_finds_chinese_text_only_in_visible_conversations(
    shared_case, bureau_case, arbitration_mediator, bureau_inspector, broadcasts
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    send(arbitration_mediator, ours, "拖欠工资的证据已经补齐")
    send(bureau_inspector, theirs, "工资台账还缺三个月")
    found = message_search(user=arbitration_mediator, query="工资")
    assert [message.body for message in found] == ["拖欠工资的证据已经补齐"]
    assert message_search(user=arbitration_mediator, query="  ") == []


@pytest.mark.postgres
def test_postgresql_serves_the_search_from_a_trigram_index(
    shared_case, arbitration_mediator, broadcasts
):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'messaging_message_body_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    send(arbitration_mediator, conversation, "Overtime 加班费未付")
    assert len(message_search(user=arbitration_mediator, query="overtime")) == 1
    assert len(message_search(user=arbitration_mediator, query="加班费")) == 1
