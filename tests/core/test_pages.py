"""The public shell: pages render in French with the DSFR layout, errors use DSFR pages."""

import pytest
from django.test import override_settings
from django.urls import reverse

from bonnefoi.core import views


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("core:home", "L'article L123-1 du code des relations entre le public et l'administration"),
        ("core:accessibility", "non conforme"),
        ("core:legal_notice", "Directeur de la publication"),
        ("core:personal_data", "Journal d'audit"),
        ("core:sitemap", "Plan du site"),
    ],
)
def test_public_pages_render_with_dsfr_layout(client, name, expected):
    """Each public page answers 200 in French, with header, skiplinks and footer links."""
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert expected in html
    assert 'class="fr-skiplinks"' in html
    assert 'class="fr-header"' in html
    for footer_link in ("/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"):
        assert f'href="{footer_link}"' in html


@pytest.mark.django_db
def test_unknown_page_gets_the_dsfr_404(client):
    """An unknown address answers 404 with the DSFR error page in French."""
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


@pytest.mark.django_db
@override_settings(AUDIT_LOG_RETENTION_DAYS=90)
def test_personal_data_page_states_the_configured_retention(client):
    """The personal-data page reads the retention period from the configuration, not a copy."""
    assert "90 jours" in client.get(reverse("core:personal_data")).content.decode()


def test_server_error_page_is_dsfr_and_french_without_touching_the_database(rf):
    """The 500 handler renders the DSFR error page with a 500 status and makes no database
    query (no django_db mark: any query would fail this test)."""
    request = rf.get("/")
    request.csp_nonce = "test"
    response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur inattendue" in html
    assert 'class="fr-header"' in html


def test_a_refused_form_gets_a_french_page(db):
    """A form posted without its CSRF token (expired page, cookies blocked) answers 403 with
    a DSFR page in French that says what to do, not Django's English page."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/connexion/", {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulaire expiré ou envoyé depuis un autre site" in html
    assert "rechargez-la" in html
    assert "CSRF verification failed" not in html
