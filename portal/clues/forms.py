"""The clue pages' forms: the queue's filters, the registration, each move's fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.models import Role, User
from portal.referrals.forms import VersionForm
from portal.referrals.models import ReferralKind

from .models import Clue, ClueSource, ClueStatus, Conclusion, Industry, Squad
from .selectors import ClueFilters, clue_possible_duplicates
from .services import REFERRAL_KINDS, ClueData
from .services.imports import COLUMNS as IMPORT_COLUMNS


def _all(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class ClueFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), required=False, choices=_all(ClueSource.choices))
    street = forms.CharField(label=_("Street"), required=False, max_length=40)
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=_all(Industry.choices)
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_all(ClueStatus.choices))
    late = forms.BooleanField(label=_("Late only"), required=False)
    mine = forms.BooleanField(label=_("My squad's only"), required=False)

    def filters(self) -> ClueFilters:
        if not self.is_valid():
            return ClueFilters()
        return ClueFilters(**self.cleaned_data)


class ClueForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=ClueSource.choices)
    source_reference = forms.CharField(label=_("Source reference"), required=False, max_length=64)
    source_deadline = forms.DateField(
        label=_("Deadline set by the source"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    anonymous = forms.BooleanField(
        label=_("The complainant asks to stay anonymous"), required=False
    )
    complainant_name = forms.CharField(label=_("Complainant"), required=False, max_length=60)
    complainant_id_number = forms.CharField(
        label=_("Resident ID number"), required=False, max_length=24
    )
    complainant_phone = forms.CharField(label=_("Phone"), required=False, max_length=24)
    employer_name = forms.CharField(label=_("Employer name"), max_length=200)
    employer_credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=24
    )
    project_name = forms.CharField(label=_("Construction project"), required=False, max_length=200)
    main_contractor = forms.CharField(label=_("Main contractor"), required=False, max_length=200)
    crew_leader = forms.CharField(label=_("Crew leader"), required=False, max_length=60)
    workers = forms.IntegerField(label=_("Number of workers"), min_value=1, initial=1)
    amount_owed = forms.DecimalField(
        label=_("Amount owed (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    street = forms.CharField(label=_("Street"), max_length=40)
    text = forms.CharField(
        label=_("What the complainant says"), widget=forms.Textarea(attrs={"rows": 5})
    )

    def to_data(self, files: list[Any]) -> ClueData:
        return ClueData(**self.cleaned_data, files=files)


class AssignForm(VersionForm):
    squad = forms.ModelChoiceField(label=_("Squad"), queryset=Squad.objects.all(), required=False)
    assignee = forms.ModelChoiceField(
        label=_("Inspector"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            squads__isnull=False,
            is_active=True,
            membership__roles__icontains=f'"{Role.INSPECTOR}"',
        ).distinct()


class NoteForm(VersionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class InstructionForm(VersionForm):
    instruction = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(VersionForm):
    conclusion = forms.ModelChoiceField(
        label=_("Conclusion"), queryset=Conclusion.objects.filter(active=True)
    )
    text = forms.CharField(
        label=_("How it was handled"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount_recovered = forms.DecimalField(
        label=_("Amount recovered (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    workers_paid = forms.IntegerField(label=_("Workers paid"), required=False, min_value=0)


class ReferForm(VersionForm):
    kind = forms.ChoiceField(
        label=_("Refer as"),
        choices=[(kind, label) for kind, label in ReferralKind.choices if kind in REFERRAL_KINDS],
    )


class LinkForm(VersionForm):
    other = forms.ModelChoiceField(label=_("Same matter as"), queryset=Clue.objects.none())

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = clue_possible_duplicates(clue)  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Export of"),
        choices=[(s, label) for s, label in ClueSource.choices if s in IMPORT_COLUMNS],
    )
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))
