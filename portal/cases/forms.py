from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.core.models import Agency, User
from portal.core.validators import clean_credit_code, clean_phone, clean_resident_id

from .models import CaseStatus, ClaimKind
from .services import CaseData, ClaimantData, ClaimData, EmployerData


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *CaseStatus.choices]
    )


class EmployerForm(forms.Form):
    employer_name = forms.CharField(label=_("Employer name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=24, help_text=_("18 characters")
    )
    employer_address = forms.CharField(label=_("Employer address"), max_length=200, required=False)

    def clean_credit_code(self) -> str:
        return clean_credit_code(self.cleaned_data["credit_code"])


class ClaimantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=24)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("Representative"), required=False)

    def clean_id_number(self) -> str:
        return clean_resident_id(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=_("Claim"), choices=ClaimKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0.01
    )
    period_start = forms.DateField(
        label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    worker = forms.IntegerField(
        label=_("Worker no."),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("The worker's place in the list above; empty: the whole filing's."),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})
        return data


ClaimantFormSet = forms.formset_factory(
    ClaimantForm, extra=0, min_num=1, validate_min=True, max_num=200
)
ClaimFormSet = forms.formset_factory(ClaimForm, extra=0, min_num=1, validate_min=True, max_num=20)


class CaseCreateForm(EmployerForm):
    facts = forms.CharField(
        label=_("Facts"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def to_case_data(self, claimants: forms.BaseFormSet, claims: forms.BaseFormSet) -> CaseData:
        return CaseData(
            employer=EmployerData(
                name=self.cleaned_data["employer_name"],
                credit_code=self.cleaned_data["credit_code"],
                address=self.cleaned_data.get("employer_address", ""),
            ),
            claimants=[ClaimantData(**f.cleaned_data) for f in claimants if f.cleaned_data],
            claims=[_claim_data(f.cleaned_data) for f in claims if f.cleaned_data],
            facts=self.cleaned_data.get("facts", ""),
        )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args, candidates=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["assignee"].queryset = candidates  # type: ignore[attr-defined]


# --- the arbitration after acceptance (portal.cases.arbitration_views) ------------------------
# Each form carries the version of the page it was made from (stale-page check) and is shown
# with its move's name as prefix: several of them sit on the case page at once.


class ArbitrationVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ArbitratorForm(ArbitrationVersionForm):
    arbitrator = forms.ModelChoiceField(
        label=_("Arbitrator"), queryset=User.objects.none(), empty_label="—"
    )

    def __init__(self, *args: object, arbitrators: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if arbitrators is not None:
            self.fields["arbitrator"].queryset = arbitrators  # type: ignore[attr-defined]


class ArbitrateForm(ArbitratorForm):
    hearing_on = forms.DateField(
        label=_("Hearing date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class HearingForm(ArbitrationVersionForm):
    hearing_on = forms.DateField(
        label=_("Hearing date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ArbitrationReasonForm(ArbitrationVersionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AwardForm(ArbitrationVersionForm):
    decision = forms.CharField(
        label=_("The award's decision (裁决结果)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    award_file = forms.FileField(
        label=_("Signed award (PDF, optional)"),
        required=False,
        help_text=_("Without a file, the award is rendered from the portal's template."),
    )


class ArbitrationNoteForm(ArbitrationVersionForm):
    note = forms.CharField(
        label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CoHandlingForm(forms.Form):
    """Share the case with another portal agency (案件协办), or stop sharing it."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, agencies=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


def _claim_data(cleaned: dict) -> ClaimData:
    """A claim as typed: its worker is numbered from 1 on the page, from 0 in the data."""
    worker = cleaned.get("worker")
    return ClaimData(
        **{**cleaned, "worker": worker - 1 if worker else None},
    )
