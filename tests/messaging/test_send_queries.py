"""The cost of a message on the socket's path (bench/b3_ws.py, B3): a fixed number of queries,
whatever the conversation holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.core.bootstrap import seed_reference_data
from portal.core.models import Role
from portal.messaging import consumers, services
from portal.messaging.models import Message, ReadMark

from ..factories import member

pytestmark = pytest.mark.django_db

# The person, the conversation, the transaction's start (a savepoint in a test), its agencies
# (the access rule), the message, the sender's read mark, the audit row, the transaction's end.
SEND_QUERIES = 8


@pytest.fixture
def liaison(db):
    seed_reference_data()
    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    conversation = services.conversation_for_liaison(
        actor=arb, agency_codes=["arbitration", "procuratorate"]
    )
    return arb, conversation


def socket_send(user, conversation_id: int, body: str) -> int | None:
    """What the socket's `send` command runs on its database thread."""
    consumer = consumers.MessagingConsumer()
    consumer.user = user
    return consumer._call_sync("send", conversation=conversation_id, body=body)


def test_a_sent_message_costs_a_fixed_number_of_queries(
    liaison, django_capture_on_commit_callbacks
):
    arb, conversation = liaison
    socket_send(arb, conversation.pk, "第一条")  # the read mark exists from now on
    for body in ("第二条", "第三条"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False),
        ):
            message_id = socket_send(arb, conversation.pk, body)
        assert len(queries) == SEND_QUERIES, "\n".join(q["sql"] for q in queries)
    assert Message.objects.get(pk=message_id).body == "第三条"
    assert ReadMark.objects.get(conversation=conversation, user=arb).last_read_id == message_id
