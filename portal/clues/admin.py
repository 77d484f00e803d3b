"""The clues' reference data in the admin: the conclusions (核处结论) and the squads with their
streets and inspectors."""

from __future__ import annotations

from django.contrib import admin

from .models import Conclusion, Squad


@admin.register(Conclusion)
class ConclusionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "records_payment", "active", "sort_order"]
    list_editable = ["active", "sort_order"]


@admin.register(Squad)
class SquadAdmin(admin.ModelAdmin):
    list_display = ["name", "streets", "sort_order"]
    filter_horizontal = ["members"]
