"""The public pages (no login): filing, saved drafts, receipt, status."""

from django.urls import path

from .views import filing, status

app_name = "kiosk"

urlpatterns = [
    path("", filing.start, name="start"),
    path("terminal/", filing.terminal, name="terminal"),
    path("filing/new/", filing.new, name="new"),
    path("filing/<str:token>/saved/", filing.saved, name="saved"),
    path("filing/<str:token>/<slug:step>/", filing.step, name="step"),
    path("resume/", filing.resume, name="resume"),
    path("receipt/", filing.receipt, name="receipt"),
    path("receipt/receipt.pdf", filing.receipt_download, name="receipt-pdf"),
    path("discard/", filing.discard, name="discard"),
    path("status/", status.status, name="status"),
    path("status/material/", status.status_material, name="status-material"),
    path("status/documents/<int:pk>/", status.status_document, name="status-document"),
]
