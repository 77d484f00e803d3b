from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "portal.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from portal.core.deadlines import HAND_SET_POLICIES

        from . import pdf  # noqa: F401  (registers the minutes document kind)
        from .models import ACTION_ITEM_POLICY

        # An action item's due date is chosen in the minutes: never recompute it from days.
        HAND_SET_POLICIES.add(ACTION_ITEM_POLICY)
        from portal.cases.related import related_register

        from .related import meetings_section

        related_register("meetings", meetings_section, order=30)
