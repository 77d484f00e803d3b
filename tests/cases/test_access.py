import pytest
from django.http import Http404

from portal.cases.permissions import access_case

pytestmark = pytest.mark.django_db


def test_owning_agency_staff_can_load_their_case(arbitration_case, arbitration_mediator):
    assert access_case(arbitration_mediator, arbitration_case.pk) == arbitration_case


@pytest.mark.parametrize(
    "actor", ["bureau_inspector", "procuratorate_liaison", "outsider", "bureau_leader"]
)
def test_another_agencys_case_is_not_found(request, arbitration_case, actor):
    with pytest.raises(Http404):
        access_case(request.getfixturevalue(actor), arbitration_case.pk)


def test_a_missing_case_is_the_same_404(arbitration_mediator):
    with pytest.raises(Http404):
        access_case(arbitration_mediator, 999999)


def test_a_superuser_gets_no_shortcut_in_the_portal(arbitration_case, outsider):
    outsider.is_superuser = True
    outsider.save()
    with pytest.raises(Http404):
        access_case(outsider, arbitration_case.pk)


def test_another_agencys_case_page_answers_404(client, arbitration_case, bureau_inspector):
    client.force_login(bureau_inspector)
    assert client.get(f"/cases/{arbitration_case.pk}/").status_code == 404
