"""The Django admin: superusers see everything; an agency admin (is_staff) sees only their own
agency's people and data, and the shared calendar and deadline policies."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from .deadlines import deadlines_recompute
from .models import (
    Agency,
    Appointment,
    AuditEvent,
    CalendarDay,
    DeadlinePolicy,
    HolidayYear,
    Membership,
    Notification,
    User,
)


class AgencyScopedAdmin(admin.ModelAdmin):
    """Rows of other agencies are invisible to an agency admin. `agency_path` names the field."""

    agency_path = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        agency = getattr(request.user, "agency", None)
        if agency is None:
            return queryset.none()
        return queryset.filter(**{self.agency_path: agency})


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "case_number_format"]
    readonly_fields = ["code", "kind", "group"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.StackedInline):
    model = Membership
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


@admin.register(Appointment)
class AppointmentAdmin(AgencyScopedAdmin):
    agency_path = "appointing_agency"
    list_display = ["user", "appointing_agency", "kind", "valid_from", "valid_until", "ended_at"]
    list_filter = ["kind", "appointing_agency"]


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedAdmin):
    list_display = ["created_at", "actor", "agency", "action", "object_repr", "status_before", "status_after"]
    list_filter = ["action"]
    search_fields = ["object_repr", "note", "request_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
