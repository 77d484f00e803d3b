"""The demo clues: a few hundred across sources, streets and industries, in every state, some
late, some closed with each conclusion; a second seed adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.clues import demo
from portal.clues.models import Clue, ClueSource, ClueStatus, Conclusion
from portal.clues.selectors import clue_on_time_rates
from portal.core.demo import seed as seed_users

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_few_hundred_clues_of_every_kind_and_seeds_once():
    users = seed_users()
    demo.seed(users)
    clues = Clue.objects.all()
    assert clues.count() == demo.COUNT
    assert set(clues.values_list("status", flat=True)) == set(ClueStatus.values)
    assert {ClueSource.HOTLINE, ClueSource.PLATFORM} <= set(clues.values_list("source", flat=True))
    assert clues.values("street").distinct().count() > 10
    assert clues.values("industry").distinct().count() >= 6
    used = set(clues.exclude(conclusion=None).values_list("conclusion__code", flat=True))
    assert used == set(Conclusion.objects.values_list("code", flat=True))
    late = clues.filter(status__in=["registered", "assigned", "contacted", "checked"])
    assert late.filter(due_on__lt=timezone.localdate()).exists()
    rates = {rate.source: rate.percent for rate in clue_on_time_rates()}
    assert rates["hotline"] is not None and 0 < rates["hotline"] < 100
    demo.seed(users)
    assert Clue.objects.count() == demo.COUNT
