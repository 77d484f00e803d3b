from django.urls import path

from . import appointments, views

# config/urls.py mounts these with the work list (portal.home) in the `core` namespace.
app_name = "core"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications-read"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("appointments/", appointments.appointments, name="appointments"),
    path("appointments/new/", appointments.appointment_new, name="appointment-new"),
    path("appointments/end/", appointments.appointment_stop, name="appointment-end"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:user_pk>/unlock/", views.lockout_unlock, name="lockout-unlock"),
]
