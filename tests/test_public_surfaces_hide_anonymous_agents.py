"""CRPA L111-2: an agent under an anonymity exception never appears by name in anything public.

This test walks *every* public URL of the project (views opted out of LoginRequiredMiddleware)
and renders *every* letter and identity template. When a later issue adds a public page with URL
parameters, it must add sample arguments to PUBLIC_URL_SAMPLES or this test fails.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from bonnefoi.structures.identification import Channel, agent_public_identity
from tests.structures.factories import AgentFactory, StructureFactory
from tests.urls_walk import is_public, iter_routes

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "bonnefoi" / "templates"


def _published_entry(agent):
    from bonnefoi.advice.models import EntryStatus
    from bonnefoi.advice.services import entry_publish
    from tests.advice.factories import EntryFactory

    entry = EntryFactory(owners=[agent.structure], status=EntryStatus.IN_REVIEW)
    entry_publish(entry=entry, user=None, change_kind="major", change_note="v1")
    return entry


def _published_procedure(agent):
    from tests.advice.factories import ProcedureFactory

    procedure = ProcedureFactory()
    _published_entry(agent).procedures.set([procedure])
    return procedure


def _handled_case(agent):
    """A case taken, questioned and decided by `agent` (letter rendered); built once per agent."""
    if getattr(agent, "_handled_case", None) is None:
        from tests.cases.factories import case_handled_by

        agent._handled_case = case_handled_by(agent)
    return agent._handled_case


def _tracking(agent) -> dict:
    from bonnefoi.cases.services import tracking_secret

    case = _handled_case(agent)
    return {"reference": case.reference, "secret": tracking_secret(case)}


def _tracked_document(agent) -> dict:
    case = _handled_case(agent)
    return {**_tracking(agent), "pk": case.attachments.get(by_person=True).pk}


def _letter_pdf(agent) -> dict:
    """The walk reads every body as text: the rendered PDF (compressed streams) is swapped for
    a plain one; the PDF's own text is checked by the letter tests."""
    from django.core.files.base import ContentFile

    letter = _handled_case(agent).decision.letter
    letter.pdf.save("decision.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return _tracking(agent)


def _draft_secret(agent) -> dict:
    from bonnefoi.cases import services

    secret = services.new_secret()
    draft = services.draft_for(secret)
    services.draft_save(draft=draft, data={"postal_code": "30900"}, step="declaration")
    return {"secret": secret}


def _published_transparency(agent):
    from tests.advice.factories import ProcedureFactory
    from tests.observatory.publication_factories import action, cases, rebuild_and_publish

    cases(agent.structure, ProcedureFactory(), 12)
    action(agent.structure, owner=agent)
    rebuild_and_publish()
    return agent.structure.pk


# Public URL patterns with parameters: pattern name -> kwargs builder(agent).
PUBLIC_URL_SAMPLES: dict[str, callable] = {
    "advice:entry": lambda agent: {"slug": _published_entry(agent).slug},
    "advice:feedback": lambda agent: {"slug": _published_entry(agent).slug},
    "advice:audience": lambda agent: {"audience_slug": "particuliers"},
    # Atom feeds: an anonymous agent's structure owns the published entry they list.
    "advice:feed_audience": lambda agent: {"audience_slug": "particuliers"},
    "advice:feed_life_event": lambda agent: {
        "slug": _published_entry(agent).life_events.get().slug
    },
    "advice:feed_procedure": lambda agent: {"slug": _published_procedure(agent).slug},
    "advice:feed_owner": lambda agent: {"sp_code": agent.structure.sp_code},
    "advice:life_event": lambda agent: {
        "audience_slug": "particuliers",
        "slug": _published_entry(agent).life_events.get().slug,
    },
    # « Signaler une erreur »: the tracking pages of a case handled by the anonymous agent.
    "cases:step": lambda agent: {"step": "demarche"},
    "cases:resume": _draft_secret,
    "cases:submitted": _tracking,
    "cases:track": _tracking,
    "cases:document": _tracked_document,
    "cases:letter": _tracking,
    "cases:letter_pdf": _letter_pdf,
    # Transparency: the anonymous agent's structure has published figures and a completed
    # action the agent was in charge of (the page must not name them).
    "transparency:structure": lambda agent: {"pk": _published_transparency(agent)},
    "transparency:open_data": lambda agent: {"name": "indicators.csv"},
}


def public_url_patterns():
    for route, name, pattern in iter_routes():
        if not is_public(pattern) or route.startswith("gestion/"):
            continue
        if getattr(pattern.callback, "cls", None) is not None and route.startswith("api/"):
            continue  # API and OpenAPI schema: JSON, no agent data without login (API tests)
        yield route, name, pattern


def letter_and_identity_templates():
    for folder in ("letters", "identity"):
        yield from sorted(TEMPLATE_ROOT.glob(f"**/{folder}/*.html"))


@pytest.fixture
def anonymous_agent():
    site = StructureFactory(site=True, name="Accueil de Montreuil")
    return AgentFactory(structure=site, first_name="Bérénice", last_name="Quintard", anonymous=True)


def test_public_pages_exist():
    """The walk finds the public pages of the shell (guards against a walk that finds nothing)."""
    names = {name for _route, name, _pattern in public_url_patterns()}
    assert {"core:home", "core:legal_notice", "accounts:login"} <= names


@pytest.mark.django_db
def test_no_public_page_shows_an_anonymous_agents_name(client, anonymous_agent):
    """Every public page renders without the real first or last name of an anonymous agent."""
    checked = 0
    for route, name, pattern in public_url_patterns():
        if pattern.pattern.converters:
            assert name in PUBLIC_URL_SAMPLES, (
                f"Page publique {name} ({route}) : ajoutez des paramètres d'exemple à "
                "PUBLIC_URL_SAMPLES pour que ce test la vérifie."
            )
            kwargs = PUBLIC_URL_SAMPLES[name](anonymous_agent)
        else:
            kwargs = {}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "Bérénice" not in body, name
        assert "Quintard" not in body, name
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("template", list(letter_and_identity_templates()), ids=lambda p: p.name)
@pytest.mark.parametrize("channel", Channel.values)
def test_letter_and_identity_templates_hide_an_anonymous_agent(template, channel, anonymous_agent):
    """Letter and identity templates show the pseudonym and service, never the real name."""
    name = str(template.relative_to(TEMPLATE_ROOT))
    identity = agent_public_identity(agent=anonymous_agent, channel=channel)
    html = render_to_string(name, {"identity": identity, "label": "Canal"})
    assert anonymous_agent.pseudonym in html
    assert "Accueil de Montreuil" in html
    assert "Bérénice" not in html
    assert "Quintard" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("template", list(letter_and_identity_templates()), ids=lambda p: p.name)
def test_letter_and_identity_templates_name_other_agents(template):
    """Control case: without an exception, the same templates do print the agent's name."""
    agent = AgentFactory(first_name="Bérénice", last_name="Quintard")
    name = str(template.relative_to(TEMPLATE_ROOT))
    identity = agent_public_identity(agent=agent, channel=Channel.LETTER_SIGNATURE)
    html = render_to_string(name, {"identity": identity, "label": "Canal"})
    assert "Bérénice Quintard" in html


@pytest.mark.django_db
def test_demo_anonymous_agents_badge_signatures_and_greeting_hide_the_name():
    """The anonymous agent of the demo world: the text laid out in their badge PDF, their e-mail
    signature (HTML and text), phone greeting and letter signature hold the pseudonym and the
    service, never the first or last name (identification kit, ADR 0009)."""
    from io import StringIO

    from django.core.management import call_command

    from bonnefoi.structures import demo
    from bonnefoi.structures.kit import agent_kit, badge_document, document_text
    from bonnefoi.structures.models import Agent

    call_command("load_demo", "--force", stdout=StringIO())
    agent = Agent.objects.get(user__email=demo.ANONYMOUS_AGENT_EMAIL)
    kit = agent_kit(agent)
    pieces = {
        "badge_pdf": document_text(badge_document(kit)),
        "email_signature_html": kit.email_signature_html,
        "email_signature_text": kit.email_signature_text,
        "phone_greeting": kit.phone_greeting_text,
        "letter_signature": render_to_string(
            "structures/letters/signature_block.html", {"identity": kit.letter_signature}
        ),
    }
    for channel, text in pieces.items():
        assert agent.pseudonym in text, channel
        assert "Accueil de Nîmes" in text, channel
        assert agent.first_name not in text, channel
        assert agent.last_name not in text, channel


@pytest.mark.django_db
def test_decision_letter_html_and_pdf_hide_an_anonymous_agent(anonymous_agent):
    """The decision letter signed by an agent under an exception in force on the decision date:
    its stored HTML, the text laid out in its PDF and its signature snapshot hold the pseudonym
    and the service, never the first name, last name or position (CRPA L111-2)."""
    import io

    from pypdf import PdfReader

    from bonnefoi.cases.letters import letter_html
    from tests.cases.factories import case_handled_by

    letter = case_handled_by(anonymous_agent).decision.letter
    letter.refresh_from_db()
    with letter.pdf.open("rb") as stream:
        pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(stream.read())).pages)
    for name, text in {
        "html": str(letter_html(letter)),
        "pdf": pdf_text,
        "signature": str(letter.signature),
    }.items():
        assert anonymous_agent.pseudonym in text, name
        assert "Accueil de Montreuil" in text, name
        for hidden in ("Bérénice", "Quintard", anonymous_agent.position):
            assert hidden not in text, (name, hidden)
