from django.urls import path

from . import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_queue, name="queue"),
    path("new/", views.clue_create, name="create"),
    path("import/", views.clue_import, name="import"),
    path("<int:pk>/", views.clue_detail, name="detail"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.clue_attachment_download,
        name="attachment-download",
    ),
    # one POST URL per move
    path("<int:pk>/assign/", views.clue_assign, name="assign"),
    path("<int:pk>/contact/", views.clue_contact, name="contact"),
    path("<int:pk>/check/", views.clue_check, name="check"),
    path("<int:pk>/close/", views.clue_close, name="close"),
    path("<int:pk>/reopen/", views.clue_reopen, name="reopen"),
    path("<int:pk>/supervise/", views.clue_supervise, name="supervise"),
    path("<int:pk>/refer/", views.clue_refer, name="refer"),
    path("<int:pk>/link-duplicate/", views.clue_link_duplicate, name="link-duplicate"),
]
