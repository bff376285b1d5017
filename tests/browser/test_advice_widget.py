"""The advice widget embedded in a plain third-party page (another origin), in Chromium."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory, LifeEventFactory, ProcedureFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)

THIRD_PARTY_PAGE = """<!DOCTYPE html>
<html lang="fr">
  <head><meta charset="utf-8"><title>Mairie de Saint-Exemple</title></head>
  <body>
    <main>
      <h1>Mairie de Saint-Exemple : le RSA</h1>
      <p id="avant">Texte de la mairie avant le widget.</p>
      <script src="{platform}/static/advice/widget.js" data-procedure="demande-rsa" async></script>
      <p id="apres">Texte de la mairie après le widget.</p>
    </main>
  </body>
</html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def third_party_site(tmp_path, live_server):
    """A plain HTML page on another origin (127.0.0.1, another port) embedding the widget."""
    (tmp_path / "index.html").write_text(
        THIRD_PARTY_PAGE.format(platform=live_server.url), encoding="utf-8"
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def rsa_entries():
    owner = StructureFactory(name="Caisse d'allocations familiales", sp_code="CAF30")
    procedure = ProcedureFactory(slug="demande-rsa", title="Demander le RSA")
    event = LifeEventFactory(slug="je-demenage", title="Je déménage")
    titles = []
    for n, title in enumerate(
        [
            "J'oublie de déclarer les revenus de mon conjoint",
            "Je signale mon déménagement trop tard",
            "J'oublie la déclaration trimestrielle",
        ]
    ):
        entry = EntryFactory(
            owners=[owner],
            life_events=[event],
            status=EntryStatus.IN_REVIEW,
            title=title,
            advice=f"Conseil numéro {n} :\n- faire la démarche en ligne\n- garder une preuve",
        )
        entry.procedures.set([procedure])
        entry_publish(entry=entry, user=None, change_kind="major", change_note="Publication.")
        titles.append(title)
    return titles


def test_widget_script_on_a_third_party_page(checked_page, third_party_site, rsa_entries):
    """The one-line script inserts an iframe right after itself, pointing to the platform's
    widget page; the entries show inside; the iframe takes its content's height from an
    origin-checked message; no cookie is set; a message from another origin is ignored."""
    page = checked_page.page
    page.goto(third_party_site)
    iframe = page.locator("iframe.bonnefoi-advice-widget")
    iframe.wait_for(state="attached")
    assert iframe.get_attribute("title") == "Conseils pour éviter les erreurs fréquentes"
    assert iframe.get_attribute("src").startswith(
        checked_page.base_url + "/conseils/widget/?procedure=demande-rsa"
    )
    assert (
        page.evaluate(
            "document.querySelector('iframe.bonnefoi-advice-widget').previousElementSibling.tagName"
        )
        == "SCRIPT"
    )
    assert (
        page.evaluate(
            "document.querySelector('iframe.bonnefoi-advice-widget').nextElementSibling.id"
        )
        == "apres"
    )

    frame = page.frame_locator("iframe.bonnefoi-advice-widget")
    for title in rsa_entries:
        frame.get_by_role("link", name=title).wait_for()
    link = frame.get_by_role("link", name=rsa_entries[0])
    assert link.get_attribute("target") == "_blank"

    # The height follows the content (the loader starts at 480px).
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe.bonnefoi-advice-widget');"
        " return f.style.height && f.style.height !== '480px'; }"
    )
    height = page.evaluate(
        "parseInt(document.querySelector('iframe.bonnefoi-advice-widget').style.height)"
    )
    content_height = page.frames[1].evaluate(
        "Math.ceil(document.body.getBoundingClientRect().height)"
    )
    assert abs(height - content_height) <= 2

    # A message from the third-party page itself (not the platform's iframe) changes nothing.
    page.evaluate("window.postMessage({type: 'bonnefoi-advice-widget:resize', height: 7}, '*')")
    page.wait_for_timeout(200)
    assert (
        page.evaluate(
            "parseInt(document.querySelector('iframe.bonnefoi-advice-widget').style.height)"
        )
        == height
    )

    checked_page.screenshot("advice-widget-third-party")
    assert page.context.cookies() == []
    widget_frame = page.frames[1]
    assert widget_frame.evaluate("window.__cspViolations || []") == []


def test_widget_page_is_accessible(checked_page, rsa_entries):
    """The widget page itself passes axe-core with zero violations and breaks no CSP rule."""
    response = checked_page.goto("/conseils/widget/?procedure=demande-rsa")
    assert response.status == 200
    checked_page.assert_clean("advice-widget")
    assert checked_page.page.context.cookies() == []


def test_embed_help_page_is_accessible(checked_page, rsa_entries):
    """« Intégrer les conseils sur votre site » passes axe-core, breaks no CSP rule, its preview
    is the real script at work, and "Copier" puts the snippet in the clipboard."""
    checked_page.goto("/conseils/integrer/?filtre=procedure:demande-rsa")
    checked_page.page.locator("iframe.bonnefoi-advice-widget").wait_for(state="attached")
    checked_page.page.frame_locator("iframe.bonnefoi-advice-widget").get_by_role(
        "link", name=rsa_entries[1]
    ).wait_for()
    checked_page.assert_clean("advice-embed-help")
    page = checked_page.page
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=checked_page.base_url
    )
    page.get_by_role("button", name="Copier le code du script").click()
    page.locator("#copie-etat").filter(has_text="Code copié.").wait_for(state="attached")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#code-script").input_value()
    assert 'data-procedure="demande-rsa" async></script>' in copied


def test_feedback_form_in_the_browser(checked_page, rsa_entries):
    """On an entry page, the feedback form submits as a plain form: an empty answer shows the
    French error page (axe-clean), a "Non" with a reason shows the thanks message (axe-clean)."""
    from bonnefoi.advice.models import Entry, Feedback

    entry = Entry.objects.get(title=rsa_entries[0])
    page = checked_page.page
    checked_page.goto(f"/conseils/erreur/{entry.slug}/")
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_text("Choisissez « Oui » ou « Non ».").wait_for()
    checked_page.assert_clean("advice-feedback-error")
    # DSFR radios: the label is what people click.
    page.locator("label[for=avis-utile-non]").click()
    page.locator("label[for=avis-raison-unclear]").click()
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_text("Merci pour votre avis").wait_for()
    assert "?avis=merci" in page.url
    checked_page.assert_clean("advice-feedback-thanks")
    stored = Feedback.objects.get()
    assert (stored.useful, stored.reason, stored.version_number) == (False, "unclear", 1)
