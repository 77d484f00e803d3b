"""The clue pages: the queue (order, filters, a fixed number of queries at 10 and at 1,000
clues), the clue page with its moves, the registration form, the work list's on-time rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from portal.clues.models import Clue, ClueSource, ClueStatus
from portal.core.models import User

from .builders import clue_data, drive, late, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def copies(clue: Clue, count: int) -> None:
    """`count` more clues like `clue`, written at once (the query count is what is measured)."""
    Clue.objects.bulk_create(
        [
            Clue(
                **{
                    f.attname: getattr(clue, f.attname)
                    for f in Clue._meta.concrete_fields
                    if f.name not in ("id", "source_reference")
                },
            )
            for _ in range(count)
        ]
    )


def test_the_queue_shows_the_soonest_deadline_first(bureau_inspector, home_squad):
    later = register(bureau_inspector, source=ClueSource.LETTER, employer_name="甲公司")
    sooner = register(bureau_inspector, source=ClueSource.HOTLINE, employer_name="乙公司")
    page = client_for(bureau_inspector).get(reverse("clues:queue"))
    assert [c.pk for c in page.context["page"].object_list] == [sooner.pk, later.pk]


def test_the_queue_filters_by_source_street_industry_state_and_lateness(
    bureau_inspector, bureau_admin, home_squad
):
    hotline = register(bureau_inspector, source=ClueSource.HOTLINE)
    platform = register(bureau_inspector, source=ClueSource.PLATFORM, street="龙凤街")
    late(drive(platform, "assigned", admin=bureau_admin, worker=bureau_inspector))
    client = client_for(bureau_inspector)

    def shown(**query: str) -> set[int]:
        page = client.get(reverse("clues:queue"), query)
        return {c.pk for c in page.context["page"].object_list}

    assert shown(source="hotline") == {hotline.pk}
    assert shown(street="龙凤街") == {platform.pk}
    assert shown(industry="construction") == {hotline.pk, platform.pk}
    assert shown(industry="catering") == set()
    assert shown(status="assigned") == {platform.pk}
    assert shown(late="on") == {platform.pk}


@pytest.mark.parametrize("url_name", ["clues:queue", "clues:create"])
def test_other_agencies_and_the_bureaus_mediators_get_404(
    url_name, arbitrator, procuratorate_admin, bureau_mediator
):
    for user in (arbitrator, procuratorate_admin, bureau_mediator):
        assert client_for(user).get(reverse(url_name)).status_code == 404


def test_another_agencys_staff_get_404_on_a_clue(bureau_inspector, arbitration_admin, home_squad):
    clue = register(bureau_inspector)
    client = client_for(arbitration_admin)
    assert client.get(reverse("clues:detail", args=[clue.pk])).status_code == 404
    response = client.post(reverse("clues:assign", args=[clue.pk]), {"version": clue.version})
    assert response.status_code == 404


def test_registering_through_the_form_opens_the_clue_page(bureau_inspector, home_squad):
    data = clue_data(reference="12345-2026-000123")
    form = {
        "source": data.source,
        "source_reference": data.source_reference,
        "employer_name": data.employer_name,
        "employer_credit_code": data.employer_credit_code,
        "workers": 8,
        "amount_owed": "96000",
        "industry": data.industry,
        "street": data.street,
        "text": data.text,
    }
    response = client_for(bureau_inspector).post(reverse("clues:create"), form)
    clue = Clue.objects.get()
    assert response.url == reverse("clues:detail", args=[clue.pk])
    assert (clue.source_reference, clue.squad, clue.workers) == ("12345-2026-000123", home_squad, 8)


def test_a_refused_registration_keeps_what_was_typed_and_saves_nothing(
    bureau_inspector, home_squad
):
    form = {
        "source": "hotline",
        "employer_name": "丙公司",
        "employer_credit_code": "91440105MA00000000",
        "workers": 3,
        "industry": "catering",
        "street": "南华西街",
        "text": "拖欠三个月工资。",
    }
    response = client_for(bureau_inspector).post(reverse("clues:create"), form)
    assert response.status_code == 200
    assert "unified social credit code" in response.content.decode()
    assert response.context["form"]["employer_name"].value() == "丙公司"
    assert not Clue.objects.exists()


def test_the_leader_is_told_that_only_inspectors_and_admins_register(bureau_leader):
    response = client_for(bureau_leader).get(reverse("clues:create"), follow=True)
    assert "Only inspectors and administrators of the bureau register clues." in (
        response.content.decode()
    )


def test_the_squad_closes_a_clue_from_its_page_with_the_amount_and_workers(
    bureau_inspector, bureau_admin, home_squad
):
    clue = drive(register(bureau_inspector), "checked", admin=bureau_admin, worker=bureau_inspector)
    client = client_for(bureau_inspector)
    page = client.get(reverse("clues:detail", args=[clue.pk]))
    assert [move for move, _label, _form in page.context["move_forms"]] == ["close", "refer"]
    conclusion = (
        page.context["move_forms"][0][2].fields["conclusion"].queryset.get(code="paid_in_full")
    )
    response = client.post(
        reverse("clues:close", args=[clue.pk]),
        {
            "version": clue.version,
            "conclusion": conclusion.pk,
            "amount_recovered": "96000",
            "workers_paid": 8,
        },
    )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert (clue.status, clue.amount_recovered, clue.workers_paid) == (
        ClueStatus.CLOSED,
        Decimal("96000.00"),
        8,
    )


def test_a_refused_move_is_shown_next_to_its_form_with_what_was_typed(
    bureau_inspector, bureau_admin, home_squad
):
    clue = drive(register(bureau_inspector), "checked", admin=bureau_admin, worker=bureau_inspector)
    client = client_for(bureau_inspector)
    conclusion = clue.__class__._meta.get_field("conclusion").related_model.objects.get(
        code="paid_in_full"
    )
    response = client.post(
        reverse("clues:close", args=[clue.pk]),
        {"version": clue.version, "conclusion": conclusion.pk, "text": "已全部支付"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Give the amount recovered for the workers." in body
    assert "已全部支付" in body
    clue.refresh_from_db()
    assert clue.status == ClueStatus.CHECKED


def test_the_timeline_shows_every_move(bureau_inspector, bureau_admin, home_squad):
    clue = drive(register(bureau_inspector), "closed", admin=bureau_admin, worker=bureau_inspector)
    page = client_for(bureau_admin).get(reverse("clues:detail", args=[clue.pk]))
    actions = [event.action for event in page.context["timeline"]]
    assert actions == ["clue.close", "clue.check", "clue.contact", "clue.assign", "clue.register"]


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_and_the_clue_page_take_the_same_queries_at_10_and_at_1000_clues(
    bureau_inspector, bureau_admin, home_squad
):
    clue = drive(
        register(bureau_inspector), "contacted", admin=bureau_admin, worker=bureau_inspector
    )
    copies(clue, 9)
    client = client_for(bureau_inspector)
    queue, detail = reverse("clues:queue"), reverse("clues:detail", args=[clue.pk])
    at_10 = (queries(client, queue), queries(client, detail))
    copies(clue, 990)
    assert Clue.objects.count() == 1000
    assert (queries(client, queue), queries(client, detail)) == at_10


def test_the_work_list_shows_the_on_time_rate_per_source(
    bureau_inspector, bureau_admin, bureau_leader, home_squad, arbitrator
):
    received = timezone.now() - datetime.timedelta(days=40)
    drive(
        register(bureau_inspector, source=ClueSource.HOTLINE, received_at=received),
        "closed",
        admin=bureau_admin,
        worker=bureau_inspector,
    )  # closed today: weeks late
    page = client_for(bureau_leader).get(reverse("core:home"))
    (rate,) = page.context["clue_on_time_rates"]
    assert (rate.source, rate.due, rate.on_time, rate.percent) == ("hotline", 1, 0, 0)
    assert 'data-testid="rate-hotline">0%' in page.content.decode()
    assert "clue_on_time_rates" not in client_for(arbitrator).get(reverse("core:home")).context


def test_closed_clues_come_after_the_open_ones_in_the_queue(
    bureau_inspector, bureau_admin, home_squad
):
    received = timezone.now() - datetime.timedelta(days=40)
    closed = drive(
        register(bureau_inspector, received_at=received),
        "closed",
        admin=bureau_admin,
        worker=bureau_inspector,
    )
    open_clue = register(bureau_inspector)
    page = client_for(bureau_inspector).get(reverse("clues:queue"))
    assert [c.pk for c in page.context["page"].object_list] == [open_clue.pk, closed.pk]
