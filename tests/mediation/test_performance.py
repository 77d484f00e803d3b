"""Performance of the agreement: each instalment paid (date, amount, evidence) or missed; a
missed one alerts the mediator and shows on the claimant's status page; staff record an
application for a payment order (art. 16) or for enforcement."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_actions, audit_history
from portal.core.errors import ApplicationError
from portal.core.models import Notification
from portal.mediation.models import EnforcementKind, InstalmentStatus
from portal.mediation.selectors import claimant_mediation
from portal.mediation.services import (
    agreement_arbitration_confirm,
    agreement_enforcement_record,
    instalment_record_payment,
    instalments_missed_sweep,
)
from portal.mediation.tasks import instalments_missed_sweep_task
from tests.helpers import png_upload

pytestmark = pytest.mark.django_db


def test_the_mediator_records_a_payment_with_its_evidence(frozen, arbitration_mediator):
    first = frozen.instalments.first()
    paid = instalment_record_payment(
        actor=arbitration_mediator,
        instalment=first,
        paid_on=timezone.localdate(),
        amount=Decimal("3000.00"),
        evidence=png_upload(),
    )
    assert paid.status == InstalmentStatus.PAID
    assert paid.evidence_sha256 and paid.evidence.name
    assert "mediation.instalment_paid" in audit_actions(audit_history(frozen.mediation))


def test_a_payment_is_recorded_once(frozen, arbitration_mediator):
    first = frozen.instalments.first()
    today = timezone.localdate()
    instalment_record_payment(
        actor=arbitration_mediator, instalment=first, paid_on=today, amount=Decimal("1")
    )
    with pytest.raises(ApplicationError):
        instalment_record_payment(
            actor=arbitration_mediator, instalment=first, paid_on=today, amount=Decimal("2")
        )
    first.refresh_from_db()
    assert first.paid_amount == Decimal("1")


def test_no_payment_before_both_parties_confirmed(agreed, arbitration_mediator):
    with pytest.raises(ApplicationError):
        instalment_record_payment(
            actor=arbitration_mediator,
            instalment=agreed.instalments.first(),
            paid_on=timezone.localdate(),
            amount=Decimal("3000.00"),
        )


def test_only_the_mediator_or_an_admin_records_payments(frozen, arbitrator, bureau_mediator):
    for actor in (arbitrator, bureau_mediator):
        with pytest.raises(ApplicationError):
            instalment_record_payment(
                actor=actor,
                instalment=frozen.instalments.first(),
                paid_on=timezone.localdate(),
                amount=Decimal("3000.00"),
            )


def test_a_future_payment_date_or_a_bad_file_is_refused(frozen, arbitration_mediator):
    first = frozen.instalments.first()
    with pytest.raises(ApplicationError):
        instalment_record_payment(
            actor=arbitration_mediator,
            instalment=first,
            paid_on=timezone.localdate() + datetime.timedelta(days=1),
            amount=Decimal("1"),
        )
    with pytest.raises(ApplicationError):
        instalment_record_payment(
            actor=arbitration_mediator,
            instalment=first,
            paid_on=timezone.localdate(),
            amount=Decimal("1"),
            evidence=SimpleUploadedFile("x.png", b"not an image", "image/png"),
        )
    first.refresh_from_db()
    assert first.status == InstalmentStatus.DUE


def test_a_missed_instalment_alerts_the_mediator_once_and_the_claimant_sees_it(
    frozen, arbitration_mediator, django_capture_on_commit_callbacks
):
    first = frozen.instalments.first()
    with django_capture_on_commit_callbacks(execute=True):
        assert instalments_missed_sweep(today=first.due_on) == 0
        assert instalments_missed_sweep(today=first.due_on + datetime.timedelta(days=1)) == 1
        assert instalments_missed_sweep(today=first.due_on + datetime.timedelta(days=2)) == 0
    first.refresh_from_db()
    assert first.status == InstalmentStatus.MISSED
    alerts = Notification.objects.filter(
        recipient=arbitration_mediator, title__contains=frozen.mediation.case.number
    ).filter(title__contains=f"{first.due_on:%Y-%m-%d}")
    assert alerts.count() == 1
    view = claimant_mediation(frozen.mediation.case)
    assert view is not None and view.missed
    # a late payment is still recorded
    instalment_record_payment(
        actor=arbitration_mediator,
        instalment=first,
        paid_on=timezone.localdate(),
        amount=first.amount,
    )


def test_the_sweep_task_calls_the_service(frozen):
    first = frozen.instalments.first()
    first.due_on = timezone.localdate() - datetime.timedelta(days=1)
    first.save(update_fields=["due_on"])
    assert instalments_missed_sweep_task() == 1
    assert instalments_missed_sweep_task() == 0


def test_staff_record_a_payment_order_application_after_a_missed_instalment(
    frozen, arbitration_mediator
):
    mediation = frozen.mediation
    with pytest.raises(ApplicationError):  # nothing missed yet
        agreement_enforcement_record(
            actor=arbitration_mediator,
            mediation=mediation,
            kind=EnforcementKind.PAYMENT_ORDER,
            applied_on=timezone.localdate(),
        )
    instalments_missed_sweep(today=frozen.instalments.first().due_on + datetime.timedelta(days=1))
    with pytest.raises(ApplicationError):  # enforcement needs a confirmed agreement
        agreement_enforcement_record(
            actor=arbitration_mediator,
            mediation=mediation,
            kind=EnforcementKind.ENFORCEMENT,
            applied_on=timezone.localdate(),
        )
    agreement = agreement_enforcement_record(
        actor=arbitration_mediator,
        mediation=mediation,
        kind=EnforcementKind.PAYMENT_ORDER,
        applied_on=timezone.localdate(),
        note="已向海珠区法院申请支付令",
    )
    assert agreement.enforcement_kind == EnforcementKind.PAYMENT_ORDER
    assert "mediation.enforcement_record" in audit_actions(audit_history(mediation))


def test_enforcement_of_a_confirmed_agreement(frozen, arbitration_mediator, arbitrator):
    agreement_arbitration_confirm(actor=arbitrator, mediation=frozen.mediation)
    instalments_missed_sweep(today=frozen.instalments.first().due_on + datetime.timedelta(days=1))
    agreement = agreement_enforcement_record(
        actor=arbitration_mediator,
        mediation=frozen.mediation,
        kind=EnforcementKind.ENFORCEMENT,
        applied_on=timezone.localdate(),
    )
    assert agreement.enforcement_kind == EnforcementKind.ENFORCEMENT


def test_the_mediator_records_a_payment_from_the_page(client, frozen, arbitration_mediator):
    client.force_login(arbitration_mediator)
    first = frozen.instalments.first()
    response = client.post(
        reverse("mediation:payment", kwargs={"pk": frozen.mediation.case_id}),
        {
            "instalment": first.pk,
            "paid_on": f"{timezone.localdate():%Y-%m-%d}",
            "amount": "3000.00",
            "evidence": png_upload(),
        },
        follow=True,
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == InstalmentStatus.PAID
