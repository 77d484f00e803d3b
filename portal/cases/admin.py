from django.contrib import admin

from portal.core.admin import AgencyScopedAdmin

from .models import Case, Claim, Claimant


class ClaimantInline(admin.TabularInline):
    model = Claimant
    extra = 0
    fields = ["name", "is_representative"]
    readonly_fields = ["name", "is_representative"]
    can_delete = False


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(AgencyScopedAdmin):
    """Read-mostly: cases change through the portal's services, not here."""

    list_display = ["number", "agency", "status", "channel", "employer", "filed_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number", "employer__name"]
    readonly_fields = [
        "number",
        "agency",
        "status",
        "channel",
        "employer",
        "created_by",
        "is_collective",
    ]
    # Intake state changes through portal.cases.services.intake; the claimant's secret hash is nobody's.
    readonly_fields += [
        "tracking_number",
        "mediation_consent",
        "duplicate_of",
        "material_requested",
        "decided_at",
        "refusal_reason",
    ]
    exclude = ["claimant_secret_hash"]
    inlines = [ClaimantInline, ClaimInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
