"""Spike alerts: the statistical rule on synthetic series, detection over the national weekly
aggregates (idempotent, late tags, history), recipients and the French e-mail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.observatory import refresh
from bonnefoi.observatory.models import CaseCount, SpikeAlert
from bonnefoi.observatory.spikes import detect_spikes, is_spike, spike_recipients
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.observatory.factories import case_row, local
from tests.structures.conftest import build_tree

TODAY = dt.date(2026, 3, 18)  # a Wednesday
LAST = dt.date(2026, 3, 9)  # Monday of the last complete week
PREVIOUS = dt.date(2026, 3, 2)


def week(offset: int) -> dt.date:
    """Monday `offset` weeks before the last complete week (0: that week)."""
    return LAST - dt.timedelta(days=7 * offset)


# --- the pure rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "history", "current", "spike", "reason", "threshold"),
    [
        ("flat, small rise", [10] * 8, 12, False, "below", Decimal("19.49")),
        ("flat, doubled", [10] * 8, 20, True, "spike", Decimal("19.49")),
        ("noisy Poisson-like", [7, 12, 9, 14, 8, 11, 10, 9], 18, False, "below", Decimal("19.49")),
        ("noisy, clear jump", [7, 12, 9, 14, 8, 11, 10, 9], 21, True, "spike", Decimal("19.49")),
        (
            "slow upward trend",
            [10, 11, 12, 13, 14, 15, 16, 17],
            19,
            False,
            "below",
            Decimal("24.52"),
        ),
        ("real spike", [3, 5, 4, 6, 4, 5, 3, 4], 15, True, "spike", Decimal("10.43")),
        ("small numbers 2 -> 6", [2] * 8, 6, False, "below", Decimal("6.24")),
        ("zero baseline, 4 cases", [0] * 8, 4, False, "minimum", Decimal("3.00")),
        ("zero baseline, 5 cases", [0] * 8, 5, True, "spike", Decimal("3.00")),
        ("new entry, no history", [], 30, False, "history", None),
        ("three known weeks only", [1, 1, 1], 30, False, "history", None),
        ("four known weeks suffice", [1, 1, 1, 1], 30, True, "spike", Decimal("4.00")),
        ("exactly at the threshold", [4] * 8, 10, False, "below", Decimal("10.00")),
        ("one above the threshold", [4] * 8, 11, True, "spike", Decimal("10.00")),
        ("very noisy series widens s", [0, 20, 0, 20, 0, 20, 0, 20], 35, False, "below", None),
    ],
)
def test_is_spike(name, history, current, spike, reason, threshold):
    """Each synthetic series gets the verdict of the documented rule: at least 4 known weeks,
    at least 5 cases, and strictly more than m + 3·max(sd, √m, 1)."""
    verdict = is_spike(history, current)
    assert verdict.spike is spike, name
    assert verdict.reason == reason, name
    assert verdict.weeks == len(history)
    if threshold is not None:
        assert verdict.threshold.quantize(Decimal("0.01")) == threshold


def test_noisy_series_uses_the_sample_standard_deviation():
    """When the spread of the series exceeds the Poisson floor, s is the sample standard
    deviation (n - 1): 0/20 alternating gives m = 10, sd = √(800/7) ≈ 10.69."""
    verdict = is_spike([0, 20, 0, 20, 0, 20, 0, 20], 35)
    assert verdict.mean == 10
    assert verdict.spread.quantize(Decimal("0.01")) == Decimal("10.69")
    assert is_spike([0, 20, 0, 20, 0, 20, 0, 20], 43).spike


def test_more_than_eight_weeks_is_refused():
    """The baseline is at most 8 weeks: a longer history is a caller's mistake."""
    with pytest.raises(ValueError, match="Au plus 8 semaines"):
        is_spike([1] * 9, 10)


# --- detection over the aggregates -------------------------------------------------------------


def national(entry, start, received, procedure=None):
    return CaseCount.objects.create(
        scope=None,
        period="week",
        start=start,
        procedure=procedure or ProcedureFactory(),
        entry=entry,
        received=received,
    )


@pytest.fixture
def procedure():
    return ProcedureFactory()


@pytest.mark.django_db
def test_detects_a_spike_once(procedure, django_capture_on_commit_callbacks):
    """Flat 4 a week for 8 weeks, then 11 in the last complete week: one alert with its numbers
    (mean 4, threshold 4 + 3·2 = 10); a second run creates nothing and sends nothing more."""
    entry = EntryFactory()
    for offset in range(1, 9):
        national(entry, week(offset), 4, procedure)
    national(entry, LAST, 11, procedure)
    with django_capture_on_commit_callbacks(execute=True):
        created = detect_spikes(today=TODAY)
    assert len(created) == 1
    alert = created[0]
    assert (alert.entry, alert.week_start, alert.count) == (entry, LAST, 11)
    assert alert.baseline_weeks == 8
    assert alert.baseline_mean == Decimal("4.00")
    assert alert.threshold == Decimal("10.00")
    assert AuditLogEntry.objects.filter(action="observatory.spike_alert.created").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert detect_spikes(today=TODAY) == []
    assert SpikeAlert.objects.count() == 1


@pytest.mark.django_db
def test_sums_procedures_and_ignores_scoped_and_monthly_rows():
    """The weekly count is the national one summed over procedures (3 + 3 = 6 above a
    baseline of 1 a week, threshold 4); structure-scoped and monthly rows are not read."""
    tree = build_tree()
    entry = EntryFactory()
    quiet = EntryFactory()
    for offset in range(1, 9):
        national(entry, week(offset), 1)
        national(quiet, week(offset), 1)
    national(entry, LAST, 3)
    national(entry, LAST, 3)
    # Only in a structure's scope or in a month: never seen by the rule.
    CaseCount.objects.create(
        scope=tree.gard,
        period="week",
        start=LAST,
        procedure=ProcedureFactory(),
        entry=quiet,
        received=40,
    )
    CaseCount.objects.create(
        scope=None,
        period="month",
        start=dt.date(2026, 3, 1),
        procedure=ProcedureFactory(),
        entry=quiet,
        received=40,
    )
    assert [a.entry for a in detect_spikes(today=TODAY)] == [entry]


@pytest.mark.django_db
def test_late_tags_the_week_before_is_checked_too(procedure):
    """Tags arrive late: the week before the last complete week is examined as well, and only
    those two weeks (an older spike is not raised now)."""
    entry = EntryFactory()
    for offset in range(2, 12):
        national(entry, week(offset), 2, procedure)
    national(entry, PREVIOUS, 14, procedure)  # PREVIOUS is week(1)
    older = EntryFactory()
    for offset in range(3, 12):
        national(older, week(offset), 1, procedure)
    national(older, week(2), 30, procedure)  # three weeks ago: out of reach
    alerts = detect_spikes(today=TODAY)
    assert [(a.entry, a.week_start, a.count) for a in alerts] == [(entry, PREVIOUS, 14)]


@pytest.mark.django_db
def test_new_entry_without_history_does_not_alert(procedure):
    """An entry first used three weeks ago has 3 known baseline weeks (< 4): no alert, however
    high the week; first used four weeks before, it alerts, on a 4-week baseline."""
    new = EntryFactory()
    for offset in range(1, 4):
        national(new, week(offset), 1, procedure)
    national(new, LAST, 30, procedure)
    young = EntryFactory()
    for offset in range(1, 5):
        national(young, week(offset), 1, procedure)
    national(young, LAST, 30, procedure)
    alerts = detect_spikes(today=TODAY)
    assert [(a.entry, a.baseline_weeks) for a in alerts] == [(young, 4)]


@pytest.mark.django_db
def test_zero_weeks_after_first_use_count_in_the_baseline(procedure):
    """Weeks without a case after the entry's first use are known zeros (m = 2/8 = 0.25)."""
    entry = EntryFactory()
    national(entry, week(8), 2, procedure)
    national(entry, LAST, 5, procedure)
    (alert,) = detect_spikes(today=TODAY)
    assert alert.baseline_weeks == 8
    assert alert.baseline_mean == Decimal("0.25")


@pytest.mark.django_db
def test_end_to_end_from_cases(django_capture_on_commit_callbacks):
    """Cases tagged by agents, rebuilt into aggregates, give the alert: one case a week for 8
    weeks, then 7 in the last complete week (threshold 1 + 3·1 = 4)."""
    tree = build_tree()
    procedure = ProcedureFactory()
    entry = EntryFactory(owners=[tree.gard])
    for offset in range(1, 9):
        case_row(
            structure=tree.nimes, procedure=procedure, submitted=local(week(offset)), entry=entry
        )
    for hour in range(8, 15):
        case_row(
            structure=tree.ales,
            procedure=procedure,
            submitted=local(LAST + dt.timedelta(days=2), hour),
            entry=entry,
        )
    refresh.rebuild(full=True)
    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = detect_spikes(today=TODAY)
    assert alert.count == 7
    assert alert.threshold == Decimal("4.00")


# --- recipients and e-mail ----------------------------------------------------------------------


@pytest.mark.django_db
def test_recipients_are_quality_managers_of_owners_and_their_ancestors(
    procedure, django_capture_on_commit_callbacks
):
    """The quality managers of the owning administration and of its network get one e-mail
    each; a quality manager elsewhere or below the owner, an agent of the owner and a withdrawn
    role get none. The message is in French and links to the entry's page."""
    tree = build_tree()
    entry = EntryFactory(owners=[tree.gard], title="J'oublie de déclarer mes heures")
    owner_qm = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user
    parent_qm = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.network).user
    MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle)
    MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.nimes)
    MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.other_network)
    MembershipFactory(role=Role.AGENT, structure=tree.gard)
    MembershipFactory(role=Role.ADMINISTRATOR, structure=tree.gard)
    MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard, is_active=False)
    assert spike_recipients(entry) == sorted([owner_qm.email, parent_qm.email])

    for offset in range(1, 9):
        national(entry, week(offset), 4, procedure)
    national(entry, LAST, 11, procedure)
    with django_capture_on_commit_callbacks(execute=True):
        detect_spikes(today=TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner_qm.email, parent_qm.email])
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = mail.outbox[0]
    assert "hausse inhabituelle" in message.subject
    assert "J'oublie de déclarer mes heures" in message.body
    assert "11 dossiers de correction la semaine du 09/03/2026" in message.body
    assert "moyenne de 4.00 par semaine" in message.body
    assert f"/espace-agent/observatoire/erreurs/{entry.slug}/" in message.body
