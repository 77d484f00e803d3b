"""Clue fixtures: the bureau's squad with its inspector, a second inspector of another squad."""

from __future__ import annotations

import pytest

from portal.core.models import Role

from ..factories import member
from .builders import squad


@pytest.fixture
def home_squad(db, bureau_inspector):
    return squad("南华西街劳监中队", "南华西街,龙凤街", bureau_inspector)


@pytest.fixture
def other_inspector(db):
    inspector = member("bureau.inspector2", "bureau", Role.INSPECTOR)
    squad("江南中街劳监中队", "江南中街", inspector)
    return inspector
