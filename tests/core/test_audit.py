"""The audit trail: what an event records, that it cannot be changed, and where it is read."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal.cases.services import case_reveal_personal_info
from portal.core import request_context
from portal.core.audit import audit_history, audit_record
from portal.core.models import AuditEvent

from ..factories import agency

pytestmark = pytest.mark.django_db


def test_an_event_records_actor_agency_object_statuses_note_request_and_ip(
    arbitration_case, arbitrator
):
    token = request_context.bind(
        request_context.RequestContext(request_id="req-audit-0001", ip_address="192.0.2.10")
    )
    try:
        event = audit_record(
            actor=arbitrator,
            action="case.accept",
            obj=arbitration_case,
            status_before="filed",
            status_after="accepted",
            note="材料齐全",
        )
    finally:
        request_context.unbind(token)
    event.refresh_from_db()
    assert event.actor == arbitrator
    assert event.actor_label == "arb.arbitrator"
    assert event.agency == agency("arbitration")
    assert event.action == "case.accept"
    assert event.content_type.model_class() is type(arbitration_case)
    assert event.object_id == str(arbitration_case.pk)
    assert event.object_repr == arbitration_case.number
    assert (event.status_before, event.status_after) == ("filed", "accepted")
    assert event.note == "材料齐全"
    assert event.request_id == "req-audit-0001"
    assert event.ip_address == "192.0.2.10"


def test_a_system_event_has_no_actor_agency_request_or_ip(arbitration_case):
    event = audit_record(actor=None, action="case.expire", obj=arbitration_case)
    assert (event.actor, event.agency, event.actor_label) == (None, None, "")
    assert (event.request_id, event.ip_address) == ("", None)


def test_a_system_event_can_carry_a_label(arbitration_case):
    event = audit_record(actor=None, action="case.file", obj=arbitration_case, actor_label="kiosk")
    assert event.actor_label == "kiosk"


def test_the_history_of_an_object_lists_only_its_events_newest_first(
    arbitration_case, bureau_case, arbitrator
):
    first = audit_record(actor=arbitrator, action="case.note", obj=arbitration_case)
    second = audit_record(actor=arbitrator, action="case.note", obj=arbitration_case, note="2")
    audit_record(actor=arbitrator, action="case.note", obj=bureau_case)
    history = list(audit_history(arbitration_case))
    assert history[:2] == [second, first]
    assert {event.object_id for event in history} == {str(arbitration_case.pk)}
    assert history[-1].action == "case.create"


def test_the_middleware_binds_a_sane_request_id_and_the_client_ip(
    client, arbitration_case, arbitrator
):
    client.force_login(arbitrator)
    response = client.post(
        reverse("cases:reveal", args=[arbitration_case.pk]),
        HTTP_X_REQUEST_ID="abc.DEF_123-456",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response["X-Request-ID"] == "abc.DEF_123-456"
    event = AuditEvent.objects.get(action="case.reveal_personal_info")
    assert (event.request_id, event.ip_address) == ("abc.DEF_123-456", "198.51.100.7")


def test_the_middleware_replaces_a_request_id_it_cannot_trust(client, arbitration_case, arbitrator):
    client.force_login(arbitrator)
    response = client.post(
        reverse("cases:reveal", args=[arbitration_case.pk]),
        HTTP_X_REQUEST_ID="<script>alert(1)</script>",
    )
    event = AuditEvent.objects.get(action="case.reveal_personal_info")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32
    assert "<" not in event.request_id


def test_a_forwarded_address_counts_only_behind_our_own_proxy(
    client, settings, arbitration_case, arbitrator
):
    client.force_login(arbitrator)
    url = reverse("cases:reveal", args=[arbitration_case.pk])
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.5, 10.0.0.2", "REMOTE_ADDR": "10.0.0.3"}
    settings.AXES_IPWARE_PROXY_COUNT = 0
    client.post(url, **forwarded)
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client.post(url, **forwarded)
    events = AuditEvent.objects.filter(action="case.reveal_personal_info").order_by("id")
    assert [event.ip_address for event in events] == ["10.0.0.3", "10.0.0.2"]


def test_outside_a_request_no_context_is_bound():
    assert request_context.current() == request_context.RequestContext()


def test_the_case_page_shows_a_reveal_to_someone_who_may_see_the_case(
    client, arbitration_case, arbitrator, arbitration_mediator
):
    case_reveal_personal_info(actor=arbitrator, case=arbitration_case)
    client.force_login(arbitration_mediator)
    response = client.get(reverse("cases:detail", args=[arbitration_case.pk]))
    page = response.content.decode()
    assert 'data-action="case.reveal_personal_info"' in page
    assert response.context["history"][0].action == "case.reveal_personal_info"
    assert response.context["history"][0].actor == arbitrator


def test_the_case_history_is_not_shown_to_another_agency(
    client, arbitration_case, arbitrator, bureau_inspector
):
    case_reveal_personal_info(actor=arbitrator, case=arbitration_case)
    client.force_login(bureau_inspector)
    assert client.get(reverse("cases:detail", args=[arbitration_case.pk])).status_code == 404


# --- append-only, on PostgreSQL and on SQLite alike -------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_event_through_the_orm(
    arbitration_case, arbitrator
):
    event = audit_record(actor=arbitrator, action="case.note", obj=arbitration_case, note="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.note = "rewritten"
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.note == "x"


def test_the_database_refuses_to_change_or_delete_an_event_through_raw_sql(
    arbitration_case, arbitrator
):
    event = audit_record(actor=arbitrator, action="case.note", obj=arbitration_case, note="x")
    table = AuditEvent._meta.db_table
    statements = [
        (f"UPDATE {table} SET note = %s WHERE id = %s", ["rewritten", event.pk]),  # noqa: S608
        (f"DELETE FROM {table} WHERE id = %s", [event.pk]),  # noqa: S608
    ]
    for sql, params in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    event.refresh_from_db()
    assert event.note == "x"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_events_can_still_be_appended_after_a_refused_change(arbitration_case, arbitrator):
    event = audit_record(actor=arbitrator, action="case.note", obj=arbitration_case)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    audit_record(actor=arbitrator, action="case.note", obj=arbitration_case, note="later")
    assert AuditEvent.objects.filter(note="later").exists()
