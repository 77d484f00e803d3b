from django.contrib import admin

from .models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """Rooms are shared by the three agencies; meetings themselves are kept in the portal,
    where their moves are audited."""

    list_display = ["name", "capacity", "location", "active"]
    list_filter = ["active"]
    search_fields = ["name", "location"]
