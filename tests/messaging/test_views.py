"""The conversation pages render what is stored and only what the reader may see."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from portal.cases.services import case_co_handling_start
from portal.messaging import services

from ..factories import agency

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shared_case(arbitration_case, arbitration_admin):
    case_co_handling_start(
        actor=arbitration_admin, case=arbitration_case, agency=agency("procuratorate")
    )
    return arbitration_case


def test_the_case_conversation_page_shows_the_stored_messages(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="证据已收到"
    )
    response = client_for(procuratorate_liaison).get(
        reverse("messaging:case", kwargs={"pk": shared_case.pk})
    )
    assert response.status_code == 200
    assert "证据已收到" in response.content.decode()
    assert response.context["last_id"] == message.pk


def test_the_list_shows_unread_counts_of_the_readers_conversations(
    shared_case, bureau_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    services.message_send(actor=arbitration_mediator, conversation=ours, body="一")
    services.message_send(actor=arbitration_mediator, conversation=ours, body="二")
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    services.message_send(actor=bureau_inspector, conversation=theirs, body="别人的")
    rows = (
        client_for(procuratorate_liaison).get(reverse("messaging:index")).context["conversations"]
    )
    assert [(row["conversation"], row["unread"]) for row in rows] == [(ours, 2)]


def test_search_finds_chinese_words_only_where_the_reader_may_look(
    shared_case, bureau_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    services.message_send(actor=arbitration_mediator, conversation=ours, body="欠薪三个月")
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    services.message_send(actor=bureau_inspector, conversation=theirs, body="欠薪五个月")
    response = client_for(procuratorate_liaison).get(reverse("messaging:search"), {"q": "欠薪"})
    assert [message.body for message in response.context["results"]] == ["欠薪三个月"]


def test_a_file_sent_into_a_case_conversation_downloads_for_its_readers_only(
    shared_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.messaging.models import Message

    from ..referrals.builders import png_bytes

    url = reverse("messaging:case-attachment-add", kwargs={"pk": shared_case.pk})
    fake = SimpleUploadedFile("scan.png", b"<html>not a png</html>", content_type="image/png")
    response = client_for(arbitration_mediator).post(url, {"file": fake}, follow=True)
    assert [str(m) for m in response.context["messages"]]  # told why
    assert not Message.objects.exists()
    photo = SimpleUploadedFile("工资条.png", png_bytes(), content_type="image/png")
    client_for(arbitration_mediator).post(url, {"file": photo})
    message = Message.objects.get()
    download = reverse(
        "messaging:case-attachment-download",
        kwargs={"pk": shared_case.pk, "message_pk": message.pk},
    )
    response = client_for(procuratorate_liaison).get(download)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(bureau_inspector).get(download).status_code == 404


# --- the moves on one message, as plain forms (the page works without the socket) ---------------


def _case_page(shared_case) -> str:
    return reverse("messaging:case", kwargs={"pk": shared_case.pk})


def _move(name: str, message) -> str:
    return reverse(f"messaging:message-{name}", kwargs={"message_pk": message.pk})


def test_the_author_sees_edit_and_delete_forms_and_others_only_reply(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="a")
    own = client_for(arbitration_mediator).get(_case_page(shared_case)).content.decode()
    theirs = client_for(procuratorate_liaison).get(_case_page(shared_case)).content.decode()
    for name in ("reply", "edit", "delete"):
        assert _move(name, message) in own
    assert _move("reply", message) in theirs
    assert _move("edit", message) not in theirs
    assert _move("delete", message) not in theirs


def test_an_old_message_offers_no_edit_but_still_a_delete(shared_case, arbitration_mediator):
    from portal.messaging.models import Message

    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="a")
    Message.objects.filter(pk=message.pk).update(
        created_at=message.created_at - services.EDIT_WINDOW - datetime.timedelta(minutes=1)
    )
    page = client_for(arbitration_mediator).get(_case_page(shared_case)).content.decode()
    assert _move("edit", message) not in page
    assert _move("delete", message) in page


def test_an_edit_posted_as_a_form_changes_the_text_and_returns_to_the_page(
    shared_case, arbitration_mediator
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="旧的"
    )
    client = client_for(arbitration_mediator)
    response = client.post(
        _move("edit", message), {"body": "新的", "next": _case_page(shared_case)}
    )
    assert response.status_code == 302
    assert response["Location"] == _case_page(shared_case)
    message.refresh_from_db()
    assert message.body == "新的"
    assert message.edited_at is not None
    page = client.get(_case_page(shared_case)).content.decode()
    assert "新的" in page
    assert "(edited)" in page or "已编辑" in page


def test_someone_elses_edit_is_refused_and_changes_nothing(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="a")
    client_for(procuratorate_liaison).post(_move("edit", message), {"body": "b"})
    client_for(procuratorate_liaison).post(_move("delete", message))
    message.refresh_from_db()
    assert (message.body, message.deleted_at) == ("a", None)


def test_a_deleted_message_stays_as_a_tombstone_without_its_text(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="撤回的话"
    )
    client_for(arbitration_mediator).post(_move("delete", message))
    response = client_for(procuratorate_liaison).get(_case_page(shared_case))
    page = response.content.decode()
    assert "撤回的话" not in page
    assert f'data-message-id="{message.pk}"' in page
    assert 'class="message-body deleted"' in page


def test_a_reply_posted_as_a_form_quotes_the_message_it_answers(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="请补充材料"
    )
    client = client_for(procuratorate_liaison)
    client.post(_move("reply", message), {"body": "明天补交"})
    reply = conversation.messages.order_by("-id").first()
    assert (reply.body, reply.reply_to_id, reply.author) == (
        "明天补交",
        message.pk,
        procuratorate_liaison,
    )
    page = client.get(_case_page(shared_case)).content.decode()
    assert 'class="message-quote"' in page
    assert page.count("请补充材料") == 2


def test_a_reply_to_a_message_of_a_case_not_seen_is_a_404(
    shared_case, bureau_case, bureau_inspector, procuratorate_liaison
):
    conversation = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    message = services.message_send(actor=bureau_inspector, conversation=conversation, body="a")
    response = client_for(procuratorate_liaison).post(_move("reply", message), {"body": "b"})
    assert response.status_code == 404
    assert conversation.messages.count() == 1


def test_the_addressee_acknowledges_a_requested_message_with_a_form(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    from portal.messaging.models import Acknowledgement

    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator,
        conversation=conversation,
        body="请确认",
        mention_user_ids=[procuratorate_liaison.pk],
        ack_requested=True,
    )
    client = client_for(procuratorate_liaison)
    assert _move("acknowledge", message) in client.get(_case_page(shared_case)).content.decode()
    author_page = client_for(arbitration_mediator).get(_case_page(shared_case)).content.decode()
    assert _move("acknowledge", message) not in author_page
    client.post(_move("acknowledge", message))
    ack = Acknowledgement.objects.get(message=message, user=procuratorate_liaison)
    assert ack.acknowledged_at is not None
    assert _move("acknowledge", message) not in client.get(_case_page(shared_case)).content.decode()


def test_each_message_counts_the_others_who_have_read_it(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    first = services.message_send(actor=arbitration_mediator, conversation=conversation, body="1")
    client = client_for(arbitration_mediator)
    shown = client.get(_case_page(shared_case)).context["messages_shown"]
    assert [message.read_by for message in shown] == [0]
    services.conversation_mark_read(
        actor=procuratorate_liaison, conversation=conversation, up_to=first.pk
    )
    services.message_send(actor=arbitration_mediator, conversation=conversation, body="2")
    shown = client.get(_case_page(shared_case)).context["messages_shown"]
    assert [message.read_by for message in shown] == [1, 0]


def test_a_move_returns_only_to_a_page_of_this_site(shared_case, arbitration_mediator):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="a")
    response = client_for(arbitration_mediator).post(
        _move("reply", message), {"body": "b", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("messaging:index")


# --- the direct-message picker on the index -------------------------------------------------


def test_the_picker_lists_other_working_staff_by_name_and_agency_only(
    arbitration_mediator, procuratorate_liaison, bureau_inspector, bureau_leader, outsider
):
    response = client_for(arbitration_mediator).get(reverse("messaging:index"))
    partners = response.context["direct_partners"]
    assert procuratorate_liaison in partners
    assert bureau_inspector in partners
    assert arbitration_mediator not in partners
    assert bureau_leader not in partners
    assert outsider not in partners
    page = response.content.decode()
    assert f'<option value="{procuratorate_liaison.username}">' in page
    assert procuratorate_liaison.email not in page


def test_the_picker_is_not_offered_to_a_leader(bureau_leader):
    response = client_for(bureau_leader).get(reverse("messaging:index"))
    assert response.context["direct_partners"] == []
    assert reverse("messaging:direct-pick") not in response.content.decode()


def test_the_picked_person_opens_the_direct_conversation(
    arbitration_mediator, procuratorate_liaison
):
    client = client_for(arbitration_mediator)
    response = client.get(
        reverse("messaging:direct-pick"), {"username": procuratorate_liaison.username}
    )
    assert response["Location"] == reverse(
        "messaging:direct", kwargs={"username": procuratorate_liaison.username}
    )
    assert client.get(response["Location"]).status_code == 200
