"""Intake (受理审查) of a claimant's filing by the arbitration committee.

A claimant files at the E-law kiosk or online (`case_file`): the case starts FILED with a
tracking number, a secret only the claimant holds, and the 5-day acceptance clock
(《劳动争议调解仲裁法》 art. 29). Arbitrators and the arbitration committee's administrators
then make one move per service: accept it (立案, the case gets its number and an acceptance
notice), route it to mediation with the claimant's consent, refuse it in writing, or ask the
claimant for more material, which the claimant supplies on the status page
(`case_material_supply`) and which sends the case back to the queue.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, replace

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.deadlines import deadline_meet, deadline_start
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Role, User
from portal.core.notifications import notify
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text
from portal.core.uploads import CheckedUpload, upload_accepted
from portal.core.validators import normalize_resident_id

from ..models import PUBLIC_CHANNELS, Case, Claimant, Evidence
from ..permissions import MOVES, Move
from ..secret_hashing import secret_hash, secret_matches, secret_normalize
from .moves import AWARD_POLICY
from .register import ACCEPTANCE_POLICY, CaseData, case_check, case_insert, case_number_next
from .worker_credentials import SECRET_ALPHABET, SECRET_LENGTH, worker_matching, worker_secrets

DUPLICATE_WINDOW = datetime.timedelta(days=30)
# The notices' document kinds are registered by portal.cases.intake_documents (imported by
# the kiosk app's ready()); their keys are here so the services need not import the renderer.
# Both are meant for the claimant too: the status page lists them.
ACCEPTANCE_NOTICE_KIND = "intake_acceptance_notice"
REFUSAL_NOTICE_KIND = "intake_refusal_notice"
# The award (portal.cases.services.arbitration.AWARD_KIND) is the claimant's too.
CLAIMANT_DOCUMENT_KINDS = (ACCEPTANCE_NOTICE_KIND, REFUSAL_NOTICE_KIND, "arbitration_award")


@dataclass(frozen=True)
class Filed:
    """A claimant's filing as it was just stored, with the secret shown to them once."""

    case: Case
    secret: str
    # The evidence files written for it: the caller's transaction removes them if it rolls
    # back after this returned (storage is not transactional).
    evidence_files: list[str]


@dataclass(frozen=True)
class StoredFile:
    """A file the claimant uploaded earlier, already checked, kept in private storage."""

    path: str
    original_name: str
    checked: CheckedUpload
    description: str = ""


# --- credentials ---------------------------------------------------------------------------------


def secret_new() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def secret_display(secret: str) -> str:
    """ABCD-EFGH: easier to copy by hand."""
    return f"{secret[:4]}-{secret[4:]}" if len(secret) == SECRET_LENGTH else secret


def tracking_number_normalize(value: str) -> str:
    """KL-2026-000123 from 'kl2026000123', 'KL 2026 000123'...; '' if it cannot be one."""
    compact = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    if len(compact) < 8 or not compact.startswith("KL") or not compact[2:].isdigit():
        return ""
    return f"KL-{compact[2:6]}-{compact[6:]}"[:20]


def claimant_access_get(
    *, tracking_number: str, secret: str
) -> tuple[Case, Claimant | None] | None:
    """The case the secret opens, and the worker whose own secret it is (None: the filing's
    secret, which shows the whole filing); None for an unknown number and a wrong secret."""
    case = claimant_case_get(tracking_number=tracking_number, secret=secret)
    if case is not None:
        return case, None
    worker = worker_matching(tracking_number_normalize(tracking_number), secret)
    return (worker.case, worker) if worker is not None else None


def claimant_case_get(*, tracking_number: str, secret: str) -> Case | None:
    """The claimant's case, if the secret fits its tracking number; None for an unknown number
    and for a wrong secret alike."""
    number = tracking_number_normalize(tracking_number)
    case = (
        Case.objects.select_related("agency", "employer").filter(tracking_number=number).first()
        if number
        else None
    )
    if not secret_matches(secret, case.claimant_secret_hash if case is not None else None):
        return None
    return case


# --- rules ----------------------------------------------------------------------------------------


def intake_agency() -> Agency:
    """The arbitration committee decides on acceptance (art. 29) and runs the kiosk."""
    return Agency.objects.get(code=Agency.ARBITRATION)


# --- the claimant's moves ------------------------------------------------------------------------


def case_file(
    *,
    data: CaseData,
    channel: str,
    evidence: list[StoredFile] | None = None,
    secret: str | None = None,
) -> Filed:
    """A claimant's own filing: the case (FILED), its tracking number and secret, the
    acceptance clock, the duplicate flag and the evidence, in one transaction.

    Like case_create, it refuses before its first write, so the writes need no savepoint
    inside a caller's transaction (the kiosk's submit); a failure after that (a full disk
    while the evidence is stored) rolls that transaction back as a whole. `secret` is the one
    the kiosk's draft chose when it began (a resubmit shows the same receipt), or the demo
    data's; without it a fresh random one."""
    if channel not in PUBLIC_CHANNELS:
        raise ApplicationError(_("A claimant files at the kiosk or online."))
    secret = secret_normalize(secret) if secret else secret_new()
    agency = intake_agency()
    own = ["", *worker_secrets(secret, len(data.claimants))]  # worker 1 holds the filing's
    claimants = [
        replace(c, status_secret_hash=secret_hash(own[i]) if own[i] else "")
        for i, c in enumerate(data.claimants)
    ]
    checked = case_check(
        actor=None,
        agency=agency,
        data=replace(
            data, channel=channel, claimant_secret_hash=secret_hash(secret), claimants=claimants
        ),
    )
    with transaction.atomic(savepoint=False):
        case = case_insert(actor=None, agency=agency, checked=checked)
        case.duplicate_of = _probable_duplicate_of(case, [c.id_number for c in checked.claimants])
        if case.duplicate_of is not None:
            case.save(update_fields=["duplicate_of"])
            audit_record(
                actor=None,
                action="case.duplicate_flag",
                obj=case,
                note=case.duplicate_of.number,
                actor_label="system",
            )
        written: list[str] = []
        try:
            for stored in evidence or []:
                written.append(_evidence_store(case=case, stored=stored).file.name or "")
        except Exception:
            # The rollback takes the rows back; the files written so far must go too.
            _files_delete(written)
            raise
        return Filed(case=case, secret=secret, evidence_files=written)


def _files_delete(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def _probable_duplicate_of(case: Case, id_numbers: list[str]) -> Case | None:
    """The latest other case of the same employer filed within 30 days by a worker with one
    of this case's ID numbers (as typed: normalised here like the stored ones)."""
    numbers = [normalize_resident_id(number) for number in id_numbers]
    if not numbers:
        return None
    return (
        Case.objects.filter(
            claimants__id_number__in=numbers,
            employer_id=case.employer_id,
            filed_at__gte=case.filed_at - DUPLICATE_WINDOW,
        )
        .exclude(pk=case.pk)
        .order_by("-filed_at", "-id")
        .first()
    )


def _evidence_store(*, case: Case, stored: StoredFile) -> Evidence:
    """Copy a checked file from private draft storage into the case's evidence."""
    evidence = Evidence(
        case=case,
        original_name=stored.original_name[:200],
        content_type=stored.checked.content_type,
        size=stored.checked.size,
        sha256=stored.checked.sha256,
        description=stored.description.strip()[:200],
    )
    with default_storage.open(stored.path, "rb") as handle:
        evidence.file.save(
            f"{case.pk}-{stored.checked.sha256[:16]}.{stored.checked.extension}",
            File(handle),
            save=False,
        )
    try:
        evidence.save()
    except Exception:
        default_storage.delete(evidence.file.name or "")
        raise
    return evidence


# What the history shows as the actor of the claimant's material (stored data, in Chinese).
CLAIMANT_LABEL = "申请人"


@transaction.atomic
def case_material_supply(
    *, case: Case, uploads: list[UploadedFile], note: str = ""
) -> list[Evidence]:
    """The claimant adds the requested material on the status page; the case returns to the
    intake queue and the 5-day clock starts again from receipt (《劳动人事争议仲裁办案规则》
    art. 30: decide within 5 days of receiving the completed application)."""
    try:
        case = MOVES.begin(None, case, Move.MATERIAL_SUPPLY)
    except ApplicationError as error:
        # The claimant's move has no role rule and no page version: only the state refuses,
        # said in the claimant's terms.
        raise ApplicationError(
            _("No material is requested for this case at the moment.")
        ) from error
    if not uploads:
        raise ApplicationError(_("Choose at least one file to send."), field="material")
    checked = [
        (upload, upload_accepted(upload, field="material", named=True)) for upload in uploads
    ]
    MOVES.finish(
        None,
        case,
        Move.MATERIAL_SUPPLY,
        actor_label=CLAIMANT_LABEL,
        note=", ".join((upload.name or "") for upload, _result in checked),
        after_commit=[
            lambda: _notify_deciders(
                case,
                stored_text(gettext_lazy("Material received for %(number)s"), number=case.number),
                stored_text(
                    gettext_lazy(
                        "The claimant added the requested material; the case is back in the "
                        "intake queue."
                    )
                ),
            )
        ],
    )
    deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=timezone.now())
    # Files last: the rows before them can fail without leaving a file behind.
    added: list[Evidence] = []
    try:
        for upload, result in checked:
            evidence = Evidence(
                case=case,
                original_name=(upload.name or "upload")[:200],
                content_type=result.content_type,
                size=result.size,
                sha256=result.sha256,
                description=note.strip()[:200],
            )
            name = f"{case.pk}-{result.sha256[:16]}.{result.extension}"
            evidence.file.save(name, upload, save=False)
            added.append(evidence)
            evidence.save()
    except Exception:
        _files_delete([evidence.file.name or "" for evidence in added])
        raise
    return added


# --- the committee's moves: each checks the move (MOVES: role, page version, state) first ---------


@transaction.atomic
def case_accept(
    *, actor: User, case: Case, note: str = "", expected_version: int | None = None
) -> Case:
    """Accept the filing (立案): the case gets its arbitration number, the acceptance notice is
    issued, and the 45-day clock for the award starts (art. 43)."""
    case = MOVES.begin(actor, case, Move.ACCEPT, expected_version)
    now = timezone.now()
    if not case.has_agency_number:
        case.number = case_number_next(agency=case.agency, now=now)
    case.decided_at = now
    case.material_requested = ""
    MOVES.finish(
        actor,
        case,
        Move.ACCEPT,
        fields=["number", "decided_at", "material_requested"],
        note=" ".join(part for part in (case.number, note.strip()) if part),
    )
    deadline_meet(policy_key=ACCEPTANCE_POLICY, subject=case)
    deadline_start(policy_key=AWARD_POLICY, subject=case, start=now)
    document_request(actor=actor, owner=case, kind=ACCEPTANCE_NOTICE_KIND)
    return case


@transaction.atomic
def case_route_to_mediation(
    *,
    actor: User,
    case: Case,
    claimant_consented: bool = False,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Offer mediation first: only with the claimant's consent, given in the filing or to
    staff (then recorded here). The mediation app picks the case up from MEDIATION_PENDING."""
    case = MOVES.begin(actor, case, Move.ROUTE_TO_MEDIATION, expected_version)
    if not (case.mediation_consent or claimant_consented):
        raise ApplicationError(
            _("Mediation needs the claimant's consent: record it once the claimant agreed."),
            field="claimant_consented",
        )
    case.mediation_consent = True
    case.decided_at = timezone.now()
    case.material_requested = ""
    MOVES.finish(
        actor,
        case,
        Move.ROUTE_TO_MEDIATION,
        fields=["mediation_consent", "decided_at", "material_requested"],
        note=note.strip(),
        after_commit=[
            lambda: notify(
                recipients=[
                    *agency_members(case.agency, Role.MEDIATOR),
                    *agency_members(case.agency, Role.AGENCY_ADMIN),
                ],
                title=stored_text(
                    gettext_lazy("Case %(number)s awaits a mediator"), number=case.number
                ),
                body=stored_text(gettext_lazy("The claimant agreed to try mediation first.")),
                # the page where the mediation is opened and its mediator assigned
                url=reverse("mediation:case", kwargs={"pk": case.pk}),
            )
        ],
    )
    deadline_meet(policy_key=ACCEPTANCE_POLICY, subject=case)
    return case


@transaction.atomic
def case_refuse(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    """Refuse the filing in writing, with the reason (不予受理通知书); the claimant may then
    sue in the people's court (art. 29)."""
    case = MOVES.begin(actor, case, Move.REFUSE, expected_version)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ApplicationError(_("Write the reason for not accepting the filing."), field="reason")
    case.refusal_reason = reason
    case.decided_at = timezone.now()
    case.material_requested = ""
    MOVES.finish(
        actor,
        case,
        Move.REFUSE,
        fields=["refusal_reason", "decided_at", "material_requested"],
        note=reason,
    )
    deadline_meet(policy_key=ACCEPTANCE_POLICY, subject=case)
    document_request(actor=actor, owner=case, kind=REFUSAL_NOTICE_KIND)
    return case


@transaction.atomic
def case_request_material(
    *, actor: User, case: Case, missing: str, expected_version: int | None = None
) -> Case:
    """Tell the claimant, all at once, what is missing (一次性告知); they see it on the status
    page and can add it there. The acceptance clock is met by this answer and starts again
    when the material arrives."""
    case = MOVES.begin(actor, case, Move.REQUEST_MATERIAL, expected_version)
    missing = (missing or "").strip()
    if len(missing) < 4:
        raise ApplicationError(_("Say what the claimant must still provide."), field="missing")
    case.material_requested = missing
    MOVES.finish(actor, case, Move.REQUEST_MATERIAL, fields=["material_requested"], note=missing)
    deadline_meet(policy_key=ACCEPTANCE_POLICY, subject=case)
    return case


def _notify_deciders(case: Case, title: str, body: str) -> None:
    recipients = [
        *agency_members(case.agency, Role.ARBITRATOR),
        *agency_members(case.agency, Role.AGENCY_ADMIN),
    ]
    notify(
        recipients=recipients,
        title=title,
        body=body,
        url=reverse("intake:detail", kwargs={"pk": case.pk}),
    )
