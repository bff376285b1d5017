"""Signing in to the back office with a professional e-mail address, and signing out."""

import html

import pytest
from django.urls import reverse

from bonnefoi.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
BACKOFFICE = reverse("structures:backoffice_home")


@pytest.fixture
def user():
    return UserFactory(email="camille.fabre@caf.test")


@pytest.mark.parametrize(
    "typed",
    ["camille.fabre@caf.test", "Camille.Fabre@CAF.test", "CAMILLE.FABRE@CAF.TEST"],
)
def test_login_by_email_in_any_case_opens_the_back_office(client, user, typed):
    """The e-mail is matched whatever its case; success leads to the back-office home."""
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == BACKOFFICE
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_follows_next_within_the_site(client, user):
    """After being sent to the login page, the agent lands on the page they asked for."""
    target = reverse("structures:agent_list")
    response = client.post(
        f"{LOGIN}?next={target}", {"username": user.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


def test_login_refuses_an_external_next(client, user):
    """A ``next`` pointing to another site is ignored (no open redirect)."""
    response = client.post(
        LOGIN, {"username": user.email, "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == BACKOFFICE


@pytest.mark.parametrize(
    ("typed", "password"),
    [
        ("camille.fabre@caf.test", "mauvais-mot-de-passe"),
        ("Camille.Fabre@CAF.test", "mauvais-mot-de-passe"),
        ("inconnu@caf.test", PASSWORD),
        ("camille.fabre@caf.test", PASSWORD.upper()),
    ],
)
def test_wrong_credentials_keep_the_typed_email_and_explain_in_french(
    client, user, typed, password
):
    """A failed login re-displays the form (200) with a French error and the e-mail as typed, so
    nothing has to be typed again except the password."""
    response = client.post(LOGIN, {"username": typed, "password": password})
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Adresse e-mail ou mot de passe incorrect." in text
    assert f'value="{typed}"' in text
    assert password not in text
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_sign_in(client):
    """A deactivated account is refused (the form does not reveal more than a failed login)."""
    UserFactory(email="ancien@caf.test", inactive=True)
    response = client.post(LOGIN, {"username": "ancien@caf.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "password": PASSWORD}, "Saisissez votre adresse e-mail professionnelle."),
        ({"username": "camille.fabre@caf.test", "password": ""}, "Saisissez votre mot de passe."),
    ],
)
def test_missing_fields_are_explained_in_french(client, user, data, message):
    """Empty fields get a French message telling what to type."""
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())


def test_signed_in_user_is_sent_from_login_to_the_back_office(client, user):
    """An agent already signed in who opens the login page goes straight to the back office."""
    client.force_login(user)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == BACKOFFICE


def test_logout_by_post_signs_out_and_goes_home(client, user):
    """Signing out (POST) ends the session and leads to the public home page."""
    client.force_login(user)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert "_auth_user_id" not in client.session
    assert client.get(BACKOFFICE).status_code == 302


def test_logout_by_get_is_refused(client, user):
    """A GET on the logout URL only asks for confirmation: it does not sign out (no logout by a
    mere link or image)."""
    client.force_login(user)
    assert client.get(LOGOUT).status_code == 200
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("email", ["", None])
def test_create_user_requires_an_email(email):
    """An account without e-mail cannot be created: the e-mail is the login."""
    with pytest.raises(ValueError, match="adresse e-mail est obligatoire"):
        User.objects.create_user(email=email, password=PASSWORD)
    assert not User.objects.exists()


def test_create_user_stores_the_email_in_lower_case():
    """E-mails are stored in lower case, so one address maps to one account."""
    user = User.objects.create_user(email="Camille.Fabre@CAF.Test", password=PASSWORD)
    assert user.email == "camille.fabre@caf.test"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.is_superuser


def test_create_superuser_gets_staff_and_superuser_flags():
    """A superuser can open the technical back office (/gestion/)."""
    user = User.objects.create_superuser(email="root@caf.test", password=PASSWORD)
    assert user.is_staff
    assert user.is_superuser


def test_admin_login_accepts_the_email_in_any_case(client):
    """The technical back office's own login form matches the e-mail whatever its case too."""
    UserFactory(email="root@caf.test", superuser=True)
    response = client.post(
        reverse("admin:login"),
        {"username": "Root@CAF.test", "password": PASSWORD, "next": "/gestion/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/gestion/"
