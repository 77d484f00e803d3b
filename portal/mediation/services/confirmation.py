"""The parties' confirmation of the agreement: the claimant on the status page, the employer
through a one-time link; the second confirmation makes the agreement take effect."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import Case
from portal.core.audit import audit_record
from portal.core.deadlines import deadline_start
from portal.core.errors import ApplicationError
from portal.core.models import DocumentStatus, User
from portal.core.stored_text import stored_text
from portal.core.validators import normalize_credit_code

from ..models import Agreement, EmployerLink, Mediation, MediationStatus
from ..selectors import (
    COURT_WINDOW_POLICY,
    agreement_confirmed_by_both,
    claimant_agreement,
    employer_link_get,
    employer_link_token,
    token_digest,
)
from .common import check_conduct, locked, mediator_or_admins, notify_after_commit, required

# The employer's link: long enough not to be guessed, short-lived, and good for one use.
EMPLOYER_LINK_DAYS = 7
CLAIMANT_LABEL = "申请人（状态查询）"


def _confirmable(agreement: Agreement, shown_sha256: str) -> str:
    """The SHA-256 of the agreement's current PDF, if it is what the party was shown."""
    document = agreement.document
    if agreement.mediation.status != MediationStatus.AGREED or document is None:
        raise ApplicationError(_("There is no agreement to confirm."))
    if document.status != DocumentStatus.READY or not document.sha256:
        raise ApplicationError(_("The agreement document is not ready yet. Try again shortly."))
    if shown_sha256 != document.sha256:
        raise ApplicationError(
            _("The agreement changed since you opened it. Read the new text and confirm again.")
        )
    return document.sha256


def _locked_agreement(pk: int) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("document", "mediation__case__employer", "mediation__agency")
        .get(pk=pk)
    )


def _after_confirmation(agreement: Agreement, who: str | Promise) -> None:
    mediation = agreement.mediation
    notify_after_commit(
        mediation,
        mediator_or_admins(mediation),
        stored_text(
            gettext_lazy("%(who)s confirmed the agreement of case %(number)s"),
            who=who,
            number=mediation.case.number,
        ),
    )


@transaction.atomic
def agreement_confirm_claimant(*, case: Case, shown_sha256: str) -> Agreement:
    """The claimant, proved by tracking number and secret, confirms the exact text shown."""
    agreement = Agreement.objects.filter(mediation__case=case).first()
    if agreement is None:
        raise ApplicationError(_("There is no agreement to confirm."))
    agreement = _locked_agreement(agreement.pk)
    sha256 = _confirmable(agreement, shown_sha256)
    if agreement.claimant_confirmed_at is not None:
        raise ApplicationError(_("You confirmed this agreement already."))
    agreement.claimant_confirmed_at = timezone.now()
    agreement.claimant_confirmed_sha256 = sha256
    agreement.save(update_fields=["claimant_confirmed_at", "claimant_confirmed_sha256"])
    audit_record(
        actor=None,
        actor_label=CLAIMANT_LABEL,
        action="mediation.claimant_confirm",
        obj=agreement.mediation,
        note=sha256,
    )
    _after_confirmation(agreement, gettext_lazy("The claimant"))
    _take_effect_if_both(agreement)
    return agreement


@transaction.atomic
def employer_link_issue(*, actor: User, mediation: Mediation) -> tuple[EmployerLink, str]:
    """A new one-time link for the employer (older unused ones stop working). Only the token's
    digest is kept; staff are shown the token again until it is used (employer_link_token)."""
    mediation = locked(mediation)
    check_conduct(actor, mediation, status=MediationStatus.AGREED)
    agreement = Agreement.objects.select_for_update().get(mediation=mediation)
    if agreement.employer_confirmed_at is not None:
        raise ApplicationError(_("The employer confirmed this agreement already."))
    now = timezone.now()
    agreement.links.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    link = EmployerLink.objects.create(
        agreement=agreement,
        # replaced at once by the digest of the token derived from the row (its id and time)
        token_sha256=secrets.token_hex(32),
        expires_at=now + datetime.timedelta(days=EMPLOYER_LINK_DAYS),
        created_by=actor,
    )
    token = employer_link_token(link)
    link.token_sha256 = token_digest(token)
    link.save(update_fields=["token_sha256"])
    audit_record(actor=actor, action="mediation.employer_link_issue", obj=mediation)
    return link, token


@transaction.atomic
def agreement_confirm_employer(
    *, token: str, representative: str, credit_code: str, shown_sha256: str
) -> Agreement:
    """The employer's representative confirms through the one-time link, naming themselves
    and the employer's credit code."""
    found = employer_link_get(token)
    if found is None:
        raise ApplicationError(_("This link is not valid: it was used, replaced or has expired."))
    link = EmployerLink.objects.select_for_update().get(pk=found.pk)
    # Re-checked under the lock: two submissions at once use the link once.
    if link.used_at is not None or link.voided_at is not None or link.expires_at <= timezone.now():
        raise ApplicationError(_("This link is not valid: it was used, replaced or has expired."))
    agreement = _locked_agreement(link.agreement_id)
    sha256 = _confirmable(agreement, shown_sha256)
    representative = required(
        representative, _("Give the representative's name."), "representative"
    )
    employer = agreement.mediation.case.employer
    if normalize_credit_code(credit_code) != normalize_credit_code(employer.credit_code):
        raise ApplicationError(
            _("The credit code does not match the employer of this agreement."),
            field="credit_code",
        )
    if agreement.employer_confirmed_at is not None:
        raise ApplicationError(_("The employer confirmed this agreement already."))
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    agreement.employer_confirmed_at = now
    agreement.employer_confirmed_sha256 = sha256
    agreement.employer_representative = representative
    agreement.save(
        update_fields=[
            "employer_confirmed_at",
            "employer_confirmed_sha256",
            "employer_representative",
        ]
    )
    audit_record(
        actor=None,
        actor_label=f"{employer.name}（{representative}）",
        action="mediation.employer_confirm",
        obj=agreement.mediation,
        note=sha256,
    )
    _after_confirmation(agreement, employer.name)
    _take_effect_if_both(agreement)
    return agreement


@transaction.atomic
def agreement_download_by_employer(*, token: str) -> Agreement:
    """The employer's copy through its one-time link (reading does not use the link up); each
    download is audited, under the employer's name."""
    link = employer_link_get(token)
    if link is None:
        raise Http404
    agreement = link.agreement
    _audit_download(agreement, f"{agreement.mediation.case.employer.name}（单次链接）")
    return agreement


@transaction.atomic
def agreement_download_by_claimant(*, case: Case) -> Agreement | None:
    """The claimant's copy from the status page; each download is audited."""
    agreement = claimant_agreement(case)
    if agreement is not None:
        _audit_download(agreement, CLAIMANT_LABEL)
    return agreement


def _audit_download(agreement: Agreement, who: str) -> None:
    document = agreement.document
    if document is None or document.status != DocumentStatus.READY or not document.file:
        raise Http404
    audit_record(
        actor=None,
        actor_label=who,
        action="mediation.agreement_download",
        obj=agreement.mediation,
        note=document.sha256,
    )


def _take_effect_if_both(agreement: Agreement) -> None:
    """The second confirmation makes the agreement take effect: the court window starts."""
    if not agreement_confirmed_by_both(agreement) or agreement.effective_at is not None:
        return
    agreement.effective_at = timezone.now()
    agreement.save(update_fields=["effective_at"])
    deadline_start(
        policy_key=COURT_WINDOW_POLICY, subject=agreement.mediation, start=agreement.effective_at
    )
    audit_record(actor=None, action="mediation.agreement_effective", obj=agreement.mediation)
