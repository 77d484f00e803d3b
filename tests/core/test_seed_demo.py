import pytest
from django.core.management import CommandError, call_command

from portal.cases.models import Case
from portal.core.demo import DEMO_USERS
from portal.core.models import Appointment, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.filter(username="arb.admin").exists()


def test_seed_demo_creates_every_demo_user_with_a_working_login(client, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    for username, *_rest in DEMO_USERS:
        client.cookies.clear()
        response = client.post(
            "/accounts/login/", {"username": username, "password": settings.PORTAL_DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert response["Location"] == "/"


def test_seed_demo_appoints_the_bureau_mediator_for_arbitration_and_assigns_a_case(settings):
    call_command("seed_demo", "--force")
    appointment = Appointment.objects.get(user__username="bureau.mediator")
    assert appointment.appointing_agency.code == "arbitration"
    assert Case.objects.filter(assignments__user__username="bureau.mediator").count() == 1


def test_seed_demo_runs_twice_without_duplicating(settings):
    call_command("seed_demo", "--force")
    cases = Case.objects.count()
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force", "--if-empty")
    assert Case.objects.count() == cases
    assert Appointment.objects.count() == 2
