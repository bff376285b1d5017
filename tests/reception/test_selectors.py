"""Reads: latest audit per site, due dates, the network view and the yearly summary."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.reception.models import ActionStatus
from bonnefoi.reception.selectors import (
    latest_audits,
    network_overview,
    next_audit_due,
    site_audit_summary,
)
from bonnefoi.reception.services import corrective_action_create, corrective_action_update
from bonnefoi.structures.models import Structure
from tests.reception.factories import record_audit
from tests.structures.factories import AgentFactory

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_latest_audit_per_site(tree, member, current):
    """The latest audit is the one with the latest visit date, whatever the recording order."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    recent = record_audit(actor=quality, site=tree.nimes, checklist=current, visited_on=days_ago(5))
    record_audit(actor=quality, site=tree.nimes, checklist=current, visited_on=days_ago(50))
    other = record_audit(actor=quality, site=tree.ales, checklist=current, visited_on=days_ago(9))
    assert latest_audits([tree.nimes, tree.ales, tree.metz]) == {
        tree.nimes.pk: recent,
        tree.ales.pk: other,
    }


@pytest.mark.parametrize(
    ("period_setting", "version_period", "expected"),
    [
        (12, None, dt.date(2026, 8, 31)),
        (12, 6, dt.date(2026, 2, 28)),  # end of a shorter month: its last day
        (24, None, dt.date(2027, 8, 31)),
    ],
)
def test_next_audit_due_uses_the_version_period_or_the_setting(
    settings, tree, member, current, period_setting, version_period, expected
):
    """Next due = latest visit + the period of the version in force, or the setting when the
    version sets none."""
    settings.RECEPTION_AUDIT_PERIOD_MONTHS = period_setting
    current.audit_period_months = version_period
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    audit = record_audit(
        actor=quality, site=tree.nimes, checklist=current, visited_on=dt.date(2025, 8, 31)
    )
    assert next_audit_due(site=tree.nimes, latest=audit, checklist=current) == expected


def test_never_audited_site_is_due_from_its_creation(tree):
    """A site never audited is due from the day it was created, so it shows as overdue."""
    assert next_audit_due(site=tree.metz, latest=None, checklist=None) == timezone.localdate(
        tree.metz.created_at
    )


def test_network_overview(tree, member, checklists, current):
    """Shares per criterion use each site's latest audit only; "sans objet" is left out; a site
    audited on version 1 counts for the criteria version 1 had; overdue audits and overdue open
    actions are listed; the other administration stays out of a subtree's view."""
    quality = member(Role.QUALITY_MANAGER, tree.network)
    # Nîmes: old audit with toilets not met, then a recent one where everything is met.
    record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        visited_on=days_ago(400),
        toilets=("not_met", "Fermées."),
    )
    record_audit(actor=quality, site=tree.nimes, checklist=current, visited_on=days_ago(10))
    # Alès: toilets partly met, charter "sans objet" (an unlikely but allowed answer).
    ales = record_audit(
        actor=quality,
        site=tree.ales,
        checklist=current,
        visited_on=days_ago(20),
        toilets=("partly_met", "Une seule cabine."),
        laicite_charter=("not_applicable", ""),
    )
    # Metz: audited long ago on version 1 (no charter criterion then), toilets not met.
    metz = record_audit(
        actor=quality,
        site=tree.metz,
        checklist=checklists[1],
        visited_on=checklists[2].valid_from - dt.timedelta(days=1),
        toilets=("not_met", "Aucune."),
    )
    late = corrective_action_create(
        actor=quality,
        audit=metz,
        criterion=checklists[1].criteria.get(key="toilets"),
        description="Installer des toilettes.",
        owner=AgentFactory(structure=tree.metz),
        due_on=metz.visited_on + dt.timedelta(days=30),
    )
    done = corrective_action_create(
        actor=quality,
        audit=ales,
        criterion=current.criteria.get(key="toilets"),
        description="Ajouter une cabine.",
        owner=AgentFactory(structure=tree.ales),
        due_on=ales.visited_on,
    )
    corrective_action_update(actor=quality, action=done, status=ActionStatus.DONE)

    overview = network_overview(tree.network, today=TODAY)

    assert [row.site.name for row in overview.rows] == [
        "Accueil de Nîmes",
        "Accueil d'Alès",
        "Accueil de Metz",
    ]
    shares = {s.key: s for s in overview.shares}
    assert (shares["toilets"].met, shares["toilets"].assessed) == (1, 3)
    assert shares["toilets"].share == Decimal("33")
    assert (shares["laicite_charter"].met, shares["laicite_charter"].assessed) == (1, 1)
    assert (shares["lighting"].met, shares["lighting"].assessed) == (3, 3)
    assert [row.site for row in overview.overdue_sites] == [tree.metz]
    assert overview.overdue_actions == [late]
    assert overview.audited == 3

    gard_only = network_overview(tree.gard, today=TODAY)
    assert {row.site.pk for row in gard_only.rows} == {tree.nimes.pk, tree.ales.pk}
    assert gard_only.overdue_actions == []


def test_site_audit_summary(tree, member, checklists, current):
    """The yearly summary takes the latest audit visited in the year, its score, the criteria
    not met or partly met, and the actions still open (overdue ones apart)."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    year = TODAY.year - 1
    record_audit(actor=quality, site=tree.nimes, checklist=current, visited_on=dt.date(year, 2, 1))
    latest = record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        visited_on=dt.date(year, 10, 1),
        kind="mystery_visit",
        toilets=("not_met", "Fermées."),
        seating=("partly_met", "Peu de chaises."),
    )
    record_audit(
        actor=quality, site=tree.nimes, checklist=current, visited_on=dt.date(TODAY.year, 1, 2)
    )
    open_action = corrective_action_create(
        actor=quality,
        audit=latest,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=dt.date(year, 11, 1),
    )

    summary = site_audit_summary(tree.nimes, year)

    assert summary["audit"] == latest
    assert summary["audits_in_year"] == 2
    assert summary["score"] == latest.score == Decimal("88.5")  # 11.5 points / 13
    assert summary["kind"] == "Visite mystère"
    assert summary["checklist_number"] == current.number
    assert summary["visited_on"] == dt.date(year, 10, 1)
    assert summary["criteria_not_met"] == ["Des toilettes sont ouvertes au public"]
    assert summary["criteria_partly_met"] == ["Des sièges permettent d'attendre assis"]
    assert summary["open_actions"] == [open_action]
    assert summary["overdue_actions"] == [open_action]


def test_site_audit_summary_of_a_year_without_audit(tree):
    """No audit in the year: the summary says so with empty values, never an error."""
    summary = site_audit_summary(tree.ales, 2024)
    assert summary["audit"] is None
    assert summary["score"] is None
    assert summary["audits_in_year"] == 0
    assert summary["criteria_not_met"] == summary["open_actions"] == []
    assert isinstance(summary["site"], Structure)
