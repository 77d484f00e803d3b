"""The conversation pages render what is stored and only what the reader may see."""

from __future__ import annotations

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
