"""The reference data every installation has: the agencies and the deadline policies.

The data migrations hold it, frozen; seed_demo and the tests that flush the database
(live-server tests) get it back by running the migrations' own seeds again, so there is one
copy of it."""

from __future__ import annotations

import importlib

# The core migrations that seed reference data, in their order; each has `seed(apps, editor)`.
SEEDING_MIGRATIONS = (
    "0002_seed_agencies",
    "0003_seed_deadline_policies",
    "0006_seed_referral_number_formats",
    "0007_agency_mediation_statement_number_format",
    "0009_deadline_units_by_article_81",
)


def seed_reference_data() -> None:
    """Create or restore the agencies, their groups and the deadline policies (an admin's edit
    of a policy or of a number format stays)."""
    from django.apps import apps

    for name in SEEDING_MIGRATIONS:
        importlib.import_module(f"portal.core.migrations.{name}").seed(apps, None)
