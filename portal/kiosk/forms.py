"""The kiosk's forms: one per group of questions, plain words, large inputs, nothing the shared
terminal's browser should remember (autocomplete off)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cases.models import ClaimKind
from portal.cases.services.intake import secret_normalize, tracking_number_normalize
from portal.core.validators import clean_credit_code, clean_phone, clean_resident_id

NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false"}
CONSENT_REQUIRED = _(
    "Without this consent the filing cannot be taken here. Staff at the counter can help you."
)


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "")


def _text(max_length: int, **attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={**NO_AUTOFILL, "maxlength": str(max_length), **attrs})


class ConsentForm(forms.Form):
    # PIPL arts. 14 and 17: informed consent to the stated purpose and retention; arts. 28-29:
    # the ID number is sensitive personal information and needs its own, separate consent.
    consent_processing = forms.BooleanField(
        label=_(
            "I agree that the arbitration committee uses the personal information in this "
            "filing to handle my labour dispute."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    consent_id_number = forms.BooleanField(
        label=_(
            "I separately agree to give my resident ID number (sensitive personal information), "
            "which the committee needs to identify me."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )


class ClaimantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, widget=_text(60))
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=24,
        help_text=_("18 characters; the last may be X."),
        widget=_text(24, inputmode="text", **{"class": "mono"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=_text(20, inputmode="tel", type="tel")
    )
    address = forms.CharField(label=_("Address where you live"), max_length=200, widget=_text(200))
    is_representative = forms.BooleanField(
        label=_("Representative: acts for all the workers"),
        required=False,
        help_text=_(
            "Ten workers or more may choose up to five; fewer choose one. None ticked: worker 1."
        ),
    )

    def clean_id_number(self) -> str:
        # People copy the number in groups ("440105 19850312 2428"): spaces are no error.
        return clean_resident_id(_compact(self.cleaned_data["id_number"]))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])


class EmployerForm(forms.Form):
    employer_name = forms.CharField(label=_("Employer's name"), max_length=200, widget=_text(200))
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        help_text=_("18 characters, on the business licence or a pay slip."),
        widget=_text(24, **{"class": "mono"}),
    )
    employer_address = forms.CharField(
        label=_("Employer's address"), max_length=200, widget=_text(200)
    )

    def clean_credit_code(self) -> str:
        return clean_credit_code(_compact(self.cleaned_data["credit_code"]))


class EmployerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search employers already known to us"),
        min_length=2,
        max_length=60,
        widget=_text(60, type="search"),
    )


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you claim?"), choices=ClaimKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "inputmode": "decimal"}),
    )
    period_start = forms.DateField(
        label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("In a few words"), max_length=200, required=False, widget=_text(200)
    )
    worker = forms.ChoiceField(label=_("Whose claim is it?"), required=False, choices=[])

    def __init__(self, *args: Any, workers: list[str] | None = None, **kwargs: Any) -> None:
        """`workers`: the names of the workers filing; with one worker the question is not
        asked (every claim is theirs)."""
        super().__init__(*args, **kwargs)
        field = self.fields["worker"]
        if workers and len(workers) > 1 and isinstance(field, forms.ChoiceField):
            field.choices = [
                ("", _("All of us: the whole filing")),
                *[(str(i), f"{i + 1}. {name}") for i, name in enumerate(workers)],
            ]
        else:
            del self.fields["worker"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("period_start", _("The period cannot start in the future."))
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        if start and start < datetime.date(1950, 1, 1):
            self.add_error("period_start", _("Check the year of this date."))
        if data.get("kind") == ClaimKind.OTHER and not data.get("description", "").strip():
            self.add_error("description", _("Say in a few words what you claim."))
        return data


class FactsForm(forms.Form):
    facts = forms.CharField(
        label=_("What happened?"),
        min_length=10,
        max_length=5000,
        help_text=_(
            "When you started working there, what work you did, what you were not paid or "
            "given, and what you already tried."
        ),
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 8}),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("A photo or a PDF"),
        required=False,
        help_text=_("Pay slips, a contract, chat messages, attendance records: JPEG, PNG or PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    description = forms.CharField(
        label=_("What does it show?"), max_length=200, required=False, widget=_text(200)
    )


ROUTE_MEDIATION = "mediation"
ROUTE_ARBITRATION = "arbitration"


class MediationForm(forms.Form):
    route = forms.ChoiceField(
        label=_("How should we handle your dispute?"),
        choices=[
            (
                ROUTE_MEDIATION,
                _("Try mediation first: free, often faster; if it fails, arbitration follows."),
            ),
            (ROUTE_ARBITRATION, _("Go to arbitration directly.")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the two ways.")},
    )


class ReviewForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("What I gave here is true and complete as far as I know."),
        error_messages={"required": _("Tick this box to submit the filing.")},
    )
    # A field no person sees (hidden by CSS and from screen readers): automated posters fill
    # every field they find.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "tabindex": "-1"}),
    )


class LookupForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=30,
        help_text=_("On your receipt, e.g. KL-2026-000123."),
        widget=_text(30, **{"class": "mono"}),
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=30,
        help_text=_("The 8 letters and digits printed under it."),
        widget=_text(30, **{"class": "mono"}),
    )

    def clean_tracking_number(self) -> str:
        value = tracking_number_normalize(self.cleaned_data["tracking_number"])
        if not value:
            raise ValidationError(_("A tracking number looks like KL-2026-000123."))
        return value

    def clean_secret(self) -> str:
        return secret_normalize(self.cleaned_data["secret"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data][:10]
        return [single(data, initial)] if data else []


class MaterialForm(forms.Form):
    material = MultipleFileField(
        label=_("The requested material (photos or PDFs)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    note = forms.CharField(
        label=_("A note for the committee"), max_length=200, required=False, widget=_text(200)
    )


# --- staff: intake decisions ------------------------------------------------------------------


class VersionForm(forms.Form):
    """Every intake move carries the version of the page it was made from (stale-page check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(VersionForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class RouteToMediationForm(VersionForm):
    claimant_consented = forms.BooleanField(
        label=_("The claimant agreed to mediation first"), required=False
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class RefuseForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for not accepting (goes into the written notice)"),
        min_length=4,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MaterialRequestForm(VersionForm):
    missing = forms.CharField(
        label=_("What the claimant must still provide (all of it at once)"),
        min_length=4,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
