"""The Django admin: superusers see everything; an agency admin (is_staff) sees only their own
agency's people and data, and the shared calendar and deadline policies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .deadlines import deadlines_recompute
from .models import (
    Agency,
    AgencyKind,
    Appointment,
    AuditEvent,
    CalendarDay,
    DeadlinePolicy,
    HolidayYear,
    Membership,
    Notification,
    Role,
    User,
)
from .people import membership_end, membership_set


class AgencyScopedAdmin(admin.ModelAdmin):
    """Rows of other agencies are invisible to an agency admin. `agency_path` names the field.

    Django answers the change, history, delete and password pages of a row outside
    get_queryset with "not found", so scoping the queryset scopes every page."""

    agency_path = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        agency = getattr(request.user, "agency", None)
        if agency is None:
            return queryset.none()
        return queryset.filter(**{self.agency_path: agency})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # An agency admin writes rows of their own agency only (e.g. no appointment made in
        # another agency's name).
        if db_field.name == self.agency_path and not request.user.is_superuser:
            agency = getattr(request.user, "agency", None)
            kwargs["queryset"] = Agency.objects.filter(id__in=[agency.pk] if agency else [])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "case_number_format"]
    readonly_fields = ["code", "kind", "group"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInlineForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Membership
        fields = ["agency", "roles", "title", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field: Any = self.fields["agency"]
        agency_field.queryset = Agency.objects.filter(kind=AgencyKind.MEMBER)


class MembershipInline(admin.StackedInline):
    """Saved through the membership services (UserAdmin.save_formset), so that the agency's
    group, which carries what the person sees, follows the membership."""

    model = Membership
    form = MembershipInlineForm
    can_delete = False
    fields = ["agency", "roles", "title", "active"]


@admin.register(User)
class UserAdmin(AgencyScopedAdmin, BaseUserAdmin):
    agency_path = "membership__agency"
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "email", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Portal", {"fields": ["full_name", "phone"]}),
    )
    # Who administers, and with which permissions and groups (a group is an agency's
    # visibility), is the superuser's decision: an agency admin could otherwise make themselves
    # superuser or join another agency's group.
    superuser_only_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        # A superuser's account (password included) is not an agency admin's to change.
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None or request.user.is_superuser:
            return readonly
        return readonly + self.superuser_only_fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        admin_user: User = request.user  # type: ignore[assignment]
        if not change and not admin_user.is_superuser and admin_user.agency is not None:
            # Added by an agency admin: a member of their agency (roles come later), so that
            # the account does not vanish from their own list the moment it is saved.
            membership_set(actor=admin_user, user=obj, agency=admin_user.agency, roles=[])

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Saving the row itself would leave the person in the old agency's group (still seeing
        # its cases) or out of the new one's.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            data = inline.cleaned_data
            if not data or not inline.has_changed():
                continue
            user = form.instance
            if data["active"]:
                membership = membership_set(
                    actor=None, user=user, agency=data["agency"], roles=list(data["roles"])
                )
                if membership.title != data["title"]:
                    membership.title = data["title"]
                    membership.save(update_fields=["title"])
                formset.changed_objects.append((membership, inline.changed_data))
            elif Membership.objects.filter(user=user, active=True).exists():
                membership_end(actor=None, user=user)


class ReadOnlyAdmin(AgencyScopedAdmin):
    """Seen here, changed only through the portal's services (or never)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    """Read-only: appointments are made and ended on the portal's appointments page, through
    portal.core.people's services (the appointing agency's admin, the rules, the audit row, the
    cases taken back when one ends), which a save here would bypass."""

    agency_path = "appointing_agency"
    list_display = ["user", "appointing_agency", "kind", "valid_from", "valid_until", "ended_at"]
    list_filter = ["kind", "appointing_agency"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor",
        "agency",
        "action",
        "object_repr",
        "status_before",
        "status_after",
    ]
    list_filter = ["action"]
    search_fields = ["object_repr", "note", "request_id"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "days", "unit", "legal_basis", "escalate_after_days"]
    readonly_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Entering a year's holidays and make-up days recomputes the provisional deadlines."""

    inlines = [CalendarDayInline]
    list_display = ["year", "notice", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: Any, change: bool) -> None:
        obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        year = form.instance.year
        transaction.on_commit(lambda: deadlines_recompute(year=year))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(recipient=request.user)
