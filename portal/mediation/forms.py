"""Forms of the mediation pages: they parse; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.core.models import User

from .models import EnforcementKind, PaymentMethod
from .services import AgreementData, InstalmentData, ShareData


class OpenForm(forms.Form):
    requested_on = forms.DateField(
        label=_("Mediation requested on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the day of the routing or referral (or today)."),
    )


class VersionForm(forms.Form):
    """Every move carries the version of the page it was made from (stale-page check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MediatorForm(VersionForm):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=User.objects.none())

    def __init__(
        self, *args: object, choices: QuerySet[User] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["mediator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = choices if choices is not None else User.objects.filter(is_active=True)


class ConflictForm(MediatorForm):
    reason = forms.CharField(label=_("Link to a party"), widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200)


class SessionRecordForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
    attendees = forms.CharField(label=_("Who attended"), widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    proposals = forms.CharField(
        label=_("Proposals on the table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("Extra days"), min_value=1, max_value=60)
    agreement = forms.CharField(
        label=_("How the parties agreed"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AgreementForm(forms.Form):
    total_amount = forms.DecimalField(
        label=_("Total amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    payment_details = forms.CharField(label=_("Payment details"), max_length=200, required=False)
    instalments = forms.CharField(
        label=_("Instalments"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: the due date and the amount, e.g. 2026-12-31 5000.00"),
    )
    clauses = forms.CharField(
        label=_("Other clauses"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    shares = forms.CharField(
        label=_("Each worker's share"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For a collective claim, one worker a line: the name and the amount, e.g. 张三 3000.00"
        ),
    )

    def clean_shares(self) -> list[ShareData]:
        shares = []
        for line in self.cleaned_data["shares"].splitlines():
            if not line.strip():
                continue
            name, _space, amount = line.strip().rpartition(" ")
            try:
                if not name.strip():
                    raise InvalidOperation
                shares.append(ShareData(name=name.strip(), amount=Decimal(amount.replace(",", ""))))
            except InvalidOperation as exc:
                raise forms.ValidationError(
                    _("Write each share as a name and an amount: %(line)s"),
                    params={"line": line.strip()},
                ) from exc
        return shares

    def clean_instalments(self) -> list[InstalmentData]:
        items = []
        for line in self.cleaned_data["instalments"].splitlines():
            if not line.strip():
                continue
            parts = line.split()
            try:
                due_on = datetime.date.fromisoformat(parts[0])
                amount = Decimal(parts[1].replace(",", ""))
            except (IndexError, ValueError, InvalidOperation) as exc:
                raise forms.ValidationError(
                    _("Write each instalment as a date and an amount: %(line)s"),
                    params={"line": line.strip()},
                ) from exc
            items.append(InstalmentData(due_on=due_on, amount=amount))
        return items

    def data_object(self) -> AgreementData:
        data = self.cleaned_data
        return AgreementData(
            total_amount=data["total_amount"],
            payment_method=data["payment_method"],
            payment_details=data["payment_details"],
            instalments=data["instalments"],
            clauses=data["clauses"],
            shares=data["shares"],
        )


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(VersionForm):
    """A move without data: the button (and the page's version) is the form."""


class EmployerConfirmForm(forms.Form):
    representative = forms.CharField(label=_("Your name (the employer's representative)"))
    credit_code = forms.CharField(label=_("Unified social credit code of the employer"))
    sha256 = forms.CharField(widget=forms.HiddenInput)


class CourtApplyForm(VersionForm):
    court_name = forms.CharField(label=_("Court"), max_length=100, initial="广州市海珠区人民法院")


class CourtDecisionForm(VersionForm):
    confirmed = forms.TypedChoiceField(
        label=_("The court's decision"),
        choices=[("yes", _("Confirmed")), ("no", _("Refused"))],
        coerce=lambda value: value == "yes",
    )
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    enforceable_number = forms.CharField(
        label=_("Number of the ruling"), max_length=64, required=False
    )


class PaymentForm(forms.Form):
    instalment = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    evidence = forms.FileField(label=_("Evidence (receipt, bank slip)"), required=False)


class EnforcementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Application"), choices=EnforcementKind.choices)
    applied_on = forms.DateField(
        label=_("Applied on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
