"""What staff who work a case do with its contents: see whole personal numbers, add evidence."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.uploads import upload_accepted

from ..models import Case, Claimant, Evidence
from ..permissions import can_work


@transaction.atomic
def case_reveal_personal_info(*, actor: User, case: Case) -> list[Claimant]:
    """Whole ID and phone numbers, for staff who work the case; every reveal is audited."""
    if not can_work(actor, case):
        raise ApplicationError(_("Only staff who work this case can see whole personal numbers."))
    claimants = list(case.claimants.all())
    audit_record(
        actor=actor,
        action="case.reveal_personal_info",
        obj=case,
        note=", ".join(c.name for c in claimants),
    )
    return claimants


@transaction.atomic
def case_evidence_add(
    *, actor: User, case: Case, upload: UploadedFile, description: str = ""
) -> Evidence:
    """Attach an evidence file, checked by its content and size."""
    if not can_work(actor, case):
        raise ApplicationError(_("Only staff who work this case can add evidence."))
    checked = upload_accepted(upload, field="file")
    evidence = Evidence(
        case=case,
        original_name=(upload.name or "upload")[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip(),
        uploaded_by=actor,
    )
    evidence.file.save(f"{case.pk}-{checked.sha256[:16]}.{checked.extension}", upload, save=False)
    evidence.save()
    audit_record(actor=actor, action="case.evidence_add", obj=case, note=evidence.original_name)
    return evidence
