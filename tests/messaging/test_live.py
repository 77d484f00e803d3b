"""The pages that offer a document hear when it is rendered, and show it without a reload."""

from __future__ import annotations

import pytest

from portal.core.documents import document_render
from portal.messaging import live
from portal.referrals import services
from portal.referrals.models import ReferralStatus

from ..referrals.builders import draft, drive

pytestmark = pytest.mark.django_db


def test_a_rendered_letter_is_announced_to_its_referrals_page(
    bureau_inspector, procuratorate_liaison, django_capture_on_commit_callbacks, monkeypatch
):
    heard: list[tuple[str, dict]] = []
    monkeypatch.setattr(live, "send_to_group", lambda group, event: heard.append((group, event)))
    referral = drive(draft(bureau_inspector, "procuratorate"), ReferralStatus.SENT)
    document = services.referral_letter_request(
        actor=bureau_inspector, referral=referral, kind=services.LETTER
    )
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        document_render(document_id=document.pk)
    group = live.live_group("referral", referral.pk)
    assert (group, {"type": "live.changed", "group": group, "status": "ready"}) in heard
