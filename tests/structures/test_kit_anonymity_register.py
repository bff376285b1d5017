"""The register of anonymity exceptions in the back office: administrators grant and end them
(legal ground, justification, dates; end date and reason), audited; others read or are refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import AnonymityException, AnonymityGround
from bonnefoi.structures.services import anonymity_exception_revoke
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
JUSTIFICATION = "Menaces de mort répétées par un usager à l'accueil, plainte déposée."


@pytest.fixture
def agent(tree):
    return AgentFactory(structure=tree.nimes, first_name="Bérénice", last_name="Quintard")


def _grant_data(agent, **overrides):
    return {
        "agent": agent.pk,
        "ground": AnonymityGround.PERSONAL_SAFETY,
        "justification": JUSTIFICATION,
        "valid_from": TODAY().isoformat(),
        "valid_until": (TODAY() + dt.timedelta(days=90)).isoformat(),
    } | overrides


def test_administrator_grants_from_the_back_office(client, tree, member, agent):
    """The form records the exception with its ground, justification and dates, approved by the
    signed-in administrator; the agent is pseudonymised from today."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.post(reverse("structures:anonymity_grant"), _grant_data(agent))
    assert response.status_code == 302
    exception = AnonymityException.objects.get()
    assert (exception.approved_by, exception.ground) == (admin, AnonymityGround.PERSONAL_SAFETY)
    assert exception.justification == JUSTIFICATION
    assert agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE).is_pseudonymous
    assert AuditLogEntry.objects.filter(action="anonymity_exception.granted", actor=admin).exists()


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"justification": "trop court"}, "au moins 30 caractères"),
        ({"ground": "convenance"}, "Sélectionnez un choix valide"),
        (
            {"valid_until": (TODAY() - dt.timedelta(days=1)).isoformat()},
            "La date de fin doit suivre la date de début.",
        ),
        ({"valid_from": "32/13/2026"}, "Date invalide."),
    ],
)
def test_grant_refusals_are_french_400_and_keep_the_input(
    client, tree, member, agent, overrides, field_message
):
    """A bad request is refused with a French message and the justification typed stays."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(reverse("structures:anonymity_grant"), _grant_data(agent, **overrides))
    body = response.content.decode()
    assert response.status_code == 400
    assert field_message in body
    if len(overrides.get("justification", JUSTIFICATION)) > 20:
        assert "Menaces de mort répétées" in body
    assert not AnonymityException.objects.exists()


@pytest.mark.parametrize(
    ("role", "held_on"),
    [(Role.ADMINISTRATOR, "moselle"), (Role.ADMINISTRATOR, "other_network")],
)
def test_grant_outside_the_subtree_is_refused(client, tree, member, agent, role, held_on):
    """An administrator elsewhere cannot pick the agent: the choice is refused (400)."""
    client.force_login(member(role, getattr(tree, held_on)))
    response = client.post(reverse("structures:anonymity_grant"), _grant_data(agent))
    assert response.status_code == 400
    assert "pas dans votre périmètre d&#x27;approbation" in response.content.decode()
    assert not AnonymityException.objects.exists()


def test_administrator_cannot_choose_themselves(client, tree):
    """An administrator who is also an agent is not offered in their own grant form."""
    admin_agent = AgentFactory(structure=tree.gard, role=Role.ADMINISTRATOR)
    client.force_login(admin_agent.user)
    response = client.post(reverse("structures:anonymity_grant"), _grant_data(admin_agent))
    assert response.status_code == 400
    assert not AnonymityException.objects.exists()


def test_end_today_names_the_agent_again_with_reason_audited(client, tree, member, agent):
    """Ending today: the exception stops at once; date, author and reason are kept; the audit
    entry holds the date of effect and never the reason."""
    exception = AnonymityExceptionFactory(agent=agent)
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.post(
        reverse("structures:anonymity_end", kwargs={"pk": exception.pk}),
        {"revoked_from": TODAY().isoformat(), "revocation_reason": "Usager condamné et éloigné."},
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.revoked_by == admin
    assert exception.revoked_from == TODAY()
    assert exception.revocation_reason == "Usager condamné et éloigné."
    assert not exception.is_in_force(TODAY())
    entry = AuditLogEntry.objects.get(action="anonymity_exception.revoked")
    assert entry.details == {"effective_on": str(TODAY())}


def test_end_at_a_later_date_keeps_the_protection_until_the_day_before(tree, member, agent):
    """Ending from a future date: the agent stays pseudonymous until the day before, in the
    queryset and in the model alike."""
    exception = AnonymityExceptionFactory(agent=agent)
    admin = member(Role.ADMINISTRATOR, tree.gard)
    effective = TODAY() + dt.timedelta(days=10)
    anonymity_exception_revoke(
        actor=admin, exception=exception, reason="Mutation.", effective_on=effective
    )
    exception.refresh_from_db()
    for day, expected in [
        (TODAY(), True),
        (effective - dt.timedelta(days=1), True),
        (effective, False),
    ]:
        assert exception.is_in_force(day) is expected
        assert AnonymityException.objects.in_force(day).filter(pk=exception.pk).exists() is expected


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, "ne peut pas être antidatée"), (500, "prend déjà fin d'elle-même")],
)
def test_end_date_in_the_past_or_after_the_end_is_refused(tree, member, agent, days, message):
    """An end cannot be backdated (documents already issued) nor set after the exception's end."""
    exception = AnonymityExceptionFactory(agent=agent)
    admin = member(Role.ADMINISTRATOR, tree.gard)
    with pytest.raises(ValidationError, match=message):
        anonymity_exception_revoke(
            actor=admin,
            exception=exception,
            reason="Mutation.",
            effective_on=TODAY() + dt.timedelta(days=days),
        )
    exception.refresh_from_db()
    assert exception.revoked_at is None


def test_end_form_refusal_keeps_the_reason(client, tree, member, agent):
    """A backdated end is a French 400 that keeps the typed reason."""
    exception = AnonymityExceptionFactory(agent=agent)
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(
        reverse("structures:anonymity_end", kwargs={"pk": exception.pk}),
        {
            "revoked_from": (TODAY() - dt.timedelta(days=3)).isoformat(),
            "revocation_reason": "Menaces levées selon la police.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "ne peut pas être antidatée" in body
    assert "Menaces levées selon la police." in body


def test_register_access_and_names(client, tree, member, agent):
    """The quality manager of the administration reads the register with the pseudonym and no
    end link; the administrator sees the name and the link; an agent is refused (403); the
    listing is audited."""
    exception = AnonymityExceptionFactory(agent=agent)
    url = reverse("structures:anonymity_register")
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    client.force_login(quality)
    body = client.get(url).content.decode()
    assert agent.pseudonym in body
    assert "Quintard" not in body
    assert reverse("structures:anonymity_end", kwargs={"pk": exception.pk}) not in body
    assert (
        client.get(reverse("structures:anonymity_end", kwargs={"pk": exception.pk})).status_code
        == 404
    )
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    body = client.get(url).content.decode()
    assert "Bérénice Quintard" in body
    assert reverse("structures:anonymity_end", kwargs={"pk": exception.pk}) in body
    client.force_login(member(Role.AGENT, tree.nimes))
    assert client.get(url).status_code == 403
    assert AuditLogEntry.objects.filter(action="agent.listed", actor=quality).exists()


def test_register_of_another_administration_is_empty(client, tree, member, agent):
    """An administrator of the Moselle does not see the Gard's exceptions nor end them."""
    exception = AnonymityExceptionFactory(agent=agent)
    client.force_login(member(Role.ADMINISTRATOR, tree.moselle))
    body = client.get(reverse("structures:anonymity_register")).content.decode()
    assert agent.pseudonym not in body
    end = client.get(reverse("structures:anonymity_end", kwargs={"pk": exception.pk}))
    assert end.status_code == 404


def test_migration_rule_for_past_revocations(agent):
    """A lifted exception without an effective date (written before the date existed) is not in
    force: the queryset and the model agree."""
    exception = AnonymityExceptionFactory(agent=agent, revoked=True)
    assert exception.revoked_from is None
    assert not exception.is_in_force(TODAY())
    assert not AnonymityException.objects.in_force(TODAY()).filter(pk=exception.pk).exists()
