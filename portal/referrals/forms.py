from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.core.models import Agency, User
from portal.core.validators import normalize_credit_code, validate_credit_code

from .models import (
    FeedbackOutcome,
    Referral,
    ReferralKind,
    ReferralStatus,
    Urgency,
    feedback_outcomes,
)
from .selectors import ReferralFilters, referral_case_by_number
from .services import ReferralData


class ReferralFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or employer"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ReferralStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *ReferralKind.choices]
    )
    date_from = forms.DateField(
        label=_("Sent from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Sent until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, box: str = "outbox", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if box == "inbox":
            # A draft is never sent, so no inbox holds one.
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                choice
                for choice in self.fields["status"].choices  # type: ignore[attr-defined]
                if choice[0] != ReferralStatus.DRAFT
            ]

    def filters(self) -> ReferralFilters:
        if not self.is_valid():
            return ReferralFilters()
        data = self.cleaned_data
        return ReferralFilters(
            status=data["status"],
            kind=data["kind"],
            overdue=data["overdue"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            query=data["q"],
        )


class ReferralForm(forms.Form):
    receiver = forms.ModelChoiceField(
        label=_("Receiving agency"),
        queryset=Agency.objects.none(),
        help_text=_(
            "The police and the court have no portal accounts: their referrals are "
            "recorded here, with what came of them."
        ),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=ReferralKind.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    case_number = forms.CharField(
        label=_("Linked case number"),
        required=False,
        max_length=64,
        help_text=_("A case you can see; leave empty for an employer without a case."),
    )
    employer_name = forms.CharField(label=_("Employer name"), required=False, max_length=200)
    employer_credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=24
    )
    workers = forms.IntegerField(label=_("Number of workers"), required=False, min_value=1)
    amount_owed = forms.DecimalField(
        label=_("Amount owed (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    summary = forms.CharField(
        label=_("Grounds for referral"), widget=forms.Textarea(attrs={"rows": 6})
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        receivers = Agency.objects.all()
        if user.agency is not None:
            receivers = receivers.exclude(pk=user.agency.pk)
        self.fields["receiver"].queryset = receivers  # type: ignore[attr-defined]
        self.case: Case | None = None

    @classmethod
    def initial_for(cls, referral: Referral) -> dict[str, Any]:
        return {
            "receiver": referral.receiver_agency_id,
            "kind": referral.kind,
            "urgency": referral.urgency,
            "case_number": referral.case.number if referral.case else "",
            "employer_name": "" if referral.case else referral.employer_name,
            "employer_credit_code": "" if referral.case else referral.employer_credit_code,
            "workers": referral.workers,
            "amount_owed": referral.amount_owed,
            "summary": referral.summary,
            "legal_basis": referral.legal_basis,
        }

    def clean_case_number(self) -> str:
        number = self.cleaned_data["case_number"].strip()
        if number:
            self.case = referral_case_by_number(user=self.user, number=number)
            if self.case is None:
                raise ValidationError(_("No case with this number among the cases you can see."))
        return number

    def clean_employer_credit_code(self) -> str:
        value = normalize_credit_code(self.cleaned_data["employer_credit_code"])
        if value:
            validate_credit_code(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("case_number") and not self.errors.get("case_number"):
            if not data.get("employer_name"):
                self.add_error("employer_name", _("Name the employer, or link a case."))
            if not data.get("employer_credit_code") and "employer_credit_code" not in self.errors:
                self.add_error("employer_credit_code", _("Enter the employer's credit code."))
        return data

    def to_data(self) -> ReferralData:
        data = self.cleaned_data
        return ReferralData(
            receiver=data["receiver"],
            kind=data["kind"],
            urgency=data["urgency"],
            case=self.case,
            employer_name=data.get("employer_name", ""),
            employer_credit_code=data.get("employer_credit_code", ""),
            workers=data.get("workers"),
            amount_owed=data.get("amount_owed"),
            summary=data["summary"],
            legal_basis=data.get("legal_basis", ""),
        )


class VersionForm(forms.Form):
    """Every move carries the version of the page it was made from (stale-page check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class FeedbackForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FeedbackOutcome.choices)
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Files (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what the receiving agency can do (no penalty offered to the procuratorate).
        outcomes = feedback_outcomes(referral.receiver_agency.code)
        self.fields["outcome"].choices = [(o.value, o.label) for o in outcomes]  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
