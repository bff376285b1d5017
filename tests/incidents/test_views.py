"""Pages of the compartment: the report form (server validation, French errors, nothing typed
lost), the report page and its follow-up forms, list query counts, public pages."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnefoi.incidents.models import EventKind, IncidentReport, Status
from tests.incidents.factories import IncidentReportFactory

pytestmark = pytest.mark.django_db

NEW = reverse("incidents:new")


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(world, **overrides):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "structure": world.nimes.pk,
        "occurred_on": yesterday.isoformat(),
        "occurred_time": "10:30",
        "channel": "counter",
        "gravity": "threat",
        "category": "verbal",
        "narrative": "L'usager a menacé de revenir « régler ça » après la fermeture.",
        "author_kind": "identified_user",
        "author_details": "Dossier 1234",
        "witnesses": "Une collègue de l'accueil",
        "consequences": ["service_interruption"],
        "measures": ["security_called"],
    }
    data.update(overrides)
    return data


def test_report_form_offers_the_sites_of_the_agent(client, world, people):
    """The form proposes the agent's own site first and only structures of their scope."""
    client.force_login(people.reporter)
    body = text(client.get(NEW))
    assert f'<option value="{world.nimes.pk}" selected>' in body
    assert "Accueil de Metz" not in body
    assert "Menaces ou intimidation" in body


def test_valid_report_is_saved_and_opens_its_page(client, world, people):
    """A valid report is saved with every field, then its page opens with a confirmation."""
    client.force_login(people.reporter)
    response = client.post(NEW, form_data(world))
    report = IncidentReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[report.pk])
    assert report.reporter == people.reporter
    assert report.structure == world.nimes
    assert timezone.localtime(report.occurred_at).strftime("%H:%M") == "10:30"
    assert report.service_interruption
    assert report.security_called
    assert not report.injury
    assert not report.police_called
    assert report.witnesses == "Une collègue de l'accueil"
    page = text(client.get(response["Location"]))
    assert "Signalement enregistré" in page
    assert report.narrative in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"narrative": ""}, "Ce champ est obligatoire."),
        ({"gravity": ""}, "Choisissez le niveau de gravité."),
        ({"gravity": "apocalypse"}, "Choisissez le niveau de gravité."),
        ({"channel": ""}, "Choisissez le canal où les faits ont eu lieu."),
        ({"occurred_on": "31/02/2026"}, "Écrivez une date valide"),
        ({"occurred_time": "25:99"}, "Écrivez une heure valide"),
        ({"consequences": ["fire"]}, "Choisissez parmi les conséquences proposées."),
        ({"structure": "999999"}, "Choisissez un site de la liste"),
        (
            {"occurred_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
            "Les faits ne peuvent pas être dans le futur.",
        ),
    ],
)
def test_refused_report_answers_400_in_french_and_keeps_the_input(
    client, world, people, overrides, message
):
    """A refused report answers 400 with a French message, and every typed text comes back."""
    client.force_login(people.reporter)
    data = form_data(world, **overrides)
    response = client.post(NEW, data)
    assert response.status_code == 400
    body = text(response)
    assert "Le signalement n'est pas enregistré" in body
    assert message in body
    assert "Dossier 1234" in body
    assert "Une collègue de l'accueil" in body
    if data["narrative"]:
        assert data["narrative"] in body
    if "consequences" not in overrides:
        assert re.search(r'value="service_interruption"\s+checked', response.content.decode())
    assert not IncidentReport.objects.exists()


def test_site_outside_the_scope_is_refused(client, world, people):
    """An agent of Nîmes cannot file a report for Metz (another administration)."""
    client.force_login(people.reporter)
    response = client.post(NEW, form_data(world, structure=world.metz.pk))
    assert response.status_code == 400
    assert not IncidentReport.objects.exists()


def test_report_page_shows_timeline_and_legal_references(client, report, people):
    """The officer's page shows the timeline, the next steps and legal references with their
    Légifrance link; references flagged [M] in the brief read "à vérifier"."""
    client.force_login(people.officer)
    body = text(client.get(reverse("incidents:detail", args=[report.pk])))
    assert "Signalement reçu" in body
    assert "Prendre en compte" in body
    assert "Clore et répondre" not in body  # not before the acknowledgement
    assert "https://www.modernisation.gouv.fr/" in body
    assert "à vérifier" in body


def test_follow_up_through_the_pages_until_closure(client, report, people):
    """An officer acknowledges, offers support, closes with an answer; the reporter then reads
    the answer on their report."""
    client.force_login(people.officer)
    day = timezone.localdate().isoformat()
    step = lambda slug, data: client.post(  # noqa: E731
        reverse("incidents:step", args=[report.pk, slug]),
        {f"{slug}-{key}": value for key, value in data.items()},
    )
    assert step("prise-en-compte", {"happened_on": day}).status_code == 302
    assert step("soutien", {"detail": "medical", "happened_on": day}).status_code == 302
    response = step("cloture", {"answer": "Nous avons porté plainte avec vous et reçu l'usager."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    client.force_login(people.reporter)
    body = text(client.get(reverse("incidents:detail", args=[report.pk])))
    assert "Réponse à l'agent" in body
    assert "Nous avons porté plainte avec vous" in body
    assert "prise en charge médicale" in body


def test_refused_step_answers_400_and_keeps_the_input(client, report, people):
    """A step with a bad date answers 400 on the report page, with the typed note kept."""
    client.force_login(people.officer)
    response = client.post(
        reverse("incidents:step", args=[report.pk, "prise-en-compte"]),
        {"prise-en-compte-happened_on": "demain", "prise-en-compte-note": "Appel à l'agent fait."},
    )
    assert response.status_code == 400
    body = text(response)
    assert "Cette étape n'est pas enregistrée" in body
    assert "Écrivez une date valide" in body
    assert "Appel à l'agent fait." in body
    report.refresh_from_db()
    assert report.status == Status.REPORTED


def test_state_refusal_from_the_service_is_shown_on_the_form(client, report, people):
    """A date before the facts passes the form but not the service: 400 with its message."""
    client.force_login(people.officer)
    before = (report.occurred_at - dt.timedelta(days=5)).date().isoformat()
    response = client.post(
        reverse("incidents:step", args=[report.pk, "prise-en-compte"]),
        {"prise-en-compte-happened_on": before},
    )
    assert response.status_code == 400
    assert "Cette date précède les faits signalés." in text(response)


def test_unknown_step_goes_back_to_the_report(client, report, people):
    """An unknown step name changes nothing and leads back to the report."""
    client.force_login(people.officer)
    response = client.post(reverse("incidents:step", args=[report.pk, "effacer"]))
    assert response.status_code == 302
    assert report.events.exclude(kind=EventKind.REPORTED).count() == 0


def test_list_page_query_count_does_not_grow_with_reports(
    client, world, people, django_assert_max_num_queries
):
    """The list costs a fixed number of queries whatever the number of reports."""
    for _ in range(12):
        IncidentReportFactory(structure=world.nimes, reporter=people.reporter)
    client.force_login(people.officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incidents:list"))
    assert response.content.decode().count("/espace-agent/incivilites/") >= 12


@pytest.mark.parametrize("path", ["/", "/conseils/", "/plan-du-site/", "/droit-a-l-erreur/regles"])
def test_public_pages_never_show_a_narrative(client, report, path):
    """No public page shows a report's narrative."""
    response = client.get(path)
    assert response.status_code == 200
    assert report.narrative not in response.content.decode()
