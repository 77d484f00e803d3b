"""The mediation page puts the next step of the mediation first and the rest of the work under a
disclosure; which forms a person is offered at all still comes from the move table."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.mediation.models import Mediation
from portal.mediation.offers import arrange, offered_forms
from portal.mediation.services import agreement_draft, mediation_session_schedule

from .builders import terms

pytestmark = pytest.mark.django_db


def _arranged(user, mediation: Mediation) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    mediation.refresh_from_db()
    first, rest = arrange(mediation, offered_forms(user, mediation))
    return [offer.key.split("-")[0] for offer in first], [offer.key for offer in rest]


def test_an_unassigned_mediation_asks_the_admin_for_a_mediator_first(
    mediation, arbitration_admin
) -> None:
    first, rest = _arranged(arbitration_admin, mediation)
    assert first == ["assign"]
    assert "fail" in rest


def test_a_new_mediation_offers_its_mediator_a_session_or_the_agreement_and_keeps_the_rest_aside(
    mediating, arbitration_mediator
) -> None:
    first, rest = _arranged(arbitration_mediator, mediating)
    assert first == ["session", "agreement"]
    assert {"extension", "fail"} <= set(rest)


def test_a_scheduled_session_comes_first_as_the_session_to_record(
    mediating, arbitration_mediator
) -> None:
    when = timezone.now() + datetime.timedelta(days=1)
    mediation_session_schedule(
        actor=arbitration_mediator, mediation=mediating, scheduled_for=when, place="调解室一"
    )
    first, rest = _arranged(arbitration_mediator, mediating)
    assert first == ["record", "agreement"]
    assert "session" in rest


def test_a_drafted_agreement_makes_the_parties_agreement_the_next_step(
    mediating, arbitration_mediator
) -> None:
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    first, rest = _arranged(arbitration_mediator, mediating)
    assert first == ["agree"]
    assert {"agreement", "session", "fail"} <= set(rest)


def test_an_agreement_both_parties_confirmed_goes_to_the_committee_next(frozen, arbitrator) -> None:
    first, _rest = _arranged(arbitrator, frozen.mediation)
    assert first == ["arbitration_confirm"]


def test_a_person_the_move_table_refuses_is_offered_nothing(
    mediation, arbitration_mediator
) -> None:
    # assigning is the admin's: the mediator sees no next step and no assignment form
    first, rest = _arranged(arbitration_mediator, mediation)
    assert "assign" not in first + rest


def test_the_page_shows_the_next_step_open_and_the_rest_under_a_closed_disclosure(
    client, mediating, arbitration_mediator
) -> None:
    client.force_login(arbitration_mediator)
    page = client.get(reverse("mediation:case", kwargs={"pk": mediating.case_id})).content.decode()
    shown, disclosed = page.split('data-testid="more-moves"')
    assert (
        'action="{}"'.format(reverse("mediation:agreement-draft", args=[mediating.case_id]))
        in shown
    )
    assert reverse("mediation:fail", args=[mediating.case_id]) in disclosed.split("</details>")[0]
    assert disclosed.startswith(">")  # closed


def test_a_refused_form_under_the_disclosure_comes_back_with_the_disclosure_open(
    client, mediating, arbitration_mediator
) -> None:
    client.force_login(arbitration_mediator)
    response = client.post(
        reverse("mediation:fail", args=[mediating.case_id]),
        {"reason": "", "version": mediating.version},
    )
    assert response.status_code == 200
    assert 'data-testid="more-moves" open>' in response.content.decode()
