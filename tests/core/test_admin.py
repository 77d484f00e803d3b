"""The Django admin: an agency admin sees and changes their own agency's rows only; the
superuser sees everything; the audit trail is read-only for everyone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import Case
from portal.core.demo import ADMIN_MODEL_PERMS
from portal.core.models import Agency, Appointment, AppointmentKind, AuditEvent, Membership, User
from portal.core.people import appointment_create
from portal.core.permissions import agency_group

from ..factories import UserFactory, agency, make_case

pytestmark = pytest.mark.django_db


def make_agency_admin(user: User) -> User:
    """Staff status and the model permissions seed_demo gives an agency admin."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(codename__in=ADMIN_MODEL_PERMS))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def bureau_staff_admin(bureau_admin: User) -> User:
    return make_agency_admin(bureau_admin)


@pytest.fixture
def arbitration_staff_admin(arbitration_admin: User) -> User:
    return make_agency_admin(arbitration_admin)


@pytest.fixture
def root(db: None) -> User:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def both_agencies(
    bureau_staff_admin: User,
    arbitration_staff_admin: User,
    bureau_inspector: User,
    bureau_mediator: User,
    arbitrator: User,
    procuratorate_liaison: User,
) -> dict[str, Any]:
    """People, appointments, cases and audit events in the bureau and in arbitration."""
    today = timezone.localdate()
    by_arbitration = appointment_create(
        actor=arbitration_staff_admin,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=today,
        valid_until=today + datetime.timedelta(days=90),
    )
    by_bureau = appointment_create(
        actor=bureau_staff_admin,
        user=procuratorate_liaison,
        appointing_agency=agency("bureau"),
        kind=AppointmentKind.LIAISON,
        valid_from=today,
        valid_until=today + datetime.timedelta(days=90),
    )
    return {
        "bureau_case": make_case(agency_code="bureau", actor=bureau_inspector),
        "arbitration_case": make_case(agency_code="arbitration", actor=arbitrator),
        "by_arbitration": by_arbitration,
        "by_bureau": by_bureau,
    }


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changelist(client: Client, model: str) -> list[Any]:
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def change_form_data(response: HttpResponse) -> dict[str, Any]:
    """What the browser would post back from an admin change page, unchanged."""
    data: dict[str, Any] = {}

    def add(form: forms.BaseForm) -> None:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if field.disabled:
                continue
            if isinstance(field.widget, forms.MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


# --- what an agency admin sees -------------------------------------------------------------------


def test_agency_admin_sees_only_their_agencys_people(both_agencies, bureau_staff_admin):
    usernames = {user.username for user in changelist(logged_in(bureau_staff_admin), "core_user")}
    assert usernames == {"bureau.admin", "bureau.inspector", "bureau.mediator"}


def test_agency_admin_sees_only_the_appointments_their_agency_made(
    both_agencies, bureau_staff_admin
):
    assert changelist(logged_in(bureau_staff_admin), "core_appointment") == [
        both_agencies["by_bureau"]
    ]


def test_agency_admin_sees_only_their_agencys_audit_events(both_agencies, bureau_staff_admin):
    events = changelist(logged_in(bureau_staff_admin), "core_auditevent")
    assert events
    assert {event.agency.code for event in events} == {"bureau"}
    assert "case.create" in {event.action for event in events}


def test_agency_admin_sees_only_their_agencys_cases(both_agencies, bureau_staff_admin):
    assert changelist(logged_in(bureau_staff_admin), "cases_case") == [both_agencies["bureau_case"]]


def test_superuser_sees_every_agency_in_the_admin(both_agencies, root):
    client = logged_in(root)
    assert {u.username for u in changelist(client, "core_user")} >= {
        "bureau.admin",
        "arb.admin",
        "arb.arbitrator",
        "proc.liaison",
    }
    assert set(changelist(client, "core_appointment")) == {
        both_agencies["by_bureau"],
        both_agencies["by_arbitration"],
    }
    assert set(changelist(client, "cases_case")) == set(Case.objects.all())
    assert len(changelist(client, "core_auditevent")) == AuditEvent.objects.count()


# --- another agency's rows -----------------------------------------------------------------------


def test_another_agencys_person_is_not_found_for_an_agency_admin(
    both_agencies, bureau_staff_admin, arbitrator
):
    client = logged_in(bureau_staff_admin)
    for page in ("change", "history"):
        response = client.get(reverse(f"admin:core_user_{page}", args=[arbitrator.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
    password = reverse("admin:auth_user_password_change", args=[arbitrator.pk])
    assert client.get(password).status_code == 404
    assert (
        client.post(password, {"password1": "x-9kq!Lm2#", "password2": "x-9kq!Lm2#"}).status_code
        == 404
    )
    arbitrator.refresh_from_db()
    assert arbitrator.check_password("pw-for-tests-2026")


def test_an_agency_admin_cannot_change_another_agencys_person_by_post(
    both_agencies, bureau_staff_admin, arbitration_staff_admin, arbitrator
):
    own_page = logged_in(arbitration_staff_admin).get(
        reverse("admin:core_user_change", args=[arbitrator.pk])
    )
    data = {**change_form_data(own_page), "full_name": "改名", "is_active": ""}
    response = logged_in(bureau_staff_admin).post(
        reverse("admin:core_user_change", args=[arbitrator.pk]), data
    )
    assert response.status_code == 302
    arbitrator.refresh_from_db()
    assert arbitrator.full_name != "改名"
    assert arbitrator.is_active


def test_another_agencys_appointment_and_case_are_not_found_for_an_agency_admin(
    both_agencies, bureau_staff_admin
):
    client = logged_in(bureau_staff_admin)
    for name, obj in (
        ("core_appointment", both_agencies["by_arbitration"]),
        ("cases_case", both_agencies["arbitration_case"]),
    ):
        response = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("admin:index"), name


# --- what an agency admin may change -------------------------------------------------------------


def test_an_agency_admin_changes_their_own_people(
    both_agencies, bureau_staff_admin, bureau_inspector
):
    client = logged_in(bureau_staff_admin)
    url = reverse("admin:core_user_change", args=[bureau_inspector.pk])
    data = {**change_form_data(client.get(url)), "full_name": "李建华（监察）"}
    assert client.post(url, data).status_code == 302
    bureau_inspector.refresh_from_db()
    assert bureau_inspector.full_name == "李建华（监察）"


def test_an_agency_admin_cannot_make_anyone_superuser_or_put_them_in_another_agencys_group(
    both_agencies, bureau_staff_admin, bureau_inspector
):
    client = logged_in(bureau_staff_admin)
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    arbitration_group = agency_group(agency("arbitration"))
    for target in (bureau_staff_admin, bureau_inspector):
        url = reverse("admin:core_user_change", args=[target.pk])
        data = {
            **change_form_data(client.get(url)),
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [str(arbitration_group.pk)],
            "user_permissions": [str(pk) for pk in every_permission],
        }
        assert client.post(url, data).status_code == 302
        target.refresh_from_db()
        assert not target.is_superuser
        assert target.is_staff == (target == bureau_staff_admin)
        assert not target.groups.filter(pk=arbitration_group.pk).exists()
        assert target.user_permissions.count() == (
            len(ADMIN_MODEL_PERMS) if target == bureau_staff_admin else 0
        )


def test_a_superusers_account_is_not_an_agency_admins_to_change(bureau_staff_admin, root):
    from portal.core.people import membership_set

    membership_set(actor=None, user=root, agency=agency("bureau"), roles=[])
    client = logged_in(bureau_staff_admin)
    assert root not in changelist(client, "core_user")
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    assert (
        client.post(password, {"password1": "x-9kq!Lm2#", "password2": "x-9kq!Lm2#"}).status_code
        == 404
    )


def test_the_admin_no_longer_makes_changes_or_ends_appointments_past_the_service(
    both_agencies, bureau_staff_admin, procuratorate_liaison
):
    """Appointments are made on the portal's page (tests/core/test_appointments.py)."""
    client = logged_in(bureau_staff_admin)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:core_appointment_add"),
        {
            "user": procuratorate_liaison.pk,
            "appointing_agency": agency("bureau").pk,
            "kind": AppointmentKind.LIAISON,
            "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 403
    own = both_agencies["by_bureau"]
    change = reverse("admin:core_appointment_change", args=[own.pk])
    assert client.post(change, {"valid_until": today.isoformat()}).status_code == 403
    delete = reverse("admin:core_appointment_delete", args=[own.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    own.refresh_from_db()
    assert own.valid_until != today
    assert list(Appointment.objects.filter(user=procuratorate_liaison)) == [own]


def test_a_person_an_agency_admin_adds_joins_their_agency(bureau_staff_admin):
    client = logged_in(bureau_staff_admin)
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "bureau.clerk",
            "usable_password": "true",
            "password1": "a-Long-pass-2026!",
            "password2": "a-Long-pass-2026!",
        },
    )
    assert response.status_code == 302
    clerk = User.objects.get(username="bureau.clerk")
    assert clerk.agency == agency("bureau")
    assert clerk in changelist(client, "core_user")
    assert clerk.groups.filter(pk=agency_group(agency("bureau")).pk).exists()


def test_an_agency_admin_only_views_cases_in_the_admin(both_agencies, bureau_staff_admin):
    client = logged_in(bureau_staff_admin)
    case = both_agencies["bureau_case"]
    url = reverse("admin:cases_case_change", args=[case.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"facts": "改写"}).status_code == 403
    case.refresh_from_db()
    assert case.facts != "改写"


# --- the superuser's membership changes keep the groups in step ----------------------------------


def test_superuser_moving_a_person_to_another_agency_moves_what_they_see(
    both_agencies, root, bureau_inspector
):
    client = logged_in(root)
    url = reverse("admin:core_user_change", args=[bureau_inspector.pk])
    data = change_form_data(client.get(url))
    prefix = "membership-0-"
    data[f"{prefix}agency"] = str(agency("arbitration").pk)
    data[f"{prefix}roles"] = ["mediator"]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bureau_inspector = User.objects.get(pk=bureau_inspector.pk)
    assert bureau_inspector.agency == agency("arbitration")
    assert bureau_inspector.membership.roles == ["mediator"]
    groups = set(bureau_inspector.groups.all())
    assert groups == {agency_group(agency("arbitration"))}
    cases = logged_in(bureau_inspector)
    assert (
        cases.get(reverse("cases:detail", args=[both_agencies["bureau_case"].pk])).status_code
        == 404
    )
    assert (
        cases.get(reverse("cases:detail", args=[both_agencies["arbitration_case"].pk])).status_code
        == 200
    )


def test_superuser_ending_a_membership_in_the_admin_takes_the_agencys_cases_away(
    both_agencies, root, bureau_inspector
):
    client = logged_in(root)
    url = reverse("admin:core_user_change", args=[bureau_inspector.pk])
    data = change_form_data(client.get(url))
    del data["membership-0-active"]
    assert client.post(url, data).status_code == 302
    assert not Membership.objects.get(user=bureau_inspector).active
    assert not bureau_inspector.groups.exists()
    detail = reverse("cases:detail", args=[both_agencies["bureau_case"].pk])
    assert logged_in(bureau_inspector).get(detail).status_code == 404


def test_superuser_cannot_put_a_person_in_an_external_agency(root, bureau_inspector):
    client = logged_in(root)
    url = reverse("admin:core_user_change", args=[bureau_inspector.pk])
    data = change_form_data(client.get(url))
    data["membership-0-agency"] = str(Agency.objects.get(code="court").pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert User.objects.get(pk=bureau_inspector.pk).agency == agency("bureau")


# --- the audit trail -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bureau_staff_admin", "root"])
def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(request, both_agencies, who):
    client = logged_in(request.getfixturevalue(who))
    event = AuditEvent.objects.filter(agency__code="bureau").first()
    assert event is not None
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"action": "forged", "note": "forged"}).status_code == 403
    assert client.get(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    bulk = client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action != "forged"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_empty_to_field_on_an_admin_change_page_is_ignored_instead_of_answering_500(
    root, method
):
    client = Client()
    client.force_login(root)
    policy_page = reverse("admin:core_deadlinepolicy_change", args=[0])

    response = getattr(client, method)(policy_page, {"_to_field": ""})

    assert response.status_code == 302  # no such policy: back to the list, as without it
