from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("calendar/", views.meeting_calendar, name="calendar"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/meeting.ics", views.meeting_ics_download, name="ics"),
    path("<int:pk>/poll/", views.meeting_poll, name="poll"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    # one POST URL per move
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/participants/", views.participant_add, name="participant-add"),
    path("<int:pk>/participants/remove/", views.participant_remove, name="participant-remove"),
    path("<int:pk>/guests/", views.guest_add, name="guest-add"),
    path("<int:pk>/guests/remove/", views.guest_remove, name="guest-remove"),
    path("<int:pk>/poll/slots/", views.slot_propose, name="slot-propose"),
    path("<int:pk>/poll/vote/", views.slot_vote, name="slot-vote"),
    path("<int:pk>/poll/fix/", views.meeting_fix_slot, name="fix-slot"),
    path("<int:pk>/rsvp/", views.participant_rsvp, name="rsvp"),
    path("<int:pk>/agenda/", views.agenda_item_add, name="agenda-add"),
    path("<int:pk>/agenda/<int:item_pk>/share/", views.case_share, name="case-share"),
    path("<int:pk>/minutes/approve/", views.minutes_approve, name="minutes-approve"),
    path(
        "<int:pk>/actions/<int:item_pk>/complete/",
        views.action_item_complete,
        name="action-item-complete",
    ),
]
