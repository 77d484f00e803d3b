from django.urls import path

from . import views

# Mounted by config/urls.py inside the `core` namespace: the work list keeps its name
# `core:home` (templates, LOGIN_REDIRECT_URL, the flows' redirects).
urlpatterns = [
    path("", views.home, name="home"),
]
