"""Builders for mediation tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.mediation.models import PaymentMethod
from portal.mediation.services import AgreementData, InstalmentData


def terms(total: str = "9000.00", *amounts: str) -> AgreementData:
    today = timezone.localdate()
    amounts = amounts or ("3000.00", "3000.00", "3000.00")
    return AgreementData(
        total_amount=Decimal(total),
        payment_method=PaymentMethod.BANK_TRANSFER,
        payment_details="中国工商银行 6222 **** 1234",
        instalments=[
            InstalmentData(due_on=today + datetime.timedelta(days=30 * (i + 1)), amount=Decimal(a))
            for i, a in enumerate(amounts)
        ],
        clauses="双方就本劳动争议再无其他争议。",
    )


def pay(agreement, actor, sequence: int = 1):  # type: ignore[no-untyped-def]
    """Record instalment `sequence` of the agreement as paid in full today."""
    from portal.mediation.models import Instalment
    from portal.mediation.services import instalment_record_payment

    instalment = Instalment.objects.get(agreement=agreement, sequence=sequence)
    return instalment_record_payment(
        actor=actor, instalment=instalment, paid_on=timezone.localdate(), amount=instalment.amount
    )


def rendered_text(document_id: int, pdftotext: str, folder) -> str:  # type: ignore[no-untyped-def]
    """The document rendered now, as pdftotext reads it, with the white space taken out."""
    import subprocess

    from portal.core.documents import document_render

    document = document_render(document_id=document_id)
    source = folder / "document.pdf"
    with document.file.open("rb") as handle:
        source.write_bytes(handle.read())
    result = subprocess.run([pdftotext, str(source), "-"], capture_output=True, text=True)
    return "".join(result.stdout.split())
