"""Security baseline (architecture.md §5): strict CSP with a nonce, framing denied, back office
behind login, public pages opted out explicitly."""

import re

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory

PUBLIC_PAGES = ["core:home", "core:accessibility", "core:legal_notice", "core:personal_data"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_sends_a_strict_csp_whose_nonce_signs_every_script(client, name):
    """The CSP allows scripts only from self or with this response's nonce, and every script tag
    of the page carries that nonce; no 'unsafe-inline' anywhere."""
    response = client.get(reverse(name))
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts, "the DSFR scripts should be on the page"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce(client):
    """Two responses never share a nonce (a reused nonce would be a bypass)."""
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


@pytest.mark.django_db
def test_pages_cannot_be_framed(client):
    """Framing is denied both by X-Frame-Options and by CSP frame-ancestors."""
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/espace-agent/", "/espace-agent/agents/", "/espace-agent/mon-identification/"]
)
def test_back_office_requires_login(client, path):
    """Back-office pages redirect an anonymous visitor to the login page, keeping the target."""
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/connexion/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("flags", "allowed"),
    [({}, False), ({"is_staff": True}, False), ({"is_staff": True, "is_superuser": True}, True)],
    ids=["agent", "staff", "superuser"],
)
def test_django_admin_is_for_superusers_only(client, flags, allowed):
    """The technical admin is not filtered by structure subtree, so only superusers may open it;
    a staff flag alone is not enough."""
    client.force_login(UserFactory(**flags))
    response = client.get("/gestion/")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/gestion/login/" in response.headers["Location"]


@pytest.mark.django_db
def test_api_refuses_anonymous_callers_in_french(client):
    """The API answers an anonymous caller with a 4xx JSON error in French, not a redirect."""
    response = client.get("/api/v1/agents/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"].startswith("Authentification requise")


@pytest.mark.django_db
def test_logout_is_post_only(client):
    """Logging out takes a POST (with CSRF), so a link or image cannot sign an agent out: a GET
    only shows the confirmation page and the session stays open."""
    client.force_login(UserFactory())
    confirmation = client.get("/deconnexion/")
    assert confirmation.status_code == 200
    assert "Me déconnecter" in confirmation.content.decode()
    assert client.get("/espace-agent/").status_code == 200
    response = client.post("/deconnexion/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
