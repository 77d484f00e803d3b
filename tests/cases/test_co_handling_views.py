"""Co-handling from the case page (案件协办): an admin of the owning agency shares the case with
another agency and stops sharing it; the other agency then sees it, then no longer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.audit import audit_actions, audit_history
from portal.core.models import Agency

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owning_admin_shares_the_case_and_stops_sharing_it(
    arbitration_case, arbitration_admin, procuratorate_liaison
):
    detail = reverse("cases:detail", args=[arbitration_case.pk])
    procuratorate = Agency.objects.get(code="procuratorate")
    liaison = client_of(procuratorate_liaison)
    assert liaison.get(detail).status_code == 404
    admin = client_of(arbitration_admin)
    page = admin.get(detail).content.decode()
    assert reverse("cases:co-handling-start", args=[arbitration_case.pk]) in page

    response = admin.post(
        reverse("cases:co-handling-start", args=[arbitration_case.pk]),
        {"agency": procuratorate.pk, "note": "涉嫌虚假仲裁，联合研判"},
    )
    assert response.status_code == 302
    assert liaison.get(detail).status_code == 200
    assert procuratorate.name in admin.get(detail).content.decode()

    response = admin.post(
        reverse("cases:co-handling-end", args=[arbitration_case.pk]), {"agency": procuratorate.pk}
    )
    assert response.status_code == 302
    assert liaison.get(detail).status_code == 404
    actions = audit_actions(audit_history(arbitration_case))
    assert {"case.co_handling_start", "case.co_handling_end"} <= set(actions)


def test_staff_who_are_not_admins_are_not_offered_sharing_and_are_refused(
    arbitration_case, arbitrator
):
    client = client_of(arbitrator)
    start = reverse("cases:co-handling-start", args=[arbitration_case.pk])
    assert (
        start
        not in client.get(reverse("cases:detail", args=[arbitration_case.pk])).content.decode()
    )
    bureau = Agency.objects.get(code="bureau")
    response = client.post(start, {"agency": bureau.pk}, follow=True)
    assert "只有主办单位的管理员" in response.content.decode()
    assert not arbitration_case.co_handling_agencies.exists()
