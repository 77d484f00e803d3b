"""From intake to mediation and back: the case page shows the case's mediation, referrals,
meetings and conversation, with the next mediation move for whoever may make it now; each of
those pages links back; the mediation list and the notification lead to a case routed to
mediation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.cases.services.intake import case_route_to_mediation
from portal.core.models import Notification
from portal.mediation.services import mediation_open
from tests.referrals.builders import draft

from ..factories import member

pytestmark = pytest.mark.django_db


def page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def routed(arbitration_case, arbitrator):
    return case_route_to_mediation(actor=arbitrator, case=arbitration_case, claimant_consented=True)


def test_a_routed_case_offers_to_open_its_mediation_to_those_who_may_and_only_them(
    routed, arbitration_admin, arbitration_mediator
):
    open_url = reverse("mediation:open", args=[routed.pk])
    detail = reverse("cases:detail", args=[routed.pk])
    for opener in (arbitration_admin, arbitration_mediator):
        assert f'action="{open_url}"' in page(opener, detail)
    leader = member("arb.leader", "arbitration", "leader")
    shown = page(leader, detail)
    assert f'action="{open_url}"' not in shown
    assert 'data-testid="related-mediation"' in shown


def test_an_opened_mediation_is_linked_and_its_admin_is_offered_the_assignment(
    routed, arbitrator, arbitration_admin, arbitration_mediator
):
    mediation_open(actor=arbitrator, case=routed)
    detail = reverse("cases:detail", args=[routed.pk])
    mediation_page = reverse("mediation:case", args=[routed.pk])
    admin_view = page(arbitration_admin, detail)
    assert f'href="{mediation_page}"' in admin_view
    assert f'href="{mediation_page}#assign"' in admin_view
    mediator_view = page(arbitration_mediator, detail)
    assert f'href="{mediation_page}"' in mediator_view
    assert f'href="{mediation_page}#assign"' not in mediator_view
    # and back
    assert f'href="{detail}"' in page(arbitration_admin, mediation_page)
    assert 'id="assign"' in page(arbitration_admin, mediation_page)


def test_the_mediators_and_admins_are_told_with_a_link_to_the_mediation_page(
    arbitration_case,
    arbitrator,
    arbitration_admin,
    arbitration_mediator,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        case_route_to_mediation(actor=arbitrator, case=arbitration_case, claimant_consented=True)
    url = reverse("mediation:case", args=[arbitration_case.pk])
    for person in (arbitration_admin, arbitration_mediator):
        assert Notification.objects.filter(recipient=person, url=url).exists()


def test_the_mediation_list_shows_a_case_routed_to_mediation_before_it_is_opened(
    routed, arbitrator, arbitration_mediator
):
    listed = page(arbitration_mediator, reverse("mediation:list"))
    assert 'data-testid="awaiting-mediation"' in listed
    assert f'href="{reverse("mediation:case", args=[routed.pk])}"' in listed
    mediation_open(actor=arbitrator, case=routed)
    assert 'data-testid="awaiting-mediation"' not in page(
        arbitration_mediator, reverse("mediation:list")
    )


def test_the_case_page_links_to_its_referrals_and_conversation_which_link_back(
    arbitration_case, arbitrator
):
    referral = draft(arbitrator, case=arbitration_case)
    detail = reverse("cases:detail", args=[arbitration_case.pk])
    shown = page(arbitrator, detail)
    assert f'href="{reverse("referrals:detail", args=[referral.pk])}"' in shown
    conversation = reverse("messaging:case", args=[arbitration_case.pk])
    assert f'href="{conversation}"' in shown
    assert 'data-testid="related-meetings"' in shown
    assert f'href="{detail}"' in page(arbitrator, conversation)
    assert f'href="{detail}"' in page(arbitrator, reverse("referrals:detail", args=[referral.pk]))
