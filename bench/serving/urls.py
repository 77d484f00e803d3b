"""The hello view beside the portal's own URLs; the portal's URLconf stays untouched."""

from django.urls import include, path

from .views import hello

urlpatterns = [
    path("hello/", hello),
    path("", include("config.urls")),
]
