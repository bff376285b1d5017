"""The alerts page: alerts of the entries owned within the user's scopes only, a link to each
entry's page, acknowledgement (once, audited) and 404 for an alert out of reach."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.observatory.models import SpikeAlert
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory
from tests.structures.conftest import build_tree

pytestmark = pytest.mark.django_db


def alert_for(entry, week=dt.date(2026, 3, 9)):
    return SpikeAlert.objects.create(
        entry=entry,
        week_start=week,
        count=14,
        baseline_weeks=8,
        baseline_mean=Decimal("4.00"),
        threshold=Decimal("10.00"),
    )


@pytest.fixture
def world():
    tree = build_tree()
    gard_entry = EntryFactory(owners=[tree.gard], title="J'oublie mes heures")
    network_entry = EntryFactory(owners=[tree.network], title="Je déclare en retard")
    moselle_entry = EntryFactory(owners=[tree.moselle], title="Je change d'adresse")
    return {
        "tree": tree,
        "gard": alert_for(gard_entry),
        "network": alert_for(network_entry),
        "moselle": alert_for(moselle_entry),
    }


@pytest.mark.parametrize(
    ("role", "where", "visible"),
    [
        (Role.QUALITY_MANAGER, "gard", {"gard"}),
        (Role.QUALITY_MANAGER, "network", {"gard", "network", "moselle"}),
        (Role.ADMINISTRATOR, "moselle", {"moselle"}),
        (Role.QUALITY_MANAGER, "nimes", None),  # a site: no entry owned in its subtree
        (Role.QUALITY_MANAGER, "other_network", set()),
    ],
)
def test_alerts_visible_per_scope(client, world, role, where, visible):
    """Alerts are listed for entries owned by a structure of the user's subtrees."""
    client.force_login(MembershipFactory(role=role, structure=getattr(world["tree"], where)).user)
    response = client.get(reverse("observatory:alerts"))
    assert response.status_code == 200
    expected = visible or set()
    assert {row["alert"] for row in response.context["rows"]} == {world[key] for key in expected}


def test_acknowledge_once_and_audited(client, world):
    """The acknowledge button stamps who and when, once; the page links to the entry."""
    user = MembershipFactory(role=Role.QUALITY_MANAGER, structure=world["tree"].gard).user
    client.force_login(user)
    alert = world["gard"]
    page = client.get(reverse("observatory:alerts")).content.decode()
    assert reverse("observatory:entry", args=[alert.entry.slug]) in page
    assert "Prendre en compte" in page
    url = reverse("observatory:alert_acknowledge", args=[alert.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == user
    assert alert.acknowledged_at is not None
    client.post(url)
    assert AuditLogEntry.objects.filter(action="observatory.spike_alert.acknowledged").count() == 1
    assert "Prise en compte le" in client.get(reverse("observatory:alerts")).content.decode()


def test_acknowledge_out_of_scope_is_404(client, world):
    """An alert on another administration's entry cannot be reached."""
    client.force_login(
        MembershipFactory(role=Role.QUALITY_MANAGER, structure=world["tree"].gard).user
    )
    response = client.post(reverse("observatory:alert_acknowledge", args=[world["moselle"].pk]))
    assert response.status_code == 404
    world["moselle"].refresh_from_db()
    assert world["moselle"].acknowledged_at is None


def test_entry_page_lists_its_alerts(client, world):
    """The entry page shows the entry's alerts to those who may see them."""
    client.force_login(
        MembershipFactory(role=Role.QUALITY_MANAGER, structure=world["tree"].gard).user
    )
    alert = world["gard"]
    response = client.get(reverse("observatory:entry", args=[alert.entry.slug]))
    assert list(response.context["alerts"]) == [alert]
    assert "Semaine du 09/03/2026 : 14 dossiers" in " ".join(response.content.decode().split())
