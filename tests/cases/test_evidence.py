import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.cases.models import Evidence
from portal.core.models import AuditEvent
from tests.helpers import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

BAD_TYPE_ZH = "只能上传 PDF 文件或 JPEG、PNG 照片。"


def storage_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def stored_files() -> list[Path]:
    root = storage_root()
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def post_evidence(client, case, name: str, data: bytes, description: str = "工资条"):
    return client.post(
        reverse("cases:evidence-add", args=[case.pk]),
        {"file": SimpleUploadedFile(name, data), "description": description},
    )


@pytest.mark.parametrize(
    ("name", "build", "content_type"),
    [
        ("工资条.png", png_bytes, "image/png"),
        ("考勤.jpg", jpeg_bytes, "image/jpeg"),
        ("劳动合同.pdf", pdf_bytes, "application/pdf"),
    ],
)
def test_working_staff_can_add_evidence(
    client, arbitration_case, arbitration_mediator, name, build, content_type
):
    data = build()
    client.force_login(arbitration_mediator)
    response = post_evidence(client, arbitration_case, name, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[arbitration_case.pk])
    evidence = Evidence.objects.get(case=arbitration_case)
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        name,
        content_type,
        len(data),
    )
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.uploaded_by == arbitration_mediator
    assert evidence.description == "工资条"
    assert AuditEvent.objects.filter(
        action="case.evidence_add", object_id=str(arbitration_case.pk), note=name
    ).exists()


def test_evidence_is_stored_in_private_storage_with_no_public_url(
    client, arbitration_case, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    post_evidence(client, arbitration_case, "photo.png", png_bytes())
    evidence = Evidence.objects.get(case=arbitration_case)
    path = Path(evidence.file.path).resolve()
    assert path.is_relative_to(storage_root().resolve())
    assert not path.is_relative_to((Path(settings.BASE_DIR) / "static").resolve())
    assert path.read_bytes() == png_bytes()
    # No route serves the storage folder, whatever prefix one guesses.
    for guess in (f"/media/{evidence.file.name}", f"/{evidence.file.name}"):
        assert client.get(guess).status_code == 404


def test_another_agency_cannot_add_evidence(client, arbitration_case, bureau_inspector):
    client.force_login(bureau_inspector)
    response = post_evidence(client, arbitration_case, "photo.png", png_bytes())
    assert response.status_code == 404
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_a_read_only_leader_cannot_add_evidence(client, bureau_case, bureau_leader):
    client.force_login(bureau_leader)
    response = post_evidence(client, bureau_case, "photo.png", png_bytes())
    # The page again, which offers a leader no form: the refusal is told as a message.
    assert response.status_code == 200
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Evidence.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("合同.pdf", "这不是 PDF 文件".encode()),
    ],
)
def test_a_refused_file_shows_the_error_on_the_form_and_saves_nothing(
    client, arbitration_case, arbitration_mediator, name, data
):
    client.force_login(arbitration_mediator)
    response = post_evidence(client, arbitration_case, name, data)
    assert response.status_code == 200
    assert response.context["evidence_form"].errors["file"] == [BAD_TYPE_ZH]
    assert BAD_TYPE_ZH in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_an_oversize_file_shows_the_limit_on_the_form(
    client, settings, arbitration_case, arbitration_mediator
):
    settings.PORTAL_UPLOAD_MAX_BYTES = 100
    client.force_login(arbitration_mediator)
    response = post_evidence(client, arbitration_case, "big.png", png_bytes((400, 400)))
    assert response.status_code == 200
    [error] = response.context["evidence_form"].errors["file"]
    assert error.startswith("文件过大")
    assert not Evidence.objects.exists()
    assert stored_files() == []


@pytest.fixture
def evidence(client, arbitration_case, arbitration_mediator):
    client.force_login(arbitration_mediator)
    # Accepted for its content; the name the uploader chose must not decide the download type.
    post_evidence(client, arbitration_case, "微信截图.html", png_bytes())
    client.logout()
    return Evidence.objects.get(case=arbitration_case)


def test_case_staff_download_evidence_as_an_attachment(client, evidence, arbitrator):
    client.force_login(arbitrator)
    response = client.get(reverse("cases:evidence-download", args=[evidence.case_id, evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert ".png" in disposition
    assert ".html" not in disposition
    assert b"".join(response.streaming_content) == png_bytes()


@pytest.mark.parametrize("actor", ["bureau_inspector", "procuratorate_liaison", "outsider"])
def test_another_agency_cannot_download_evidence(request, client, evidence, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("cases:evidence-download", args=[evidence.case_id, evidence.pk]))
    assert response.status_code == 404


def test_evidence_cannot_be_fetched_through_another_visible_case(client, evidence, arbitrator):
    from tests.factories import make_case

    other_case = make_case(agency_code="arbitration", actor=arbitrator)
    client.force_login(arbitrator)
    response = client.get(reverse("cases:evidence-download", args=[other_case.pk, evidence.pk]))
    assert response.status_code == 404
