"""The messaging socket tests' fixtures: two agencies' people in one co-handled case's
conversation, over an in-memory channel layer of the test's own."""

from __future__ import annotations

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from portal.cases.services import case_co_handling_start
from portal.core.bootstrap import seed_reference_data
from portal.core.models import Role, User
from portal.messaging import runtime, services

from ..factories import agency, make_case, member


@pytest.fixture
def in_memory_layer(settings):
    """Each test gets its own layer: a shared Redis would mix pushes of parallel test runs."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest_asyncio.fixture
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()
    await sync_to_async(runtime.close_send_connections, thread_sensitive=False)()


@pytest.fixture
def people(db) -> dict[str, User]:
    seed_reference_data()  # a transactional test starts from a flushed database
    return {
        "arb": member("arb.mediator", "arbitration", Role.MEDIATOR),
        "arb_admin": member("arb.admin", "arbitration", Role.AGENCY_ADMIN),
        "proc": member("proc.liaison", "procuratorate", Role.LIAISON),
        "bureau": member("bureau.inspector", "bureau", Role.INSPECTOR),
    }


@pytest.fixture
def conversation_id(people) -> int:
    """The conversation of an arbitration case co-handled with the procuratorate."""
    case = make_case(agency_code="arbitration", actor=people["arb"])
    case_co_handling_start(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))
    return services.conversation_for_case(actor=people["arb"], case_id=case.pk).pk
