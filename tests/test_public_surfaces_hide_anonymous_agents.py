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
