"""Forms of the meeting pages: they parse input into what the services take, nothing more."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.core.models import Agency, AgencyKind, User
from portal.referrals.models import Referral
from portal.referrals.permissions import referrals_visible_to

from .models import Guest, Meeting, MeetingKind, MeetingSlot, Participant, Room, Rsvp, VoteAnswer
from .selectors import (
    action_items_of,
    case_by_number,
    minutes_of,
    participant_candidates,
    participants_of,
)
from .services import ActionItemData, GuestData, MeetingData, MinutesData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def people_choices(users: Iterable[User]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Users grouped by agency, for a select or a list of checkboxes."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for user in users:
        membership = user.membership
        label = f"{user} ({membership.title})" if membership.title else str(user)
        groups.setdefault(membership.agency.short_name, []).append((user.pk, label))
    return list(groups.items())


class PeopleField(forms.ModelMultipleChoiceField):
    """Offers the portal's staff; accepts any active account, so that the service, not the
    form, answers "has no account of a portal agency" with its clear message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.filter(is_active=True), **kwargs)

    def offer(self, candidates: QuerySet[User]) -> None:
        self.widget.choices = people_choices(candidates)


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.filter(is_active=True), **kwargs)

    def offer(self, candidates: QuerySet[User]) -> None:
        self.widget.choices = [("", "---------"), *people_choices(candidates)]


class VersionForm(forms.Form):
    """Every move carries the version of the page it was made from (stale-page check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    room = forms.ModelChoiceField(
        label=_("Room"), queryset=Room.objects.filter(active=True), required=False
    )
    video_link = forms.URLField(
        label=_("Video link"), required=False, assume_scheme="https", max_length=200
    )

    def to_data(self) -> MeetingData:
        data = self.cleaned_data
        return MeetingData(
            kind=data["kind"],
            title=data["title"],
            description=data.get("description", ""),
            room=data.get("room"),
            video_link=data.get("video_link", ""),
        )


class MeetingCreateForm(MeetingForm):
    participants = PeopleField(
        label=_("Participants"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].offer(participant_candidates())  # type: ignore[attr-defined]


class MeetingEditForm(MeetingForm, VersionForm):
    """For a scheduled meeting the time can be moved too (a new SEQUENCE goes out)."""

    date = forms.DateField(label=_("Date"), widget=DATE, required=False)
    start = forms.TimeField(label=_("Starts"), widget=TIME, required=False)
    end = forms.TimeField(label=_("Ends"), widget=TIME, required=False)

    def times(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        data = self.cleaned_data
        if not (data.get("date") and data.get("start") and data.get("end")):
            return None, None
        return combine(data["date"], data["start"]), combine(data["date"], data["end"])


def combine(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


class SlotForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    start = forms.TimeField(label=_("Starts"), widget=TIME)
    end = forms.TimeField(label=_("Ends"), widget=TIME)

    @staticmethod
    def times_of(data: dict[str, Any]) -> tuple[datetime.datetime, datetime.datetime]:
        """The proposed time from the form's cleaned data."""
        return combine(data["date"], data["start"]), combine(data["date"], data["end"])


class VoteForm(forms.Form):
    """One yes / maybe / no per proposed time."""

    def __init__(self, *args: Any, slots: Iterable[MeetingSlot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in slots:
            self.fields[f"slot_{slot.pk}"] = forms.ChoiceField(
                label=str(slot),
                choices=VoteAnswer.choices,
                widget=forms.RadioSelect,
                required=False,
            )

    @staticmethod
    def answers_of(data: dict[str, Any]) -> dict[int, str]:
        """Slot pk → answer, from the form's cleaned data (unanswered times left out)."""
        return {int(name.removeprefix("slot_")): value for name, value in data.items() if value}


class FixSlotForm(VersionForm):
    slot = forms.ModelChoiceField(label=_("Time"), queryset=MeetingSlot.objects.none())

    def __init__(self, *args: Any, slots: QuerySet[MeetingSlot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots  # type: ignore[attr-defined]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(r.value, r.label) for r in (Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED)],
    )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ParticipantForm(forms.Form):
    user = PersonField(label=_("Person"))

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].offer(candidates)  # type: ignore[attr-defined]


class ParticipantRemoveForm(forms.Form):
    participant = forms.ModelChoiceField(queryset=Participant.objects.none())

    def __init__(self, *args: Any, meeting_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = Participant.objects.filter(meeting_id=meeting_id)  # type: ignore[attr-defined]


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    organisation = forms.CharField(label=_("Organisation"), max_length=120)
    email = forms.EmailField(label=_("Email"), required=False)

    def to_data(self) -> GuestData:
        return GuestData(**self.cleaned_data)


class GuestRemoveForm(forms.Form):
    guest = forms.ModelChoiceField(queryset=Guest.objects.none())

    def __init__(self, *args: Any, meeting_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guest"].queryset = Guest.objects.filter(meeting_id=meeting_id)  # type: ignore[attr-defined]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    case_number = forms.CharField(label=_("Case number"), max_length=64, required=False)
    referral_number = forms.CharField(label=_("Referral number"), max_length=64, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_case_number(self) -> Case | None:
        number = self.cleaned_data["case_number"].strip()
        if not number:
            return None
        case = case_by_number(self.user, number)
        if case is None:
            raise forms.ValidationError(_("No case with this number that you can see."))
        return case

    def clean_referral_number(self) -> Referral | None:
        number = self.cleaned_data["referral_number"].strip()
        if not number:
            return None
        referral = referrals_visible_to(self.user).filter(number=number).first()
        if referral is None:
            raise forms.ValidationError(_("No referral with this number that you can see."))
        return referral


class CompleteForm(VersionForm):
    note = forms.CharField(label=_("How it was done"), max_length=300, required=False)


# --- the minutes editor ----------------------------------------------------------------------------


class ActionItemForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    owner_agency = forms.ModelChoiceField(
        label=_("Owner agency"), queryset=Agency.objects.filter(kind=AgencyKind.MEMBER)
    )
    owner_user = PersonField(label=_("Owner"), required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].offer(participant_candidates())  # type: ignore[attr-defined]

    def to_data(self) -> ActionItemData:
        data = self.cleaned_data
        return ActionItemData(
            description=data["description"],
            owner_agency=data["owner_agency"],
            owner_user=data.get("owner_user"),
            due_on=data["due_on"],
        )


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=1, max_num=30)


class MinutesForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    resolutions = forms.CharField(
        label=_("Resolutions"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    attended_users = forms.MultipleChoiceField(
        label=_("Participants present"), widget=forms.CheckboxSelectMultiple, required=False
    )
    attended_guests = forms.MultipleChoiceField(
        label=_("Guests present"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(
        self,
        *args: Any,
        participants: list[Participant],
        guests: list[Guest],
        agenda: list[Any],
        action_items: forms.BaseFormSet,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.participants, self.guests = participants, guests
        self.action_items = action_items
        self.fields["attended_users"].choices = [  # type: ignore[attr-defined]
            (str(p.user_id), f"{p.user} · {p.agency.short_name}") for p in participants
        ]
        self.fields["attended_guests"].choices = [  # type: ignore[attr-defined]
            (str(g.pk), f"{g.name} · {g.organisation}") for g in guests
        ]
        self.agenda_fields = []
        for item in agenda:
            name = f"discussion_{item.pk}"
            self.fields[name] = forms.CharField(
                label=f"{item.position}. {item.title}",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                initial=item.discussion,
            )
            self.agenda_fields.append(name)

    def agenda_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.agenda_fields]

    def is_valid(self) -> bool:
        """The minutes and their action items (each shows its own errors)."""
        valid = self.action_items.is_valid()
        return super().is_valid() and valid

    def to_data(self) -> MinutesData:
        action_items = self.action_items
        data = self.cleaned_data
        return MinutesData(
            summary=data.get("summary", ""),
            resolutions=data.get("resolutions", ""),
            discussions={
                int(name.removeprefix("discussion_")): data.get(name, "")
                for name in self.agenda_fields
            },
            attended_users={int(pk) for pk in data.get("attended_users", [])},
            attended_guests={int(pk) for pk in data.get("attended_guests", [])},
            action_items=[
                form.to_data() for form in action_items if form.has_changed() and form.cleaned_data
            ],
        )


def minutes_form(meeting: Meeting, data: Any = None) -> MinutesForm:
    """The minutes' editor of `meeting`, from what is saved (or bound to what was typed)."""
    participants = participants_of(meeting)
    guests = list(meeting.guests.all())
    minutes = minutes_of(meeting)
    initial = {
        "summary": minutes.summary if minutes else "",
        "resolutions": minutes.resolutions if minutes else "",
        "attended_users": [str(p.user_id) for p in participants if p.attended],
        "attended_guests": [str(g.pk) for g in guests if g.attended],
    }
    action_items = ActionItemFormSet(
        data,
        prefix="action",
        initial=[
            {
                "description": item.description,
                "owner_agency": item.owner_agency_id,
                "owner_user": item.owner_user_id,
                "due_on": item.due_on,
            }
            for item in action_items_of(meeting)
        ],
    )
    return MinutesForm(
        data,
        initial=initial,
        participants=participants,
        guests=guests,
        agenda=list(meeting.agenda_items.all()),
        action_items=action_items,
    )


class CalendarForm(forms.Form):
    view = forms.ChoiceField(choices=[("week", _("Week")), ("month", _("Month"))], required=False)
    date = forms.DateField(required=False, widget=DATE)
