from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("inbox/", views.referral_inbox, name="inbox"),
    path("outbox/", views.referral_outbox, name="outbox"),
    path("new/", views.referral_create, name="create"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/edit/", views.referral_edit, name="edit"),
    path("<int:pk>/attachments/", views.referral_attachment_add, name="attachment-add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.referral_attachment_download,
        name="attachment-download",
    ),
    path("<int:pk>/letter/", views.referral_letter_request, name="letter-request"),
    path("<int:pk>/reveal/", views.referral_reveal, name="reveal"),
    path(
        "<int:pk>/feedback-letter/",
        views.referral_feedback_letter_request,
        name="feedback-letter-request",
    ),
    # one POST URL per move
    path("<int:pk>/send/", views.referral_send, name="send"),
    path("<int:pk>/resend/", views.referral_resend, name="resend"),
    path("<int:pk>/withdraw/", views.referral_withdraw, name="withdraw"),
    path("<int:pk>/acknowledge/", views.referral_acknowledge, name="acknowledge"),
    path("<int:pk>/accept/", views.referral_accept, name="accept"),
    path("<int:pk>/return/", views.referral_return, name="return"),
    path(
        "<int:pk>/request-supplement/",
        views.referral_request_supplement,
        name="request-supplement",
    ),
    path("<int:pk>/feedback/", views.referral_give_feedback, name="give-feedback"),
    path("<int:pk>/request-more/", views.referral_request_more, name="request-more"),
    path("<int:pk>/close/", views.referral_close, name="close"),
    path("<int:pk>/reopen/", views.referral_reopen, name="reopen"),
    path("<int:pk>/record/", views.referral_record, name="record"),
    path("<int:pk>/record-outcome/", views.referral_record_outcome, name="record-outcome"),
]
