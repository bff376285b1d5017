"""The quality managers' dashboard: figures against hand-counted fixtures, permissions per
subtree, filter validation, CSV export, and a query count independent of the rows."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Feedback, ZeroResultSearch
from bonnefoi.cases.models import Outcome
from bonnefoi.observatory import refresh
from bonnefoi.observatory.forms import default_dates
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.advice.factories import EntryFactory, LifeEventFactory, ProcedureFactory
from tests.cases.factories import agent_in
from tests.observatory.factories import case_row, local
from tests.structures.conftest import build_tree
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

URL = reverse("observatory:dashboard")
CSV_URL = reverse("observatory:dashboard_csv")
SPAN = {"granularity": "mois", "date_from": "2026-03-01", "date_to": "2026-05-31"}
D = dt.date


@dataclass
class Data:
    tree: object
    alloc: object
    prime: object
    income: object
    address: object
    life_event: object


def _vote(entry, day, useful, n):
    for _ in range(n):
        vote = Feedback.objects.create(entry=entry, version_number=1, useful=useful)
        Feedback.objects.filter(pk=vote.pk).update(created_on=day)


def _search(query, owner, day, n):
    for _ in range(n):
        row = ZeroResultSearch.objects.create(query=query, owner=owner)
        ZeroResultSearch.objects.filter(pk=row.pk).update(searched_on=day)


@pytest.fixture
def data():
    """Gard: 5 cases (hand-counted below); Moselle: 7; Urssaf: 1."""
    tree = build_tree()
    alloc = ProcedureFactory(title="Aide au logement")
    prime = ProcedureFactory(title="Prime d'activité")
    life_event = LifeEventFactory(title="Je déménage")
    income = EntryFactory(title="J'oublie de déclarer un revenu")
    address = EntryFactory(
        title="Je ne signale pas mon changement d'adresse", life_events=[life_event]
    )
    nimes, ales = tree.nimes, tree.ales
    case_row(
        structure=nimes,
        procedure=alloc,
        submitted=local(D(2026, 3, 10)),
        entry=income,
        decided=local(D(2026, 3, 20)),
        sanction=Decimal("100.00"),
    )
    case_row(
        structure=nimes,
        procedure=alloc,
        submitted=local(D(2026, 3, 12)),
        entry=income,
        decided=local(D(2026, 4, 1)),
        outcome=Outcome.BAD_FAITH,
    )
    case_row(
        structure=ales,
        procedure=prime,
        submitted=local(D(2026, 4, 5)),
        entry=address,
        decided=local(D(2026, 4, 9)),
        sanction=Decimal("50.00"),
    )
    case_row(structure=ales, procedure=alloc, submitted=local(D(2026, 4, 6)), entry=income)
    case_row(structure=nimes, procedure=prime, submitted=local(D(2026, 5, 3)))
    for day in range(1, 8):
        case_row(
            structure=tree.metz, procedure=alloc, submitted=local(D(2026, 3, day)), entry=address
        )
    case_row(structure=tree.other_site, procedure=alloc, submitted=local(D(2026, 4, 2)))
    _vote(income, D(2026, 4, 3), True, 3)
    _vote(income, D(2026, 4, 3), False, 2)
    _search("cheque energie", tree.gard, D(2026, 4, 8), 3)
    _search("prime naissance", tree.gard, D(2026, 5, 8), 1)
    _search("secret de la moselle", tree.moselle, D(2026, 4, 8), 5)
    refresh.rebuild(full=True)
    return Data(tree, alloc, prime, income, address, life_event)  # fmt: skip


def _manager(structure):
    return agent_in(structure, Role.QUALITY_MANAGER)


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _csv(client, user, **params):
    client.force_login(user)
    response = client.get(CSV_URL, params)
    assert response.status_code == 200, response.content
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return response, list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_key_figures_of_the_subtree(client, data):
    """The tiles show the Gard's hand-counted totals: 5 received, 4 tagged, 3 decided, 2
    granted (66,7 %), 2 sanctions waived for 150 €, median delay 10 days (4, 10, 20)."""
    response = _get(client, _manager(data.tree.gard), **SPAN)
    assert response.status_code == 200
    ctx = response.context
    totals = ctx["totals"]
    assert (totals.received, totals.tagged, totals.decided, totals.granted) == (5, 4, 3, 2)
    assert totals.granted_share == Decimal("66.7")
    assert (totals.waived, totals.waived_amount) == (2, Decimal("150.00"))
    assert (ctx["delay"].decisions, ctx["delay"].median_days) == (3, 10)
    html = response.content.decode()
    assert "66,7 %" in html
    assert "150,00 €" in html
    assert "10 j" in html
    assert "Observatoire des erreurs — CAF du Gard" in " ".join(html.split())


def test_trend_has_every_month_with_zeros(client, data):
    """March: 2 received, 1 decided and granted; April: 2 received, 2 decided, 1 granted;
    May: 1 received, nothing decided; the chart and its table follow each other."""
    response = _get(client, _manager(data.tree.gard), **SPAN)
    rows = [
        (r["label"], r["totals"].received, r["totals"].tagged, r["totals"].decided,
         r["totals"].granted)
        for r in response.context["trend"]
    ]  # fmt: skip
    assert rows == [
        ("mars 2026", 2, 2, 1, 1),
        ("avril 2026", 2, 2, 2, 1),
        ("mai 2026", 1, 0, 0, 0),
    ]
    html = response.content.decode()
    assert html.index('id="graphique-evolution-titre"') < html.index('id="tableau-evolution"')
    assert 'role="img"' in html
    assert "<caption>Dossiers reçus et décisions, par mois" in html


def test_ranking_with_signals(client, data):
    """The revenue error leads (3 cases, 1 of 2 decisions granted, 3 useful and 2 not useful
    votes), then the address error (1 case, granted): Moselle's 7 never count."""
    response = _get(client, _manager(data.tree.gard), **SPAN)
    rows = [
        (r["item"].title, r["item"].received, r["share_granted"], r["item"].useful,
         r["item"].not_useful)
        for r in response.context["ranking"]
    ]  # fmt: skip
    assert rows == [
        ("J'oublie de déclarer un revenu", 3, Decimal("50.0"), 3, 2),
        ("Je ne signale pas mon changement d'adresse", 1, Decimal("100.0"), 0, 0),
    ]
    html = response.content.decode()
    assert 'id="graphique-erreurs-titre"' in html
    link = reverse("observatory:entry", args=[data.income.slug]) + f"?perimetre={data.tree.gard.pk}"
    assert response.context["ranking"][0]["link"] == link
    assert f'href="{link}"' in html


def test_breakdowns_per_procedure_and_structure(client, data):
    """Per procedure: housing aid 3 received (2 decided, 1 granted), activity bonus 2 (1, 1);
    per child of the Gard's service: Alès 2, Nîmes 3, each linked to re-scope the page."""
    manager = _manager(data.tree.gard)
    response = _get(client, manager, **SPAN)
    procedures = [
        (r["title"], r["received"], r["decided"], r["granted"])
        for r in response.context["procedures"]
    ]
    assert procedures == [("Aide au logement", 3, 2, 1), ("Prime d'activité", 2, 1, 1)]
    children = [(r["structure"].name, r["totals"].received) for r in response.context["structures"]]
    assert children == [("Service relation allocataires", 5)]
    service = data.tree.gard_service
    assert f"?scope={service.pk}&amp;granularity=mois" in response.content.decode()
    response = _get(client, manager, scope=service.pk, **SPAN)
    children = [
        (r["structure"].name, r["totals"].received, r["totals"].decided)
        for r in response.context["structures"]
    ]
    assert children == [("Accueil d'Alès", 2, 1), ("Accueil de Nîmes", 3, 2)]


def test_search_gaps_of_the_scope(client, data):
    """The Gard's 4 searches without result, most frequent first; Moselle's never show."""
    response = _get(client, _manager(data.tree.gard), **SPAN)
    assert response.context["gaps_total"] == 4
    assert [(g["query"], g["searches"]) for g in response.context["gaps"]] == [
        ("cheque energie", 3),
        ("prime naissance", 1),
    ]
    assert "secret de la moselle" not in response.content.decode()


def test_filters_narrow_the_cases(client, data):
    """Filtering on a procedure, a life event or an entry narrows the counted cases."""
    manager = _manager(data.tree.gard)
    by_procedure = _get(client, manager, procedure=data.prime.pk, **SPAN).context["totals"]
    assert (by_procedure.received, by_procedure.decided) == (2, 1)
    by_event = _get(client, manager, life_event=data.life_event.pk, **SPAN).context["totals"]
    assert by_event.received == 1
    by_entry = _get(client, manager, entry=data.income.pk, **SPAN)
    assert by_entry.context["totals"].received == 3
    assert by_entry.context["filtered"] is True


def test_quarter_granularity(client, data):
    """By quarter, March falls in Q1 and April–May in Q2; the covered days are whole quarters."""
    response = _get(client, _manager(data.tree.gard), **{**SPAN, "granularity": "trimestre"})
    rows = [(r["label"], r["totals"].received) for r in response.context["trend"]]
    assert rows == [("T1 2026", 2), ("T2 2026", 3)]
    assert response.context["choice"].first_day == D(2026, 1, 1)
    assert response.context["choice"].last_day == D(2026, 6, 30)


def test_defaults(client, data):
    """Without parameters: the user's topmost scope, by month, the last 12 complete months."""
    manager = _manager(data.tree.gard_service)
    MembershipFactory(user=manager, structure=data.tree.gard, role=Role.QUALITY_MANAGER)
    response = _get(client, manager)
    assert response.status_code == 200
    choice = response.context["choice"]
    first, last = default_dates(dt.date.today())
    assert choice.scope == data.tree.gard
    assert choice.span.period == "month"
    assert (choice.first_day, choice.last_day) == (first, last)
    assert first.day == 1
    assert last + dt.timedelta(days=1) == dt.date.today().replace(day=1)


def test_default_dates_are_twelve_complete_months():
    """From 15 March 2026: March 2025 to February 2026 (inclusive)."""
    assert default_dates(D(2026, 3, 15)) == (D(2025, 3, 1), D(2026, 2, 28))
    assert default_dates(D(2026, 1, 1)) == (D(2025, 1, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-05-01", "date_to": "2026-03-01"},
         "La date de fin doit être après la date de début."),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"},
         "Choisissez une période de 5 ans au plus"),
        ({"date_from": "31/02/2026"}, "Écrivez une date de début valide"),
        ({"granularity": "jour"}, "Choisissez un découpage : semaine, mois ou trimestre."),
        ({"procedure": "999999"}, "Choisissez une démarche de la liste."),
        ({"scope": "abc"}, "Choisissez un périmètre de la liste."),
    ],
)  # fmt: skip
def test_invalid_filters_are_refused_in_french(client, data, params, message):
    """A wrong filter answers 400 with the French error summary and keeps the typed dates (a
    list cannot show a value that is not one of its options)."""
    response = _get(client, _manager(data.tree.gard), **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "corrigez les filtres suivants" in html
    assert message.replace("'", "&#x27;") in html
    for name in ("date_from", "date_to"):
        if name in params:
            assert f'value="{params[name]}"' in html
    assert "Chiffres clés" not in html


def test_manager_of_another_administration_is_refused(client, data):
    """The Moselle's manager gets a 404 for the Gard (and Nîmes) and never sees its figures;
    the national view is refused with a French 403 page."""
    manager = _manager(data.tree.moselle)
    assert _get(client, manager, scope=data.tree.gard.pk, **SPAN).status_code == 404
    assert _get(client, manager, scope=data.tree.nimes.pk, **SPAN).status_code == 404
    assert _get(client, manager, scope=999999, **SPAN).status_code == 404
    national = _get(client, manager, scope="france", **SPAN)
    assert national.status_code == 403
    assert "Vue nationale réservée" in national.content.decode()
    own = _get(client, manager, **SPAN)
    assert own.context["totals"].received == 7
    html = own.content.decode()
    assert "CAF du Gard" not in html
    assert "Accueil de Nîmes" not in html
    assert "cheque energie" not in html
    client.force_login(manager)
    assert client.get(CSV_URL, {"scope": data.tree.gard.pk, **SPAN}).status_code == 404


def test_agent_without_role_is_refused(client, data):
    """A plain agent gets the French 403 page, for the page and the CSV, and no menu entry."""
    agent = agent_in(data.tree.nimes)
    response = _get(client, agent, **SPAN)
    assert response.status_code == 403
    assert "Observatoire réservé aux responsables qualité" in response.content.decode()
    assert client.get(CSV_URL, SPAN).status_code == 403
    assert (
        ">Observatoire</a>"
        not in client.get(reverse("structures:backoffice_home")).content.decode()
    )


def test_menu_entry_for_quality_managers(client, data):
    """The back-office menu links to the observatory for a quality manager."""
    client.force_login(_manager(data.tree.gard))
    html = client.get(reverse("structures:backoffice_home")).content.decode()
    assert f'href="{URL}"' in html


def test_superuser_sees_the_whole_country(client, data):
    """A superuser lands on « Toute la France »: 13 cases, one line per root network (the
    entries' owner networks have none)."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    response = _get(client, admin, **SPAN)
    assert response.status_code == 200
    assert response.context["choice"].scope is None
    assert response.context["totals"].received == 13
    networks = [(r["structure"].name, r["totals"].received) for r in response.context["structures"]]
    assert [row for row in networks if row[1]] == [("Réseau CAF", 12), ("Réseau Urssaf", 1)]
    assert "Toute la France" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    """The dashboard requires logging in."""
    response = client.get(URL)
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_csv_trend(client, data):
    """The trend CSV: semicolons, BOM, one row per month with the hand-counted figures, and
    a filename naming the scope and the days covered."""
    response, rows = _csv(client, _manager(data.tree.gard), **SPAN)
    gard = data.tree.gard
    assert response["Content-Disposition"] == (
        f'attachment; filename="observatoire-caf-du-gard-{gard.pk}-trend-20260301-20260531.csv"'
    )
    assert rows[0] == ["periode", "debut", "fin", "recus", "avec_erreur_frequente", "decides",
                       "accordes", "sanctions_ecartees"]  # fmt: skip
    assert rows[1:] == [
        ["mars 2026", "2026-03-01", "2026-03-31", "2", "2", "1", "1", "1"],
        ["avril 2026", "2026-04-01", "2026-04-30", "2", "2", "2", "1", "1"],
        ["mai 2026", "2026-05-01", "2026-05-31", "1", "0", "0", "0", "0"],
    ]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("ranking", [
            ["1", "J'oublie de déclarer un revenu", "*", "3", "2", "1", "50,0", "3", "2"],
            ["2", "Je ne signale pas mon changement d'adresse", "*", "1", "1", "1", "100,0", "0",
             "0"],
        ]),
        ("procedures", [
            ["Aide au logement", "3", "2", "1", "50,0"],
            ["Prime d'activité", "2", "1", "1", "100,0"],
        ]),
        ("structures", [["Service relation allocataires", "*", "5", "4", "3", "2", "66,7", "2"]]),
        ("searches", [["cheque energie", "3"], ["prime naissance", "1"], ["Total", "4"]]),
    ],
)  # fmt: skip
def test_csv_tables(client, data, table, expected):
    """Each table of the dashboard exports with the same figures (decimal comma)."""
    _, rows = _csv(client, _manager(data.tree.gard), table=table, **SPAN)
    body = [[cell if want != "*" else "*" for cell, want in zip(row, exp, strict=False)]
            for row, exp in zip(rows[1:], expected, strict=False)]  # fmt: skip
    assert body == expected
    assert len(rows) == len(expected) + 1


def test_csv_refuses_bad_filters_and_tables(client, data):
    """A wrong table or date answers 400 with a French plain-text message."""
    client.force_login(_manager(data.tree.gard))
    response = client.get(CSV_URL, {"table": "tout", **SPAN})
    assert response.status_code == 400
    assert "Choisissez un tableau" in response.content.decode()
    response = client.get(CSV_URL, {**SPAN, "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "La date de fin doit être après la date de début." in response.content.decode()


def test_csv_neutralises_formulas(client, data):
    """A search query starting like a formula is written with a leading apostrophe."""
    _search("=hyperlink(x)", data.tree.gard, D(2026, 4, 9), 1)
    refresh.rebuild(full=True)
    _, rows = _csv(client, _manager(data.tree.gard), table="searches", **SPAN)
    assert ["'=hyperlink(x)", "1"] in rows


def _grow(data, n):
    """n more sites under the Gard's service, each with a new error and its cases."""
    for i in range(n):
        site = StructureFactory(kind="site", name=f"Accueil {i}", parent=data.tree.gard_service)
        entry = EntryFactory()
        for day in (3, 4):
            case_row(structure=site, procedure=ProcedureFactory(), entry=entry,
                     submitted=local(D(2026, 4, day)), decided=local(D(2026, 4, day + 2)))  # fmt: skip
        _search(f"recherche {i}", data.tree.gard, D(2026, 4, 8), 1)
    refresh.rebuild(full=True)


def test_query_count_does_not_grow_with_rows(client, data):
    """The dashboard runs the same number of queries with 5 or 20 more errors, sites and
    procedures: it reads the aggregate tables with a fixed set of queries."""
    manager = _manager(data.tree.gard)
    client.force_login(manager)
    params = {"scope": data.tree.gard_service.pk, **SPAN}
    _grow(data, 5)
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, params).status_code == 200
    _grow(data, 15)
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL, params)
    assert len(response.context["structures"]) == 22
    assert len(after) == len(before) <= 30, [q["sql"] for q in after.captured_queries]


def test_svg_coordinates_are_not_localised(client, data):
    """Chart coordinates are written with a decimal point (the French locale would write a
    comma and break the drawing)."""
    response = _get(client, _manager(data.tree.gard), **SPAN)
    bar = response.context["ranking_chart"]["chart"].bars[1]
    assert bar.width != int(bar.width)
    html = response.content.decode()
    assert f'width="{bar.width}"' in html
    assert "," not in bar_attribute(html, "graphique-erreurs")


def bar_attribute(html: str, chart_id: str) -> str:
    """The `points`/`x`/`y`/`width` attribute values of one chart's SVG."""
    import re

    start = html.index(f'aria-labelledby="{chart_id}-titre')
    svg = html[start : html.index("</svg>", start)]
    return " ".join(re.findall(r' (?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg))
