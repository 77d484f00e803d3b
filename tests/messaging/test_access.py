"""The access check before each relayed event, asked by many sockets at once."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.http import Http404

from portal.cases.services import case_co_handling_start
from portal.core.bootstrap import seed_reference_data
from portal.core.models import Role
from portal.core.people import membership_end
from portal.messaging import services
from portal.messaging.access import decide, may_see_now
from portal.messaging.permissions import access_conversation, may_see

from ..factories import agency, make_case, member


@pytest.fixture
def conversations(people):
    liaison = services.conversation_for_liaison(
        actor=people["arb"], agency_codes=["arbitration", "procuratorate"]
    )
    case = make_case(agency_code="arbitration", actor=people["arb"])
    case_co_handling_start(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))
    on_case = services.conversation_for_case(actor=people["arb"], case_id=case.pk)
    direct = services.conversation_for_direct(actor=people["arb"], other=people["bureau"])
    return [liaison, on_case, direct]


def test_many_answers_agree_with_the_rule_of_each_conversation(people, conversations):
    questions = [(u.pk, c.pk) for u in people.values() for c in conversations]
    answers = decide(questions)
    for user in people.values():
        for conversation in conversations:
            assert answers[user.pk, conversation.pk] == may_see(user, conversation)
    assert answers[people["proc"].pk, conversations[0].pk] is True
    assert answers[people["bureau"].pk, conversations[0].pk] is False


def test_a_missing_person_or_conversation_is_refused(people, conversations):
    answers = decide([(0, conversations[0].pk), (people["arb"].pk, 0)])
    assert answers == {(0, conversations[0].pk): False, (people["arb"].pk, 0): False}


def test_liaison_answers_take_the_same_queries_for_two_people_as_for_forty(
    people, conversations, django_assert_num_queries
):
    liaison = conversations[0]
    many = [member(f"arb.m{i}", "arbitration", Role.MEDIATOR) for i in range(40)]
    with django_assert_num_queries(4):  # people, conversations, their agencies, their people
        decide([(people["arb"].pk, liaison.pk), (people["proc"].pk, liaison.pk)])
    with django_assert_num_queries(4):
        assert all(decide([(user.pk, liaison.pk) for user in many]).values())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sockets_asking_together_get_fresh_answers():
    @sync_to_async
    def setup():
        seed_reference_data()
        arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
        proc = member("proc.liaison", "procuratorate", Role.LIAISON)
        bureau = member("bureau.inspector", "bureau", Role.INSPECTOR)
        channel = services.conversation_for_liaison(
            actor=arb, agency_codes=["arbitration", "procuratorate"]
        )
        return arb, proc, bureau, channel

    arb, proc, bureau, channel = await setup()
    try:
        together = await asyncio.gather(
            *(may_see_now(user.pk, channel.pk) for user in (arb, proc, bureau, arb))
        )
        assert together == [True, True, False, True]
        await sync_to_async(membership_end)(actor=None, user=proc)
        assert await may_see_now(proc.pk, channel.pk) is False
    finally:
        await sync_to_async(connections.close_all)()


def test_the_loader_admits_exactly_whom_the_rule_of_each_conversation_admits(people, conversations):
    for user in people.values():
        for conversation in conversations:
            try:
                access_conversation(user, conversation.pk)
            except Http404:
                admitted = False
            else:
                admitted = True
            assert admitted == may_see(user, conversation), (user, conversation.kind)
    with pytest.raises(Http404):
        access_conversation(people["arb"], "not-a-number")
