from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.messaging_index, name="index"),
    path("search/", views.message_search, name="search"),
    path("unread/", views.unread_count, name="unread"),
    path("case/<int:pk>/", views.case_conversation, name="case"),
    # what every kind of conversation shares, keyed by the conversation and authorised by its
    # own access rule
    path(
        "conversation/<int:conversation_pk>/attach/",
        views.attachment_add,
        name="attachment-add",
    ),
    path(
        "conversation/<int:conversation_pk>/attachment/<int:message_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "conversation/<int:conversation_pk>/messages/",
        views.message_fragments,
        name="message-fragments",
    ),
    path("referral/<int:pk>/", views.referral_conversation, name="referral"),
    path("meeting/<int:pk>/", views.meeting_conversation, name="meeting"),
    path("direct/", views.direct_pick, name="direct-pick"),
    path("direct/<str:username>/", views.direct_conversation, name="direct"),
    path("message/<int:message_pk>/reply/", views.message_reply, name="message-reply"),
    path("message/<int:message_pk>/edit/", views.message_edit, name="message-edit"),
    path("message/<int:message_pk>/delete/", views.message_delete, name="message-delete"),
    path(
        "message/<int:message_pk>/acknowledge/",
        views.message_acknowledge,
        name="message-acknowledge",
    ),
    path("liaison/<str:codes>/", views.liaison_conversation, name="liaison"),
]
