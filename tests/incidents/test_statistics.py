"""Aggregated statistics: counts per site and period, per gravity / category / channel, with
the statistical secret, the configured threshold, Paris time and no personal data."""

import csv
import datetime as dt
import io
import json
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from bonnefoi.core.models import AuditLogEntry
from bonnefoi.incidents.models import Category, Channel, Gravity
from bonnefoi.incidents.statistics import Period, min_cell_size, period_table, site_statistics
from tests.incidents.factories import IncidentReportFactory
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


def reports(site, reporter, count, when, **kwargs):
    return [
        IncidentReportFactory(structure=site, reporter=reporter, occurred_at=when, **kwargs)
        for _ in range(count)
    ]


@pytest.fixture
def filed(world, people):
    """Nîmes: 6 in March 2025 (5 verbal at the counter, 1 physical by phone), 2 in July 2025.
    Alès: 1 in March 2025. Metz: 7 in March 2025. One Nîmes report in 2024."""
    reports(world.nimes, people.reporter, 5, at(2025, 3, 10))
    reports(
        world.nimes,
        people.reporter,
        1,
        at(2025, 3, 12),
        category=Category.PHYSICAL,
        channel=Channel.PHONE,
        gravity=Gravity.SERIOUS_AGGRESSION,
    )
    reports(world.nimes, people.reporter, 2, at(2025, 7, 1))
    reports(world.ales, AgentFactory(structure=world.ales).user, 1, at(2025, 3, 3))
    reports(world.metz, people.agent_elsewhere, 7, at(2025, 3, 20))
    reports(world.nimes, people.reporter, 1, at(2024, 12, 31))


def by_name(table):
    return {row.structure.name: row for row in table.rows}


def test_month_table_counts_and_hides_small_cells(world, filed):
    """Per month in the CAF du Gard: Nîmes July = 2 and Alès March = 1 hidden; Nîmes March is
    hidden too so that its year (8, shown) minus its shown months cannot give July back; a total
    over several sites is shown only when every count it adds up is shown."""
    table = period_table(root=world.gard, year=2025, period=Period.MONTH, threshold=5)
    rows = by_name(table)
    assert list(rows) == ["Accueil de Nîmes", "Accueil d'Alès"]
    assert table.columns[2] == "mars"
    nimes, ales = rows["Accueil de Nîmes"], rows["Accueil d'Alès"]
    assert nimes.cells[6] is None  # July: 2
    assert ales.cells[2] is None  # March: 1
    assert ales.total is None  # 1 in the year
    assert nimes.cells[0] == 0  # zeros are shown
    # Nîmes on its own: July (2) hidden, so March (6) is hidden with it (8 >= 5) and the year's
    # total 8 stays shown - the same 8 as in the yearly report of the site.
    assert nimes.cells[2] is None
    assert nimes.total == 8
    # Column totals and the grand total add up several sites: one hidden part hides them.
    assert table.column_totals[2] is None
    assert table.column_totals[6] is None
    assert table.column_totals[0] == 0
    assert table.total is None


def test_quarter_and_year_tables_bucket_by_paris_time(world, people, filed):
    """31 December 2024 at 23:30 in Paris (22:30 UTC) counts in 2024, Q4; quarters add up."""
    IncidentReportFactory(
        structure=world.nimes, reporter=people.reporter, occurred_at=at(2024, 12, 31, 23)
    )
    quarters = period_table(root=world.nimes, year=2025, period=Period.QUARTER, threshold=2)
    assert quarters.columns == ["T1", "T2", "T3", "T4"]
    assert by_name(quarters)["Accueil de Nîmes"].cells == [6, 0, 2, 0]
    years = period_table(root=world.nimes, year=2025, period=Period.YEAR, threshold=2)
    assert years.columns == ["2021", "2022", "2023", "2024", "2025"]
    assert by_name(years)["Accueil de Nîmes"].cells == [0, 0, 0, 2, 8]


def test_table_lists_every_site_of_the_subtree_even_without_reports(world, filed):
    """A site without reports is a row of zeros: being listed reveals nothing."""
    table = period_table(root=world.moselle, year=2025, period=Period.YEAR, threshold=5)
    assert [row.structure.name for row in table.rows] == ["Accueil de Metz"]
    assert table.rows[0].cells[-1] == 7
    empty = period_table(root=world.other_network, year=2025, period=Period.MONTH, threshold=5)
    assert [row.total for row in empty.rows] == [0]


def test_threshold_comes_from_the_setting(settings, world, filed):
    """INCIDENTS_MIN_CELL_SIZE sets the threshold: at 10, Metz' 7 is hidden too."""
    settings.INCIDENTS_MIN_CELL_SIZE = 10
    assert min_cell_size() == 10
    table = period_table(root=world.moselle, year=2025, period=Period.YEAR)
    assert table.threshold == 10
    assert table.rows[0].cells[-1] is None
    assert "entre 1 et 9" in table.rule


@pytest.mark.parametrize("value", [1, 0, "5"])
def test_a_bad_threshold_setting_is_refused(settings, value):
    """A threshold that is not an integer of at least 2 stops the statistics."""
    settings.INCIDENTS_MIN_CELL_SIZE = value
    with pytest.raises(ImproperlyConfigured):
        min_cell_size()


def test_site_statistics_breaks_down_a_year_with_the_secret(world, filed):
    """site_statistics(Nîmes, 2025): 8 reports; 7 verbal shown with 1 physical hidden, so the
    next smallest category (0s cannot help) is hidden too; JSON-ready."""
    stats = site_statistics(world.nimes, 2025, threshold=5)
    assert stats["site"]["name"] == "Accueil de Nîmes"
    assert stats["year"] == 2025
    assert stats["min_cell_size"] == 5
    assert stats["total"] == 8
    category = {row["key"]: row["count"] for row in stats["by_category"]}
    # verbal 7, physical 1: hiding physical alone would give 8 - 7 = 1 back; zeros add nothing,
    # so verbal is hidden too and the hidden sum (8) reaches the threshold.
    assert category["physical"] is None
    assert category["verbal"] is None
    assert category["defamation"] == 0
    gravity = {row["key"]: row["count"] for row in stats["by_gravity"]}
    assert gravity["serious_aggression"] is None
    assert next(row["label"] for row in stats["by_channel"]) == "Au guichet"
    json.dumps(stats)  # plain data for the yearly report


def test_site_statistics_hides_a_small_total(world, filed):
    """Alès has one report in 2025: the total and every non-zero count are hidden."""
    stats = site_statistics(world.ales, 2025, threshold=5)
    assert stats["total"] is None
    assert all(row["count"] in (0, None) for row in stats["by_gravity"])


def test_site_statistics_of_a_year_without_reports_is_zeros(world, filed):
    """A year without reports: every count is 0, nothing hidden."""
    stats = site_statistics(world.nimes, 2019, threshold=5)
    assert stats["total"] == 0
    assert {row["count"] for row in stats["by_channel"]} == {0}


def test_csv_export_has_counts_and_marks_but_no_personal_data(client, world, people, filed):
    """The CSV export carries the same secret (marked "s"), no narrative, no reporter, and is
    written to the audit log."""
    client.force_login(people.quality_manager)
    response = client.get(
        reverse("incidents:statistics_csv"),
        {"structure": world.gard.pk, "year": 2025, "period": "month"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][:3] == ["structure", "code_sp", "janv."]
    nimes = next(line for line in lines if line[0] == "Accueil de Nîmes")
    assert nimes[2 + 2] == "s"  # March, hidden as a complement
    assert nimes[-1] == "8"
    assert lines[-1][0] == "Total"
    assert lines[-1][-1] == "s"  # Alès' 1 is a part of it
    assert "Récit" not in body
    assert people.reporter.email not in body
    assert AuditLogEntry.objects.filter(
        action="incidents.statistics.exported", actor=people.quality_manager
    ).exists()


def test_statistics_page_states_the_rule(client, world, people, filed):
    """The statistics page states the secret rule with the threshold in force."""
    client.force_login(people.administrator)
    response = client.get(
        reverse("incidents:statistics"), {"structure": world.gard.pk, "year": 2025}
    )
    body = response.content.decode()
    assert "Secret statistique" in body
    assert "entre 1 et 4" in body
    assert "Récit" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "deux mille"}, "Écrivez une année sur 4 chiffres."),
        ({"period": "semaine"}, "Choisissez un découpage de la liste."),
    ],
)
def test_bad_statistics_query_answers_400_in_french(client, world, people, query, message):
    """A bad year or period is refused with a French message; the typed values stay."""
    client.force_login(people.officer)
    response = client.get(reverse("incidents:statistics"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_statistics_page_query_count_does_not_grow_with_sites(
    client, world, people, django_assert_max_num_queries
):
    """The statistics page costs a fixed number of queries whatever the number of sites."""
    from tests.structures.factories import StructureFactory

    for number in range(15):
        StructureFactory(kind="site", name=f"Accueil annexe {number}", parent=world.gard_service)
    client.force_login(people.officer)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("incidents:statistics"), {"structure": world.gard.pk, "year": 2025}
        )
    assert response.content.decode().count('<th scope="row">Accueil annexe') == 15
