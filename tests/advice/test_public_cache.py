"""Cache of the catalogue's public responses (bonnefoi.core.page_cache): anonymous readers get
the stored bytes, with their own CSP nonce and CSRF token; any change to what the public reads
is visible on the next request; logged-in agents and readers with a message never share it."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Feedback, LegalReferenceVersion
from bonnefoi.advice.services import legal_reference_version_register
from bonnefoi.core import page_cache
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import (
    EntryFactory,
    LegalReferenceFactory,
    ProcedureFactory,
    publish_entry,
)
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def entry():
    owner = StructureFactory(name="Caisse d'allocations familiales", sp_code="CAF-30")
    return publish_entry(
        EntryFactory(owners=[owner], title="J'oublie de signaler mon déménagement"),
        procedures=[ProcedureFactory(slug="changement-adresse")],
    )


def entry_url(entry):
    return reverse("advice:entry", args=[entry.slug])


def test_second_anonymous_read_of_an_entry_page_runs_no_query(entry, django_assert_num_queries):
    """Once an entry page has been rendered, the next anonymous reader gets the same page
    without a single database query."""
    first = Client().get(entry_url(entry))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = Client().get(entry_url(entry))
    assert second.status_code == 200
    strip = lambda html: CSRF.sub("", NONCE.sub("", html))  # noqa: E731
    assert strip(second.content.decode()) == strip(first.content.decode())


def test_each_reader_gets_their_own_nonce_matching_the_policy(entry):
    """A stored page never replays another reader's CSP nonce: the nonce in the page is new and
    is the one the Content-Security-Policy header allows."""
    pages = [Client().get(entry_url(entry)) for _ in range(2)]
    nonces = []
    for response in pages:
        found = set(NONCE.findall(response.content.decode()))
        assert len(found) == 1
        nonce = found.pop()
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_feedback_form_of_a_stored_page_works(entry):
    """The usefulness form of a page served from the cache works: it needs no per-reader
    token (same-origin check instead), and the vote is recorded."""
    Client().get(entry_url(entry))  # stores the page
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(entry_url(entry))
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert "csrftoken" not in page.cookies  # no cookie for an anonymous reader
    response = reader.post(
        reverse("advice:feedback", args=[entry.slug]),
        {"useful": "yes", "version": "1"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302
    assert Feedback.objects.filter(entry=entry, useful=True).count() == 1


def test_a_stored_page_with_a_csrf_form_gets_the_readers_own_token(rf):
    """For cached pages that do carry a CSRF form, the stored token is replaced by the
    reader's own (and the CSRF cookie is set), never replayed."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    @page_cache.cache_public_page("test-csrf")
    def view(request):
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    tokens = []
    for _ in range(2):
        request = rf.get("/formulaire/")
        request.csp_nonce = "nonce"
        response = view(request)
        tokens.append(CSRF.search(response.content.decode()).group(1))
        assert request.META["CSRF_COOKIE"]
    assert tokens[0] != tokens[1]
    assert "\ue010" not in tokens[1]


def test_new_published_version_is_shown_on_the_next_request(entry):
    """Publishing a new version changes the page, the widget and the API at once."""
    client = Client()
    widget = reverse("advice:widget") + "?procedure=changement-adresse"
    api = reverse("advice-entry-detail", args=[entry.slug])
    for url in (entry_url(entry), widget, api):
        assert "déménagement" in client.get(url).content.decode()

    entry.title = "J'oublie de signaler ma nouvelle adresse"
    entry.save()
    publish_entry(entry, note="Titre plus clair.", kind="minor")

    for url in (entry_url(entry), widget, api):
        assert "ma nouvelle adresse" in client.get(url).content.decode(), url


def test_rule_change_notice_appears_on_a_cached_page(django_capture_on_commit_callbacks):
    """« Mis à jour dès que les règles changent » through the cache: a page read before a new
    version of its legal text shows the review notice right after it is registered."""
    owner = StructureFactory()
    MembershipFactory(role=Role.EDITOR, structure=owner)
    reference = LegalReferenceFactory()
    LegalReferenceVersion.objects.create(reference=reference, version_date=date(2020, 1, 1))
    citing = publish_entry(EntryFactory(owners=[owner], legal_references=[reference]))
    client = Client()
    assert "en cours de relecture" not in client.get(entry_url(citing)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        legal_reference_version_register(reference=reference, version_date=date(2026, 1, 1))

    assert "en cours de relecture" in client.get(entry_url(citing)).content.decode()
    assert len(mail.outbox) == 1


def test_logged_in_agent_never_gets_the_anonymous_page(entry, client):
    """An agent's page has their own header (link to the back office): it is neither served
    from nor stored in the public cache."""
    Client().get(entry_url(entry))  # anonymous copy stored
    agent = MembershipFactory(role=Role.AGENT).user
    client.force_login(agent)
    assert "Mon identification" in client.get(entry_url(entry)).content.decode()
    assert "Mon identification" not in Client().get(entry_url(entry)).content.decode()


def test_reader_with_a_pending_message_is_not_served_from_the_cache(
    entry, django_assert_max_num_queries
):
    """A reader carrying a message cookie (a confirmation after a form) gets a page rendered
    for them, where their message can be shown, not the shared copy."""
    Client().get(entry_url(entry))
    request = HttpRequest()
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Votre avis a bien été reçu.")
    response = HttpResponse()
    storage.update(response)
    reader = Client()
    reader.cookies["messages"] = response.cookies["messages"].value
    with django_assert_max_num_queries(20) as captured:
        assert reader.get(entry_url(entry)).status_code == 200
    assert len(captured) > 0


def test_api_answers_from_the_cache_but_is_still_throttled(entry, settings):
    """A stored API answer costs no query, and the per-address limit still counts every call."""
    settings.ADVICE_API_THROTTLE_RATE = "3/minute"
    client = Client()
    url = reverse("advice-entry-list") + "?procedure=changement-adresse"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "*"
    second = client.get(url)
    assert second.content == first.content
    assert second["Content-Type"] == "application/json"
    client.get(url)
    assert client.get(url).status_code == 429


def test_cache_can_be_switched_off(entry, settings, django_assert_max_num_queries):
    """PUBLIC_CACHE_SECONDS = 0: every page is rendered from the database."""
    settings.PUBLIC_CACHE_SECONDS = 0
    Client().get(entry_url(entry))
    with django_assert_max_num_queries(20) as captured:
        Client().get(entry_url(entry))
    assert len(captured) > 0


def test_stored_pages_are_keyed_by_day(rf, monkeypatch):
    """The key changes at midnight: "past its review date" notices appear on the right day."""
    request = rf.get("/conseils/erreur/x/")
    today = timezone.localdate()
    key_today = page_cache.response_key("advice", request)
    monkeypatch.setattr(timezone, "localdate", lambda: today + timedelta(days=1))
    assert page_cache.response_key("advice", request) != key_today


def test_errors_are_not_stored(entry, django_assert_max_num_queries):
    """A 404 is answered afresh every time (a page published later must appear)."""
    client = Client()
    assert client.get(reverse("advice:entry", args=["pas-encore"])).status_code == 404
    with django_assert_max_num_queries(20) as captured:
        assert client.get(reverse("advice:entry", args=["pas-encore"])).status_code == 404
    assert len(captured) > 0
