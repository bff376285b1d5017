"""Publication of the public indicators from the aggregates: the window, hand-counted figures,
the statistical secret on real rows, the ranking of the most frequent errors."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from bonnefoi.observatory.models import Measure, PublishedFigure
from bonnefoi.observatory.publication import Window, publish, published_figures
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.observatory.factories import case_row, local
from tests.observatory.publication_factories import World, cases, rebuild_and_publish
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (dt.date(2026, 11, 28), dt.date(2025, 11, 1), dt.date(2026, 10, 31)),
        (dt.date(2026, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2024, 3, 31), dt.date(2023, 3, 1), dt.date(2024, 2, 29)),
    ],
)
def test_the_window_is_the_last_twelve_complete_months(today, first, last):
    """From the first day of the month a year before the current one to the last day of the
    previous month: the current, incomplete month is never published."""
    assert Window.ending_before(today) == Window(first, last)


def value(structure, measure, entry=None):
    return PublishedFigure.objects.get(structure=structure, measure=measure, entry=entry).value


def test_hand_counted_figures_with_the_statistical_secret():
    """The world of `World`: the national and network counts are published as counted by
    hand; the 3 cases of « Site Deux » are secret, and so is « Site Un » (25), else the
    administration's 28 minus 25 would give the 3 back; the 5 refusals are secret, and so are
    the granted decisions, else 32 - 27 would give them back."""
    world = World()
    result = rebuild_and_publish()
    assert result.scopes == 6  # two networks, two administrations, two sites
    assert value(None, Measure.RECEIVED) == 68
    assert value(None, Measure.DECIDED) == 32
    assert value(None, Measure.NOT_GRANTED) is None
    assert value(None, Measure.GRANTED) is None
    assert value(None, Measure.MEDIAN_DAYS) == 5
    assert value(world.south, Measure.RECEIVED) == 40
    assert value(world.north, Measure.RECEIVED) == 28
    assert value(world.admin, Measure.RECEIVED) == 28
    assert value(world.site_two, Measure.RECEIVED) is None
    assert value(world.site_one, Measure.RECEIVED) is None
    assert value(world.site_two, Measure.MEDIAN_DAYS) is None  # no decision
    assert not PublishedFigure.objects.filter(structure=world.empty).exists()
    figures = PublishedFigure.objects.all()
    assert {f.window_start for f in figures} == {result.window.first}
    counts = figures.exclude(measure=Measure.MEDIAN_DAYS)
    assert all(f.value is None or f.value == 0 or f.value >= 10 for f in counts)
    assert result.hidden == figures.filter(value__isnull=True).count()


def test_the_median_is_hidden_when_the_decisions_are():
    """An administration with 4 decisions: their count is secret, so is their median delay."""
    network, procedure = StructureFactory(administration=True), ProcedureFactory()
    cases(network, procedure, 12, granted=4, delay=9)
    rebuild_and_publish()
    assert value(network, Measure.DECIDED) is None
    assert value(network, Measure.MEDIAN_DAYS) is None
    assert value(network, Measure.RECEIVED) == 12


def test_cases_outside_the_window_are_not_counted():
    """Cases of the current month and of thirteen months ago are left out."""
    network, procedure = StructureFactory(), ProcedureFactory()
    cases(network, procedure, 10)
    window = Window.ending_before(timezone.localdate())
    for day in (timezone.localdate(), window.first - dt.timedelta(days=1)):
        for _ in range(10):
            case_row(structure=network, procedure=procedure, submitted=local(day, 9))
    rebuild_and_publish()
    assert value(network, Measure.RECEIVED) == 10


def test_most_frequent_errors_are_ranked_and_hidden_ones_lose_their_rank():
    """30, 12 and 5 cases of three errors in one network: the 5 is not a frequent error and is
    never published, so the 12 is hidden beside it (else 47 - 30 - 12 gives it back); the 30
    is ranked 1 and the hidden 12 gets no rank."""
    network, procedure = StructureFactory(), ProcedureFactory()
    first, second, third = EntryFactory(), EntryFactory(), EntryFactory()
    for entry, count in ((first, 30), (second, 12), (third, 5)):
        cases(network, procedure, count, entry=entry)
    rebuild_and_publish()
    errors = {
        f.entry_id: (f.rank, f.value)
        for f in PublishedFigure.objects.filter(structure=network, measure=Measure.ERRORS)
    }
    assert errors == {first.pk: (1, 30), second.pk: (None, None)}
    assert value(network, Measure.RECEIVED) == 47
    shown = published_figures(network)
    assert [(e.slug, e.rank, e.count) for e in shown.errors] == [
        (first.slug, 1, 30),
        (second.slug, None, None),
    ]


def test_a_new_publication_replaces_the_previous_one():
    """Publishing twice leaves one snapshot, with the new counts."""
    network, procedure = StructureFactory(), ProcedureFactory()
    cases(network, procedure, 10)
    rebuild_and_publish()
    cases(network, procedure, 5)
    rebuild_and_publish()
    assert PublishedFigure.objects.filter(structure=network, measure=Measure.RECEIVED).count() == 1
    assert value(network, Measure.RECEIVED) == 15


def test_nothing_to_publish_still_publishes_the_country_with_zeros():
    """Without any case, the national page has zeros (no secret needed) and no structure."""
    result = publish()
    assert result.scopes == 0
    assert value(None, Measure.RECEIVED) == 0
    assert PublishedFigure.objects.exclude(structure=None).count() == 0


@override_settings(OBSERVATORY_MIN_CELL_SIZE=3)
def test_the_threshold_comes_from_the_settings():
    """With a threshold of 3, the 3 cases of « Site Deux » may be shown."""
    world = World()
    rebuild_and_publish()
    assert value(world.site_two, Measure.RECEIVED) == 3
