"""The appointments page: the appointing agency's administrator appoints a person of another
agency and ends the appointment there, through the services (audited); everyone else of the
agency sees the list and no form."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_actions, audit_history
from portal.core.models import Appointment, AppointmentKind

pytestmark = pytest.mark.django_db

PAGE = reverse("core:appointments")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_appoints_a_special_mediator_and_ends_the_appointment(
    arbitration_admin, bureau_mediator
):
    client = client_of(arbitration_admin)
    today = timezone.localdate()
    response = client.post(
        reverse("core:appointment-new"),
        {
            "user": bureau_mediator.pk,
            "kind": AppointmentKind.SPECIAL_MEDIATOR,
            "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=180)).isoformat(),
            "note": "2026年度特约调解员",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(user=bureau_mediator)
    assert appointment.appointing_agency == arbitration_admin.agency
    assert "appointment.create" in audit_actions(audit_history(appointment))
    page = client.get(PAGE).content.decode()
    assert str(bureau_mediator) in page and "结束聘任" in page

    response = client.post(reverse("core:appointment-end"), {"appointment": appointment.pk})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.ended_at is not None
    assert "appointment.end" in audit_actions(audit_history(appointment))


def test_a_refused_appointment_keeps_what_was_typed_and_names_the_field(
    arbitration_admin, bureau_mediator
):
    today = timezone.localdate()
    response = client_of(arbitration_admin).post(
        reverse("core:appointment-new"),
        {
            "user": bureau_mediator.pk,
            "kind": AppointmentKind.SPECIAL_MEDIATOR,
            "valid_from": today.isoformat(),
            "valid_until": (today - datetime.timedelta(days=1)).isoformat(),
            "note": "倒填日期",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "valid_until" in form.errors
    assert form["note"].value() == "倒填日期"
    assert not Appointment.objects.exists()


def test_staff_who_are_not_admins_see_the_list_but_no_form(arbitration_mediator):
    page = client_of(arbitration_mediator).get(PAGE)
    assert page.status_code == 200
    assert page.context["form"] is None
    assert reverse("core:appointment-new") not in page.content.decode()


def test_the_admins_menu_leads_to_the_page(arbitration_admin, arbitration_mediator):
    assert f'href="{PAGE}"' in client_of(arbitration_admin).get("/").content.decode()
    assert f'href="{PAGE}"' not in client_of(arbitration_mediator).get("/").content.decode()
