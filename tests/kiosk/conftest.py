"""The kiosk's tests: a public client that walks the filing screens, valid answers per screen,
and rate-limit counters of their own for every test."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ..factories import valid_credit_code, valid_resident_id


@pytest.fixture(autouse=True)
def _own_rate_limits(settings) -> None:
    """Counters in the cache (Redis in CI) must not carry over from another test or run."""
    settings.KIOSK_RATE_LIMIT_PREFIX = f"kiosk-rl-{uuid.uuid4().hex}"
    settings.KIOSK_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def answers(
    *,
    id_number: str | None = None,
    credit_code: str | None = None,
    name: str = "张桂兰",
    employer_name: str = "广州市海珠区鸿运建筑劳务有限公司",
) -> dict[str, dict[str, str]]:
    """A valid answer for every screen (the evidence screen takes none)."""
    return {
        "consent": {"consent_processing": "on", "consent_id_number": "on"},
        "claimants": {
            "count": "1",
            "c0-name": name,
            "c0-id_number": id_number or valid_resident_id(born="19850312"),
            "c0-phone": "13812345678",
            "c0-address": "广州市海珠区南洲路12号",
        },
        "employer": {
            "employer_name": employer_name,
            "credit_code": credit_code or valid_credit_code(),
            "employer_address": "广州市海珠区新港中路368号",
        },
        "claims": {
            "count": "1",
            "k0-kind": "unpaid_wages",
            "k0-amount": "18600.00",
            "k0-period_start": "2026-06-01",
            "k0-period_end": "2026-08-31",
            "k0-description": "",
        },
        "facts": {"facts": "自2026年3月起在工地做钢筋工，6月起被拖欠工资三个月，多次催讨未果。"},
        "evidence": {},
        "mediation": {"route": "arbitration"},
    }


class Filer:
    """A visitor at the kiosk (or online): drives the screens with the test client."""

    def __init__(self, client: Client, *, terminal: bool = False) -> None:
        self.client = client
        if terminal:
            client.get(reverse("kiosk:terminal"))
        response = client.post(reverse("kiosk:new"))
        assert response.status_code == 302, response
        self.token = response["Location"].rstrip("/").split("/")[-2]

    def url(self, step: str) -> str:
        return reverse("kiosk:step", kwargs={"token": self.token, "step": step})

    def post(self, step: str, data: dict[str, Any], **extra: Any) -> Any:
        return self.client.post(self.url(step), data, **extra)

    def get(self, step: str) -> Any:
        return self.client.get(self.url(step))

    def fill(self, data: dict[str, dict[str, str]], until: str = "review") -> None:
        for step, values in data.items():
            if step == until:
                return
            response = self.post(step, values)
            assert response.status_code == 302, (step, _errors(response))

    def submit(self, **extra: Any) -> Any:
        return self.post("review", {"confirm": "on", "website": ""}, **extra)


def _errors(response: Any) -> Any:
    context = getattr(response, "context", None)
    return context.get("errors") if context else response.content[:500]


@pytest.fixture
def filer(db) -> Callable[..., Filer]:
    def make(client: Client | None = None, *, terminal: bool = False) -> Filer:
        return Filer(client or Client(), terminal=terminal)

    return make


@pytest.fixture
def filed(filer):
    """Submit a valid filing; returns (filer, case, secret) with the receipt in the session."""

    def make(**kwargs: Any):
        from portal.cases.models import Case
        from portal.kiosk.drafts import RECEIPT_KEY

        visitor = filer(terminal=kwargs.pop("terminal", False))
        visitor.fill(answers(**kwargs))
        response = visitor.submit()
        assert response.status_code == 302, _errors(response)
        assert response["Location"] == reverse("kiosk:receipt")
        receipt = visitor.client.session[RECEIPT_KEY]
        return visitor, Case.objects.get(pk=receipt["case"]), receipt["secret"]

    return make
