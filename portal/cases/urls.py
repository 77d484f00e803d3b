from django.urls import path

from . import arbitration_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/reveal/", views.case_reveal, name="reveal"),
    path("<int:pk>/evidence/", views.case_evidence_add, name="evidence-add"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/",
        views.case_evidence_download,
        name="evidence-download",
    ),
    path("<int:pk>/summary/", views.case_summary_request, name="summary-request"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path(
        "<int:pk>/arbitration/<slug:move>/",
        arbitration_views.arbitration_move,
        name="arbitration-move",
    ),
    path("<int:pk>/co-handling/", views.case_co_handling_start, name="co-handling-start"),
    path("<int:pk>/co-handling/end/", views.case_co_handling_end, name="co-handling-end"),
]
