"""The public pages (no login): filing, saved drafts, receipt, status, and the parties'
confirmation of a mediation agreement."""

from django.urls import path

from .views import confirmation, filing, status

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

# The parties' confirmation of a mediation agreement keeps the address it has always had,
# /mediation/confirm/ (config/urls.py mounts it): the employer's one-time links handed out
# before stay valid.
confirmation_urlpatterns = (
    [
        path("claimant/", confirmation.claimant_confirm, name="claimant"),
        path(
            "claimant/agreement/",
            confirmation.claimant_agreement_pdf,
            name="claimant-agreement",
        ),
        path("<str:token>/", confirmation.employer_confirm, name="employer"),
        path(
            "<str:token>/agreement/",
            confirmation.employer_agreement_pdf,
            name="employer-agreement",
        ),
    ],
    "confirmation",
)
