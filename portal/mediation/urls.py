from django.urls import path

from . import views

app_name = "mediation"

# A mediation is reached through its case: who sees the case sees its mediation.
urlpatterns = [
    path("", views.mediation_list, name="list"),
    path("case/<int:pk>/", views.mediation_case, name="case"),
    # one POST URL per move
    path("case/<int:pk>/open/", views.mediation_open, name="open"),
    path("case/<int:pk>/assign/", views.mediation_assign, name="assign"),
    path("case/<int:pk>/conflict/", views.mediation_conflict_declare, name="conflict"),
    path("case/<int:pk>/sessions/", views.mediation_session_schedule, name="session-schedule"),
    path("case/<int:pk>/sessions/record/", views.mediation_session_record, name="session-record"),
    path("case/<int:pk>/extend/", views.mediation_term_extend, name="extend"),
    path("case/<int:pk>/agreement/", views.agreement_draft, name="agreement-draft"),
    path("case/<int:pk>/agree/", views.mediation_agree, name="agree"),
    path("case/<int:pk>/fail/", views.mediation_fail, name="fail"),
    path("case/<int:pk>/employer-link/", views.employer_link_issue, name="employer-link"),
    path("case/<int:pk>/confirm/", views.arbitration_confirm, name="arbitration-confirm"),
    path("case/<int:pk>/court/apply/", views.court_apply, name="court-apply"),
    path("case/<int:pk>/court/decision/", views.court_decision, name="court-decision"),
    path("case/<int:pk>/payments/", views.instalment_payment, name="payment"),
    path(
        "case/<int:pk>/payments/<int:instalment_pk>/evidence/",
        views.instalment_evidence_download,
        name="payment-evidence",
    ),
    path("case/<int:pk>/enforcement/", views.enforcement_record, name="enforcement"),
    # the parties' public pages (/mediation/confirm/...) are the kiosk's: portal.kiosk.urls
]
