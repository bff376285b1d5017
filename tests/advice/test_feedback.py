"""« Ce conseil vous a-t-il été utile ? »: recorded without personal data, works without
JavaScript, rate-limited per client, clear French errors."""

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from bonnefoi.advice import feedback as feedback_module
from bonnefoi.advice.feedback import feedback_record
from bonnefoi.advice.models import EntryStatus, Feedback, FeedbackReason
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.77"


def publish(entry, note="Première publication."):
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=None, change_kind="major", change_note=note)
    entry.refresh_from_db()
    return entry


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def entry():
    return publish(EntryFactory(title="J'oublie de signaler mon déménagement"))


def feedback_url(entry):
    return reverse("advice:feedback", args=[entry.slug])


def post(client, entry, data, ip=CLIENT_IP):
    return client.post(feedback_url(entry), data, REMOTE_ADDR=ip)


def test_an_answer_is_recorded_with_the_version_read(client, entry):
    """A "Non" with a reason is stored with the version number the reader saw, then the reader
    is sent back to the entry page with a thanks flag (post/redirect/get)."""
    publish(entry, note="Deuxième version.")
    response = post(client, entry, {"useful": "no", "reason": "outdated", "version": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("advice:entry", args=[entry.slug]) + "?avis=merci#avis"
    stored = Feedback.objects.get()
    assert (stored.entry, stored.useful, stored.reason, stored.version_number) == (
        entry,
        False,
        FeedbackReason.OUTDATED,
        1,
    )


def test_a_yes_keeps_no_reason(client, entry):
    """A reason only explains a "Non": one left ticked with "Oui" is not kept."""
    response = post(client, entry, {"useful": "yes", "reason": "unclear", "version": "1"})
    assert response.status_code == 302
    stored = Feedback.objects.get()
    assert stored.useful is True
    assert stored.reason == ""


def test_no_personal_data_is_stored(client, entry):
    """Feedback rows hold no free text, address or user; the rate-limit counter is keyed on a
    keyed hash, so the client's address appears nowhere, neither in the database nor the cache."""
    post(client, entry, {"useful": "no", "reason": "unclear", "version": "1"})
    fields = {field.name for field in Feedback._meta.concrete_fields}
    assert fields == {"id", "entry", "version_number", "useful", "reason", "created_on"}
    row = Feedback.objects.values().get()
    assert CLIENT_IP not in str(row)
    keys = list(cache._cache.keys())  # LocMemCache, the test default
    assert keys, "the rate-limit counter should be in the cache"
    assert all(CLIENT_IP not in key for key in keys)


def test_the_form_works_without_javascript(entry):
    """A browser without JavaScript: the entry page carries a plain form; an anonymous visitor
    posts it from the same site (no login, no session, no CSRF cookie needed) and sees the
    thanks message instead of the form."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("advice:entry", args=[entry.slug])).content.decode()
    assert "Ce conseil vous a-t-il été utile ?" in unescape(page)
    assert f'action="{feedback_url(entry)}"' in page
    assert "csrfmiddlewaretoken" not in page
    response = browser.post(
        feedback_url(entry),
        {"useful": "yes", "version": "1"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        follow=True,
    )
    assert response.redirect_chain[-1][1] == 302
    html = unescape(response.content.decode())
    assert "Merci pour votre avis" in html
    assert "Envoyer mon avis" not in html
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://autre-site.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://sous.testserver"},
        {"Origin": "https://autre-site.example"},
        {"Origin": "null"},
    ],
)
def test_a_post_from_another_site_is_refused(entry, headers):
    """The public form is protected against cross-site posts by what the browser says of the
    request's origin (Fetch Metadata, then Origin): 403 in French, nothing recorded."""
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(feedback_url(entry), {"useful": "no", "version": "1"}, headers=headers)
    assert response.status_code == 403
    assert "envoyé depuis un autre site" in unescape(response.content.decode())
    assert not Feedback.objects.exists()


def test_a_post_without_browser_headers_is_accepted(entry):
    """No Fetch Metadata and no Origin: not a browser-driven cross-site request (a page cannot
    remove them), so the vote counts like any other."""
    response = Client(enforce_csrf_checks=True).post(
        feedback_url(entry), {"useful": "yes", "version": "1"}
    )
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


def test_the_entry_page_offers_every_reason(client, entry):
    """The form's reasons (written out in the include) are exactly FeedbackReason's choices."""
    html = unescape(client.get(reverse("advice:entry", args=[entry.slug])).content.decode())
    offered = re.findall(r'name="reason"\s+value="([^"]+)"', html)
    assert offered == FeedbackReason.values
    for label in FeedbackReason.labels:
        assert label in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": "1"}, "Choisissez « Oui » ou « Non »."),
        ({"useful": "peut-être", "version": "1"}, "Choisissez « Oui » ou « Non »."),
        (
            {"useful": "no", "reason": "mon texte libre", "version": "1"},
            "Choisissez une raison dans la liste proposée.",
        ),
        ({"useful": "no", "version": "abc"}, "La version du conseil lu est incorrecte"),
        ({"useful": "no"}, "La version du conseil lu manque"),
        ({"useful": "no", "version": "7"}, "Cette version du conseil n'existe pas."),
    ],
)
def test_bad_input_is_a_400_in_french_that_keeps_the_answer(client, entry, data, message):
    """Invalid input stores nothing and answers 400 with a French message, keeping the answer
    already ticked."""
    response = post(client, entry, data)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert message in html
    assert "Votre avis n'a pas été enregistré" in html
    if data.get("useful") == "no":
        assert re.search(r'value="no"\s+checked', html)
    assert not Feedback.objects.exists()


def test_too_many_answers_from_one_client_are_a_429(client, entry):
    """Five answers per client and entry per hour; the sixth gets a French 429 and is not
    stored. Another client, or another entry, is not affected."""
    for _ in range(feedback_module.RATE_LIMIT):
        assert post(client, entry, {"useful": "yes", "version": "1"}).status_code == 302
    response = post(client, entry, {"useful": "no", "reason": "other", "version": "1"})
    assert response.status_code == 429
    assert "plusieurs avis sur ce conseil depuis une heure" in unescape(response.content.decode())
    assert Feedback.objects.count() == feedback_module.RATE_LIMIT
    assert (
        post(client, entry, {"useful": "yes", "version": "1"}, ip="198.51.100.1").status_code == 302
    )
    other = publish(EntryFactory())
    assert post(client, other, {"useful": "yes", "version": "1"}).status_code == 302


def test_the_rate_limit_window_expires(client, entry, monkeypatch):
    """The counter lives in the cache with the window as its lifetime: once it is gone, the
    client may answer again."""
    monkeypatch.setattr(feedback_module, "RATE_LIMIT", 1)
    assert post(client, entry, {"useful": "yes", "version": "1"}).status_code == 302
    assert post(client, entry, {"useful": "yes", "version": "1"}).status_code == 429
    cache.clear()  # what the expiry does
    assert post(client, entry, {"useful": "yes", "version": "1"}).status_code == 302


def test_invalid_answers_do_not_use_up_the_limit(client, entry, monkeypatch):
    """Only recorded answers count: a reader who makes a mistake can still answer."""
    monkeypatch.setattr(feedback_module, "RATE_LIMIT", 1)
    assert post(client, entry, {"version": "1"}).status_code == 400
    assert post(client, entry, {"useful": "yes", "version": "1"}).status_code == 302


def test_unpublished_entries_take_no_feedback(client):
    """A draft has no public page, hence no feedback form: 404."""
    draft = EntryFactory()
    assert post(client, draft, {"useful": "yes", "version": "1"}).status_code == 404
    assert client.get(feedback_url(draft)).status_code == 404


def test_the_form_also_has_its_own_page(client, entry):
    """A GET on the form's address shows the form on its own page (links, bookmarks)."""
    response = client.get(feedback_url(entry))
    assert response.status_code == 200
    assert "Ce conseil vous a-t-il été utile ?" in unescape(response.content.decode())


def test_feedback_record_checks_its_input(entry):
    """The service refuses unknown reasons and versions, and defaults to the current version."""
    with pytest.raises(ValidationError):
        feedback_record(entry=entry, useful=False, reason="texte libre")
    with pytest.raises(ValidationError):
        feedback_record(entry=entry, useful=False, reason="", version_number=9)
    with pytest.raises(ValidationError):
        feedback_record(entry=EntryFactory(), useful=True, reason="")
    stored = feedback_record(entry=entry, useful=False, reason=FeedbackReason.UNCLEAR)
    assert stored.version_number == entry.current_version.number
