"""The conversation pages render what is stored and only what the reader may see."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.cases.services import case_co_handling_start
from portal.messaging import services
from portal.messaging.models import Message
from tests.helpers import png_bytes

from ..factories import agency, member
from ..meetings.builders import make_meeting
from ..referrals.builders import draft, move

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


def test_the_list_shows_each_conversations_last_message_its_time_and_a_visible_count(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    services.message_send(actor=arbitration_mediator, conversation=ours, body="一")
    last = services.message_send(actor=arbitration_mediator, conversation=ours, body="请核实证据")
    page = client_for(procuratorate_liaison).get(reverse("messaging:index")).content.decode()
    assert "请核实证据" in page
    assert (
        f'<time datetime="{timezone.localtime(last.created_at).isoformat(timespec="seconds")}">'
        in page
    )
    assert "2 条未读" in page


def test_the_menu_badge_counts_the_readers_unread_messages(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    services.message_send(actor=arbitration_mediator, conversation=ours, body="一")
    services.message_send(actor=arbitration_mediator, conversation=ours, body="二")
    unread = reverse("messaging:unread")
    assert client_for(procuratorate_liaison).get(unread).json() == {"unread": 2}
    assert client_for(arbitration_mediator).get(unread).json() == {"unread": 0}
    page = client_for(procuratorate_liaison).get(reverse("core:home")).content.decode()
    assert f'data-unread-messages="{unread}"' in page


def test_the_message_box_completes_the_people_and_agencies_one_may_mention(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    response = client_for(arbitration_mediator).get(
        reverse("messaging:case", kwargs={"pk": shared_case.pk})
    )
    candidates = response.context["mention_candidates"]
    assert {"kind": "user", "id": procuratorate_liaison.pk} in [
        {"kind": c["kind"], "id": c["id"]} for c in candidates
    ]
    assert {"kind": "agency", "id": "procuratorate"} in [
        {"kind": c["kind"], "id": c["id"]} for c in candidates
    ]
    page = response.content.decode()
    assert 'id="mention-candidates"' in page
    assert "<select" not in page.split("data-message-form")[1].split("</form>")[0]


def test_search_finds_chinese_words_only_where_the_reader_may_look(
    shared_case, bureau_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    services.message_send(actor=arbitration_mediator, conversation=ours, body="欠薪三个月")
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    services.message_send(actor=bureau_inspector, conversation=theirs, body="欠薪五个月")
    response = client_for(procuratorate_liaison).get(reverse("messaging:search"), {"q": "欠薪"})
    assert [message.body for message in response.context["results"]] == ["欠薪三个月"]


def _conversation_of(kind, shared_case, sender, reader, organiser):
    """A conversation of each kind that `sender` and `reader` share (and the bureau does not)."""
    if kind == "case":
        return services.conversation_for_case(actor=sender, case_id=shared_case.pk)
    if kind == "referral":
        referral = move(draft(sender, "procuratorate"), "send", sender)
        return services.conversation_for_referral(actor=sender, referral_id=referral.pk)
    if kind == "meeting":
        meeting = make_meeting(organiser, [reader])
        return services.conversation_for_meeting(actor=sender, meeting_id=meeting.pk)
    if kind == "liaison":
        return services.conversation_for_liaison(
            actor=sender, agency_codes=["arbitration", "procuratorate"]
        )
    return services.conversation_for_direct(actor=sender, other=reader)


@pytest.mark.parametrize("kind", ["case", "referral", "meeting", "liaison", "direct"])
def test_a_file_sent_into_any_conversation_downloads_for_its_readers_only(
    kind,
    shared_case,
    arbitration_mediator,
    arbitration_admin,
    procuratorate_liaison,
    bureau_inspector,
):
    conversation = _conversation_of(
        kind, shared_case, arbitration_mediator, procuratorate_liaison, arbitration_admin
    )
    page = reverse("messaging:index")  # any page of the site to come back to
    url = reverse("messaging:attachment-add", kwargs={"conversation_pk": conversation.pk})
    fake = SimpleUploadedFile("scan.png", b"<html>not a png</html>", content_type="image/png")
    response = client_for(arbitration_mediator).post(url, {"file": fake}, follow=True)
    assert [str(m) for m in response.context["messages"]]  # told why
    assert not Message.objects.exists()
    photo = SimpleUploadedFile("工资条.png", png_bytes(), content_type="image/png")
    response = client_for(arbitration_mediator).post(url, {"file": photo, "next": page})
    assert response["Location"] == page
    message = Message.objects.get()
    download = reverse(
        "messaging:attachment-download",
        kwargs={"conversation_pk": conversation.pk, "message_pk": message.pk},
    )
    response = client_for(procuratorate_liaison).get(download)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(bureau_inspector).get(download).status_code == 404
    other_photo = SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")
    assert client_for(bureau_inspector).post(url, {"file": other_photo}).status_code == 404
    assert Message.objects.count() == 1


def test_the_conversation_page_links_the_file_and_offers_the_upload_form(
    arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_direct(
        actor=arbitration_mediator, other=procuratorate_liaison
    )
    message = services.message_send(
        actor=arbitration_mediator,
        conversation=conversation,
        body="",
        attachment=SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png"),
    )
    direct = reverse("messaging:direct", kwargs={"username": arbitration_mediator.username})
    page = client_for(procuratorate_liaison).get(direct).content.decode()
    assert (
        reverse(
            "messaging:attachment-download",
            kwargs={"conversation_pk": conversation.pk, "message_pk": message.pk},
        )
        in page
    )
    assert reverse("messaging:attachment-add", kwargs={"conversation_pk": conversation.pk}) in page


def test_a_file_of_another_conversation_is_a_404_even_under_a_visible_one(
    shared_case, bureau_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    foreign = services.message_send(
        actor=bureau_inspector,
        conversation=theirs,
        body="",
        attachment=SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png"),
    )
    url = reverse(
        "messaging:attachment-download",
        kwargs={"conversation_pk": ours.pk, "message_pk": foreign.pk},
    )
    assert client_for(procuratorate_liaison).get(url).status_code == 404


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


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "1", "cases:list"])
def test_a_move_returns_only_to_a_page_of_this_site(shared_case, arbitration_mediator, target):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="a")
    response = client_for(arbitration_mediator).post(
        _move("reply", message), {"body": "b", "next": target}
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


# --- what a page fetches for a message that arrived live -------------------------------------


def _fragments(conversation, *messages, next_page: str = "") -> tuple[str, dict[str, str]]:
    url = reverse("messaging:message-fragments", kwargs={"conversation_pk": conversation.pk})
    query = {"ids": ",".join(str(message.pk) for message in messages)}
    if next_page:
        query["next"] = next_page
    return url, query


def test_a_live_reply_is_fetched_with_its_quote_and_the_readers_own_controls(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    question = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="请补充材料"
    )
    answer = services.message_send(
        actor=procuratorate_liaison,
        conversation=conversation,
        body="明天补交",
        reply_to_id=question.pk,
    )
    url, query = _fragments(conversation, answer, next_page=_case_page(shared_case))
    theirs = client_for(arbitration_mediator).get(url, query)
    assert theirs.status_code == 200
    html = theirs.content.decode()
    assert html.count('class="message-item') == 1  # the asked one only
    assert 'class="message-quote"' in html and "请补充材料" in html
    assert _move("reply", answer) in html
    assert _move("edit", answer) not in html
    assert f'name="next" value="{_case_page(shared_case)}"' in html
    own = client_for(procuratorate_liaison).get(url, query).content.decode()
    assert _move("edit", answer) in own
    assert _move("delete", answer) in own


def test_fragments_show_only_the_conversations_own_messages_to_its_readers(
    shared_case, bureau_case, arbitration_mediator, procuratorate_liaison, bureau_inspector
):
    ours = services.conversation_for_case(actor=arbitration_mediator, case_id=shared_case.pk)
    mine = services.message_send(actor=arbitration_mediator, conversation=ours, body="我们的")
    theirs = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    foreign = services.message_send(actor=bureau_inspector, conversation=theirs, body="别人的")
    url, query = _fragments(ours, mine, foreign, next_page="https://evil.example/")
    html = client_for(procuratorate_liaison).get(url, query).content.decode()
    assert "我们的" in html
    assert "别人的" not in html
    assert "evil.example" not in html  # a foreign page is no place to come back to
    assert client_for(bureau_inspector).get(url, query).status_code == 404


# --- mentions, acknowledgements, edit history --------------------------------------------------


def test_the_mention_picker_offers_the_people_and_agencies_who_read_the_conversation(
    shared_case, arbitration_mediator, arbitrator, procuratorate_liaison, bureau_inspector
):
    response = client_for(arbitration_mediator).get(_case_page(shared_case))
    people = response.context["mention_people"]
    assert procuratorate_liaison in people
    assert arbitrator in people
    assert arbitration_mediator not in people  # not oneself
    assert bureau_inspector not in people  # cannot read the case
    codes = [agency.code for agency in response.context["mention_agencies"]]
    assert codes == ["arbitration", "procuratorate"]
    page = response.content.decode()
    assert f'"kind": "user", "id": {procuratorate_liaison.pk}' in page  # what "@" completes
    assert 'name="ack_requested"' in page


def test_mentions_are_highlighted_and_the_mentioned_reader_is_told(
    shared_case, arbitration_mediator, procuratorate_liaison, arbitrator
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    services.message_send(
        actor=arbitration_mediator,
        conversation=conversation,
        body="请核实",
        mention_user_ids=[procuratorate_liaison.pk],
        mention_agency_codes=["procuratorate"],
    )
    page = client_for(procuratorate_liaison).get(_case_page(shared_case)).content.decode()
    assert f'<mark class="mention">@{procuratorate_liaison}</mark>' in page
    assert f'<mark class="mention">@{agency("procuratorate").short_name}</mark>' in page
    assert "message-item mentions-you" in page
    colleague = client_for(arbitrator).get(_case_page(shared_case)).content.decode()
    assert '<mark class="mention">' in colleague
    assert "mentions-you" not in colleague


def test_an_acknowledgement_request_shows_how_many_of_its_addressees_acknowledged(
    shared_case, arbitration_mediator, procuratorate_liaison, procuratorate_admin
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator,
        conversation=conversation,
        body="请两位确认",
        mention_agency_codes=["procuratorate"],
        ack_requested=True,
    )
    client = client_for(arbitration_mediator)
    (shown,) = client.get(_case_page(shared_case)).context["messages_shown"]
    assert (shown.ack_done, shown.ack_total) == (0, 2)
    services.message_acknowledge(actor=procuratorate_liaison, message_id=message.pk)
    response = client.get(_case_page(shared_case))
    (shown,) = response.context["messages_shown"]
    assert (shown.ack_done, shown.ack_total) == (1, 2)
    assert 'class="message-ack"' in response.content.decode()


def test_the_edit_history_is_shown_to_every_reader_but_not_for_a_withdrawn_message(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="周一开庭"
    )
    services.message_edit(actor=arbitration_mediator, message_id=message.pk, body="周二开庭")
    services.message_edit(actor=arbitration_mediator, message_id=message.pk, body="周三开庭")
    response = client_for(procuratorate_liaison).get(_case_page(shared_case))
    (shown,) = response.context["messages_shown"]
    assert [revision.body for revision in shown.history] == ["周一开庭", "周二开庭"]
    page = response.content.decode()
    assert 'class="message-history"' in page
    assert "周一开庭" in page and "周二开庭" in page
    services.message_delete(actor=arbitration_mediator, message_id=message.pk)
    page = client_for(procuratorate_liaison).get(_case_page(shared_case)).content.decode()
    assert "周一开庭" not in page
    assert 'class="message-history"' not in page


def test_the_page_carries_how_far_each_reader_has_read_for_live_counts(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(actor=arbitration_mediator, conversation=conversation, body="1")
    services.conversation_mark_read(
        actor=procuratorate_liaison, conversation=conversation, up_to=message.pk
    )
    response = client_for(arbitration_mediator).get(_case_page(shared_case))
    assert response.context["read_marks"] == {
        arbitration_mediator.pk: message.pk,
        procuratorate_liaison.pk: message.pk,
    }
    page = response.content.decode()
    assert 'id="read-marks"' in page
    # the page's script fills the same words in as the counts change
    assert 'data-label-read="{readers} 人已读"' in page
    assert 'data-label-ack="请求确认收到：{done} / {total} 人已签收"' in page


def test_the_conversation_page_costs_the_same_queries_however_many_staff_the_agencies_have(
    shared_case, arbitration_mediator, procuratorate_liaison
):
    page = _case_page(shared_case)
    client = client_for(arbitration_mediator)
    client.get(page)  # warm the caches a first request fills
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for number in range(12):
        member(f"extra.inspector{number}", "bureau", "inspector")
        member(f"extra.liaison{number}", "procuratorate", "liaison")
    with CaptureQueriesContext(connection) as many:
        people = client.get(page).context["mention_people"]
    assert len(many) == len(few)
    assert "extra.liaison0" in {person.username for person in people}  # the procuratorate reads
    assert "extra.inspector0" not in {person.username for person in people}  # the bureau does not


# --- input no view may fail on (issue 17, item 6) ------------------------------------------------


def test_a_name_that_no_account_can_have_is_a_404_not_a_fault(arbitration_mediator):
    response = client_for(arbitration_mediator).get(
        reverse("messaging:direct-pick"), {"username": "a/b"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("ids", ["99999999999999999999999", "²", "１２", "1" * 19])
def test_numbers_no_message_can_have_fetch_nothing_instead_of_failing(
    shared_case, arbitration_mediator, ids
):
    conversation = services.conversation_for_case(
        actor=arbitration_mediator, case_id=shared_case.pk
    )
    message = services.message_send(
        actor=arbitration_mediator, conversation=conversation, body="证据已收到"
    )
    url, _query = _fragments(conversation)
    response = client_for(arbitration_mediator).get(url, {"ids": f"{ids},{message.pk}"})
    assert response.status_code == 200
    assert [shown.pk for shown in response.context["messages_shown"]] == [message.pk]


def test_the_read_only_leader_reads_a_conversation_without_a_form_to_write_in_it(
    bureau_case, bureau_inspector, bureau_leader
):
    conversation = services.conversation_for_case(actor=bureau_inspector, case_id=bureau_case.pk)
    message = services.message_send(actor=bureau_inspector, conversation=conversation, body="汇报")
    client = client_for(bureau_leader)
    page = client.get(reverse("messaging:case", kwargs={"pk": bureau_case.pk})).content.decode()
    assert "汇报" in page
    assert "data-message-form" not in page
    assert (
        reverse("messaging:attachment-add", kwargs={"conversation_pk": conversation.pk}) not in page
    )
    assert _move("reply", message) not in page
    response = client.post(
        reverse("messaging:attachment-add", kwargs={"conversation_pk": conversation.pk}),
        {"file": SimpleUploadedFile("scan.png", png_bytes(), "image/png"), "body": "附件"},
    )
    assert response.status_code == 302
    assert list(Message.objects.values_list("body", flat=True)) == ["汇报"]
