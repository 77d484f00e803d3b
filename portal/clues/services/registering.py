"""Registering a clue: its data checked against the domain's rules, its squad by street, its
clocks, its files."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.errors import required_text as _required
from portal.core.models import User
from portal.core.uploads import CheckedUpload, upload_accepted
from portal.core.validators import (
    normalize_credit_code,
    normalize_phone,
    normalize_resident_id,
    validate_credit_code,
    validate_phone,
    validate_resident_id,
)

from ..models import Clue, ClueAttachment, ClueSource, Industry, Squad
from ..permissions import can_register
from .deadlines import clocks_start


@dataclass
class ClueData:
    """What the registration form (or an import row) gives."""

    source: str
    employer_name: str
    industry: str
    street: str
    text: str
    received_at: datetime.datetime | None = None
    source_reference: str = ""
    source_deadline: datetime.date | None = None
    anonymous: bool = False
    complainant_name: str = ""
    complainant_id_number: str = ""
    complainant_phone: str = ""
    employer_credit_code: str = ""
    project_name: str = ""
    main_contractor: str = ""
    crew_leader: str = ""
    workers: int = 1
    amount_owed: Decimal | None = None
    files: Sequence[UploadedFile] = field(default_factory=tuple)


def squad_for_street(street: str) -> Squad | None:
    """The default rule: the squad whose streets name the clue's street."""
    street = street.strip()
    for squad in Squad.objects.all():
        if street in squad.street_list:
            return squad
    return None


def _checked(value: str, normalize, validate, field_name: str) -> str:  # type: ignore[no-untyped-def]
    value = normalize(value.strip()) if value.strip() else ""
    if value:
        try:
            validate(value)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field=field_name) from exc
    return value


def clue_data_apply(clue: Clue, data: ClueData) -> None:
    """Check `data` and write it onto `clue` (not saved): a refusal names the field at fault."""
    if data.source not in ClueSource.values:
        raise ApplicationError(_("Choose the source of the clue."), field="source")
    if data.industry not in Industry.values:
        raise ApplicationError(_("Choose the industry."), field="industry")
    clue.source = data.source
    clue.source_reference = data.source_reference.strip()
    clue.source_deadline = data.source_deadline
    clue.received_at = data.received_at or timezone.now()
    clue.employer_name = _required(data.employer_name, _("Name the employer."), "employer_name")
    clue.employer_credit_code = _checked(
        data.employer_credit_code,
        normalize_credit_code,
        validate_credit_code,
        "employer_credit_code",
    )
    clue.anonymous = data.anonymous
    # An anonymous complainant leaves no identity behind.
    keep = not data.anonymous
    clue.complainant_name = data.complainant_name.strip() if keep else ""
    clue.complainant_id_number = (
        _checked(
            data.complainant_id_number,
            normalize_resident_id,
            validate_resident_id,
            "complainant_id_number",
        )
        if keep
        else ""
    )
    clue.complainant_phone = (
        _checked(data.complainant_phone, normalize_phone, validate_phone, "complainant_phone")
        if keep
        else ""
    )
    clue.project_name = data.project_name.strip()
    clue.main_contractor = data.main_contractor.strip()
    clue.crew_leader = data.crew_leader.strip()
    if data.workers < 1:
        raise ApplicationError(_("At least one worker is concerned."), field="workers")
    clue.workers = data.workers
    if data.amount_owed is not None and data.amount_owed < 0:
        raise ApplicationError(_("The amount cannot be negative."), field="amount_owed")
    clue.amount_owed = data.amount_owed
    clue.industry = data.industry
    clue.street = _required(data.street, _("Name the street."), "street")
    clue.text = _required(data.text, _("Say what the complainant reports."), "text")


@transaction.atomic
def clue_register(*, actor: User | None, data: ClueData, actor_label: str = "") -> Clue:
    """Register a clue: its squad by street (the default rule), its source's clocks from the
    moment it was received, and its files. `actor` None: an import acting for the bureau."""
    if actor is not None and not can_register(actor):
        raise ApplicationError(
            _("Only inspectors and administrators of the bureau register clues.")
        )
    clue = Clue(registered_by=actor)
    clue_data_apply(clue, data)
    if (
        clue.source_reference
        and Clue.objects.filter(source=clue.source, source_reference=clue.source_reference).exists()
    ):
        raise ApplicationError(
            _("A clue with this source reference is registered already."),
            field="source_reference",
        )
    checked = [upload_accepted(upload, field="attachments", named=True) for upload in data.files]
    clue.squad = squad_for_street(clue.street)
    clue.save()
    clocks_start(clue, clue.received_at)
    clue.save(update_fields=["due_on"])
    for upload, check in zip(data.files, checked, strict=True):
        clue_file_store(clue, upload, check, actor=actor)
    audit_record(
        actor=actor,
        action="clue.register",
        obj=clue,
        status_after=clue.status,
        actor_label=actor_label,
    )
    return clue


def clue_file_store(
    clue: Clue, upload: UploadedFile, checked: CheckedUpload, *, actor: User | None
) -> ClueAttachment:
    attachment = ClueAttachment(
        clue=clue,
        original_name=(upload.name or "upload")[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(f"{clue.pk}-{checked.sha256[:16]}.{checked.extension}", upload, save=False)
    attachment.save()
    return attachment
