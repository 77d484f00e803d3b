"""Staff intake of the arbitration committee (login required, role checked in services)."""

from django.urls import path

from .views import intake

app_name = "intake"

urlpatterns = [
    path("", intake.queue, name="queue"),
    path("<int:pk>/", intake.detail, name="detail"),
    path("<int:pk>/accept/", intake.accept, name="accept"),
    path("<int:pk>/mediation/", intake.route_to_mediation, name="route-to-mediation"),
    path("<int:pk>/refuse/", intake.refuse, name="refuse"),
    path("<int:pk>/material/", intake.request_material, name="request-material"),
]
