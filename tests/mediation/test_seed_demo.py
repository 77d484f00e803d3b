"""seed_demo's mediations: one in every stage, one by the bureau's special mediator, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.mediation.models import Instalment, InstalmentStatus, Mediation, MediationStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_mediations_in_every_stage_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    statuses = set(Mediation.objects.values_list("status", flat=True))
    assert statuses >= {
        MediationStatus.UNASSIGNED,
        MediationStatus.MEDIATING,
        MediationStatus.AGREED,
        MediationStatus.COURT_APPLIED,
        MediationStatus.CONFIRMED,
        MediationStatus.FAILED,
    }
    special = Mediation.objects.get(mediator__username="bureau.mediator")
    assert special.status == MediationStatus.MEDIATING
    assert special.appointment is not None
    assert special.sessions.count() == 2
    assert Instalment.objects.filter(status=InstalmentStatus.PAID).exists()
    assert Instalment.objects.filter(status=InstalmentStatus.MISSED).exists()
    count = Mediation.objects.count()
    call_command("seed_demo")
    assert Mediation.objects.count() == count
