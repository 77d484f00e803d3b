"""The appointments page: an agency's administrator appoints a person of another portal
agency as special mediator (特约调解员) or procuratorial liaison, and ends the appointment,
through the services of portal.core.people (which check the role and record the audit row).
Everyone of the agency sees who it appointed; the forms are the administrators'."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from .http import portal_user, post_move
from .models import Agency, AgencyKind, Appointment, AppointmentKind, Role, User
from .people import appointment_create, appointment_end
from .roles import has_role


class AppointmentForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Appointed as"), choices=AppointmentKind.choices)
    valid_from = forms.DateField(
        label=gettext_lazy("valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args, agency: Agency | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        people = User.objects.filter(
            is_active=True,
            membership__active=True,
            membership__agency__kind=AgencyKind.MEMBER,
        )
        if agency is not None:
            people = people.exclude(membership__agency=agency)
        self.fields["user"].queryset = people.order_by("username")  # type: ignore[attr-defined]


class EndForm(forms.Form):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)


def appointments_made_by(agency: Agency | None) -> QuerySet[Appointment]:
    if agency is None:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(appointing_agency=agency)
        .select_related("user__membership__agency")
        .order_by("ended_at", "-valid_until", "pk")
    )


def _agency_or_404(user: User) -> Agency:
    """The appointing agency of a POST: the user's own; someone of no agency has nothing here."""
    if user.agency is None:
        raise Http404
    return user.agency


def _page(request: HttpRequest, form: forms.Form | None = None) -> HttpResponse:
    user = portal_user(request)
    agency = user.agency
    manage = agency is not None and has_role(user, Role.AGENCY_ADMIN, agency=agency)
    today = timezone.localdate()
    if form is not None and not manage:
        # The page offers this user no form: the refusal is told as a message instead.
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    context = {
        "appointments": appointments_made_by(agency),
        "held": Appointment.objects.filter(user=user).select_related("appointing_agency"),
        "form": (
            form
            if isinstance(form, AppointmentForm)
            else AppointmentForm(
                agency=agency,
                initial={"valid_from": today, "valid_until": today + datetime.timedelta(days=365)},
            )
        )
        if manage
        else None,
        "end_refusal": form.errors if isinstance(form, EndForm) and manage else None,
        "can_manage": manage,
        "today": today,
    }
    return render(request, "core/appointments.html", context)


@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def appointment_new(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    agency = _agency_or_404(user)
    return post_move(
        request,
        form=AppointmentForm(request.POST, agency=None),
        perform=lambda data: appointment_create(
            actor=user,
            user=data["user"],
            appointing_agency=agency,
            kind=data["kind"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            note=data["note"],
        ),
        done=_("Appointed."),
        then=reverse("core:appointments"),
        page=lambda form: _page(request, form),
    )


@require_POST
def appointment_stop(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    agency = _agency_or_404(user)
    form = EndForm(request.POST)
    made = appointments_made_by(agency)
    # Another agency's appointment is not this page's to show: 404.
    if form.is_valid() and not made.filter(pk=form.cleaned_data["appointment"]).exists():
        raise Http404
    return post_move(
        request,
        form=form,
        perform=lambda data: appointment_end(
            actor=user, appointment=made.get(pk=data["appointment"]), note=data["note"]
        ),
        done=_("The appointment has ended."),
        then=reverse("core:appointments"),
        page=lambda form: _page(request, form),
    )
