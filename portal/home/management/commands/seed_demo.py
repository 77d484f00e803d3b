"""Demo data for every app, each made by the app's own `demo.seed` through its services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.cases import demo as cases_demo
from portal.clues import demo as clues_demo
from portal.core import demo as core_demo
from portal.core.models import User
from portal.kiosk import demo as kiosk_demo
from portal.mediation import demo as mediation_demo
from portal.meetings import demo as meetings_demo
from portal.referrals import demo as referrals_demo


class Command(BaseCommand):
    help = (
        "Create the demo users and cases (only on the embedded default or with DEBUG on, "
        "unless --force)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run anywhere")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if demo users exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # `make run` serves the embedded default with DEBUG off (the portal's own error pages),
        # and seeds it: PORTAL_DEMO_DATA says a settings module is a demo's.
        allowed = settings.DEBUG or getattr(settings, "PORTAL_DEMO_DATA", False)
        if not allowed and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run outside the embedded default with DEBUG off; "
                "pass --force if you mean it."
            )
        if options["if_empty"] and User.objects.filter(username="arb.admin").exists():
            self.stdout.write("Demo data already present.")
            return
        # Each seed makes only what is missing, so a second run changes nothing. The order
        # matters: referrals link the demo cases, mediations and meetings use both.
        with transaction.atomic():
            users = core_demo.seed()
            cases_demo.seed(users)
            referrals_demo.seed(users)
            meetings_demo.seed(users)
            mediation_demo.seed(users)
            clues_demo.seed(users)
            filings = kiosk_demo.seed(users)
        for tracking_number, state, secret in filings:
            self.stdout.write(f"Demo kiosk filing {tracking_number} ({state}): secret {secret}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo users ready; password: {settings.PORTAL_DEMO_PASSWORD}")
        )
