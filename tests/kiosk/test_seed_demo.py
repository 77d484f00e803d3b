"""seed_demo's kiosk filings: one in every intake state, reachable with their demo secrets."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.cases.models import INTAKE_OPEN, PUBLIC_CHANNELS, Case, CaseStatus
from portal.cases.services.intake import claimant_case_get
from portal.kiosk.demo import DEMO_FILINGS

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_kiosk_filings_in_every_intake_state(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    filings = Case.objects.filter(channel__in=PUBLIC_CHANNELS)
    states = set(filings.values_list("status", flat=True))
    assert states >= {
        *INTAKE_OPEN,
        CaseStatus.ACCEPTED,
        CaseStatus.MEDIATION_PENDING,
        CaseStatus.REFUSED,
    }
    assert filings.filter(duplicate_of__isnull=False).count() == 1
    output = capsys.readouterr().out
    for spec in DEMO_FILINGS:
        assert f"secret {spec['secret']}" in output
    for case in filings:
        secret = next(
            spec["secret"]
            for spec in DEMO_FILINGS
            if spec["claimants"][0][2] == case.claimants.get(is_representative=True).phone
        )
        assert claimant_case_get(tracking_number=case.tracking_number, secret=secret) == case


def test_seed_demo_makes_the_filings_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = Case.objects.filter(channel__in=PUBLIC_CHANNELS).count()
    call_command("seed_demo")
    assert Case.objects.filter(channel__in=PUBLIC_CHANNELS).count() == count == len(DEMO_FILINGS)
