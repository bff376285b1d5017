"""The identification kit: badge PDF, e-mail signature (HTML and text), phone greeting and letter
signature, by name and service, switching to pseudonym + service under an exception in force."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.kit import (
    agent_kit,
    badge_document,
    badge_filename,
    document_text,
    kit_abilities,
)
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(tree):
    return AgentFactory(
        structure=tree.nimes, first_name="Camille", last_name="Fabre", position="Conseillère"
    )


@pytest.fixture
def protected(tree):
    return AgentFactory(
        structure=tree.nimes,
        first_name="Bérénice",
        last_name="Quintard",
        position="Conseillère",
        anonymous=True,
    )


def test_named_agent_kit_on_every_channel(named):
    """Without an exception, every piece names the agent, their position and their service."""
    kit = agent_kit(named)
    assert not kit.is_pseudonymous
    assert kit.badge.lines == ("Camille Fabre", "Conseillère", "CAF du Gard — Accueil de Nîmes")
    assert kit.phone_greeting_text == (
        "CAF du Gard — Accueil de Nîmes, Camille Fabre, bonjour. Que puis-je faire pour vous ?"
    )
    assert kit.email_signature_text.splitlines()[:3] == ["-- ", "Camille Fabre", "Conseillère"]
    assert "365 rue Alphonse Daudet, 30000 Nîmes" in kit.email_signature_text
    assert "<strong>Camille Fabre</strong>" in kit.email_signature_html
    assert "style=" not in kit.email_signature_html
    assert kit.letter_signature.lines[0] == "Camille Fabre"


def test_protected_agent_kit_uses_pseudonym_and_service_everywhere(protected):
    """Under an exception, no piece holds the name or the position; each holds the pseudonym
    and the service, and the signatures say why."""
    kit = agent_kit(protected)
    pieces = [
        kit.badge.text,
        kit.phone_greeting_text,
        kit.email_signature_text,
        kit.email_signature_html,
        kit.letter_signature.text,
    ]
    for piece in pieces:
        assert protected.pseudonym in piece
        assert "Accueil de Nîmes" in piece
        assert "Bérénice" not in piece
        assert "Quintard" not in piece
        assert "Conseillère" not in piece
    assert "L111-2" in kit.email_signature_text
    assert "L111-2" in kit.email_signature_html


def test_badge_pdf_text_follows_the_exception(named, protected):
    """The text laid out in the badge PDF names a named agent and only pseudonymises a protected
    one; the file name never holds the protected agent's name."""
    named_text = document_text(badge_document(agent_kit(named)))
    assert "Camille Fabre" in named_text
    assert "Accueil de Nîmes" in named_text
    kit = agent_kit(protected)
    text = document_text(badge_document(kit))
    assert protected.pseudonym in text
    assert "Quintard" not in text
    assert "Bérénice" not in text
    assert "L111-2" in text
    assert badge_filename(kit) == f"badge-{protected.pseudonym.lower().replace(' ', '-')}.pdf"


def test_badge_pdf_is_a_pdf_whose_metadata_hides_the_name(client, protected):
    """The downloaded badge is a PDF whose title carries the pseudonym, not the name."""
    client.force_login(protected.user)
    response = client.get(reverse("structures:agent_badge", kwargs={"pk": protected.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"Quintard" not in response.content
    assert protected.pseudonym.lower().replace(" ", "-") in response["Content-Disposition"]


def test_exception_ending_tomorrow_still_applies_today_and_not_after(protected):
    """The kit is computed for a day: the day after an exception's end, the name comes back."""
    exception = protected.anonymity_exceptions.get()
    assert agent_kit(protected, on=exception.valid_until).is_pseudonymous
    assert not agent_kit(protected, on=exception.valid_until + dt.timedelta(days=1)).is_pseudonymous


# (role, structure holding it, expected status of another agent's kit)
KIT_ACCESS = [
    (Role.ADMINISTRATOR, "nimes", 200),
    (Role.ADMINISTRATOR, "gard", 200),
    (Role.NATIONAL_ADMINISTRATOR, "network", 200),
    (Role.QUALITY_MANAGER, "gard", 404),
    (Role.AGENT, "nimes", 404),
    (Role.ADMINISTRATOR, "moselle", 404),
    (Role.ADMINISTRATOR, "other_network", 404),
]


@pytest.mark.parametrize(("role", "held_on", "status"), KIT_ACCESS)
def test_kit_of_another_agent_for_their_administrators_only(
    client, tree, member, named, role, held_on, status
):
    """The agent's administrators (agent.manage on the agent's subtree) print the kit; anyone else
    gets a 404 for the page and for the PDF."""
    user = member(role, getattr(tree, held_on))
    client.force_login(user)
    page = client.get(reverse("structures:agent_kit", kwargs={"pk": named.pk}))
    pdf = client.get(reverse("structures:agent_badge", kwargs={"pk": named.pk}))
    assert page.status_code == status
    assert pdf.status_code == status
    assert kit_abilities(user, named)["view"] is (status == 200)


def test_kit_reads_by_others_are_audited_and_own_kit_is_not(client, tree, member, named):
    """An administrator opening an agent's kit leaves an agent.viewed entry; the agent opening
    their own kit does not."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    client.get(reverse("structures:agent_kit", kwargs={"pk": named.pk}))
    entry = AuditLogEntry.objects.get(action="agent.viewed")
    assert entry.actor == admin
    assert entry.details == {"channel": "kit"}
    client.force_login(named.user)
    response = client.get(reverse("structures:my_kit"))
    assert response.status_code == 200
    assert AuditLogEntry.objects.filter(action="agent.viewed").count() == 1


def test_kit_page_of_a_protected_agent_shows_no_name_even_to_their_administrator(
    client, tree, member, protected
):
    """The kit is what the public gets: even an administrator who may see the real name gets the
    pseudonymous pieces, so they cannot print a named badge by mistake."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    body = client.get(reverse("structures:agent_kit", kwargs={"pk": protected.pk})).content.decode()
    assert protected.pseudonym in body
    assert "Quintard" not in body
    assert "Exception d'anonymat en vigueur" in body


def test_user_without_agent_profile_has_no_own_kit(client, tree, member):
    """ "Mon kit" needs an agent profile: a user without one gets a 404."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    assert client.get(reverse("structures:my_kit")).status_code == 404


def test_future_exception_does_not_apply_yet(tree):
    """An exception starting tomorrow leaves today's kit named."""
    agent = AgentFactory(structure=tree.nimes, last_name="Demain")
    AnonymityExceptionFactory(agent=agent, future=True)
    assert not agent_kit(agent, on=timezone.localdate()).is_pseudonymous
