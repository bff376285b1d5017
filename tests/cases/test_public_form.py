"""« Signaler une erreur »: the step-by-step declaration without an account or JavaScript.

Each step is checked on the server with French messages; what was typed is saved in the
server-side draft before it is judged and is shown again; the draft survives a lost cookie
(resume link), a flushed session and going back; sending twice makes one case."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bonnefoi.cases import services
from bonnefoi.cases.models import Case, Draft
from bonnefoi.cases.views.public import COOKIE
from tests.cases.factories import past, world

pytestmark = pytest.mark.django_db


def url(step: str) -> str:
    return reverse("cases:step", args=[step])


def iso(days_ago: int) -> str:
    return past(days_ago).isoformat()


@pytest.fixture
def w():
    return world()


@pytest.fixture
def answers(w):
    """Valid answers, step by step."""
    return {
        "demarche": {"procedure": w.procedure.slug, "postal_code": "30900"},
        "declaration": {
            "declared_value": "J'ai déclaré 1 800 € de salaire.",
            "declared_on": iso(40),
            "correct_value": "Mon salaire était de 2 100 € avec la prime.",
            "correct_since": iso(40),
        },
        "demande": {"administration_asked": "no"},
        "identifiant": {"identifier_kind": "caf_allocataire", "identifier": "1234567"},
        "pieces": {},
        "contact": {"contact_email": "personne@exemple.test", "consent": "on"},
    }


def fill(client, answers, *, until: str | None = None):
    """Post every step's valid answers in order (stops before `until`)."""
    for step, data in answers.items():
        if step == until:
            return
        response = client.post(url(step), data)
        assert response.status_code == 302, (step, response.content.decode()[:2000])


def draft_of(client) -> Draft:
    return services.draft_for(client.cookies[COOKIE].value, create=False)


# --- the whole path -------------------------------------------------------------------------


def test_a_person_declares_step_by_step_and_gets_a_reference(
    client, w, answers, django_capture_on_commit_callbacks
):
    """Six steps, a review page naming the receiving administration with « Modifier » links,
    then one case, a confirmation page with the reference and the tracking link, and the
    e-mail receipt."""
    fill(client, answers)
    review = client.get(url("verifier"))
    assert review.status_code == 200
    page = review.content.decode()
    assert "Vérifier et envoyer" in page
    assert "CAF du Gard" in page  # the structure chosen by routing, before sending
    assert page.count("Modifier") >= 6
    assert f"{url('declaration')}?retour=verifier" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("verifier"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "cases:submitted", args=[case.reference, services.tracking_secret(case)]
    )
    assert case.structure == w.gard
    assert case.identifier == "1234567"
    assert case.declared_on == past(40)
    confirmation = client.get(response["Location"]).content.decode()
    assert case.reference in confirmation
    assert reverse("cases:track", args=[case.reference, services.tracking_secret(case)]) in (
        confirmation
    )
    assert "legifrance.gouv.fr" in confirmation
    assert "reste dû" in confirmation
    assert "devoir de signaler" in confirmation.lower()
    assert len(mail.outbox) == 1
    assert case.reference in mail.outbox[0].subject


def test_sending_twice_makes_one_case(client, answers, django_capture_on_commit_callbacks):
    """A double click (two POSTs of the review page) makes one case and one receipt; both
    answers lead to the same confirmation."""
    fill(client, answers)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("verifier"))
        second = client.post(url("verifier"))
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert len(mail.outbox) == 1


def test_review_refuses_to_send_an_incomplete_declaration(client, answers):
    """Sending with a step missing answers 400, names what is missing, and creates nothing."""
    fill(client, answers, until="contact")
    response = client.post(url("verifier"))
    assert response.status_code == 400
    assert "Indiquez votre adresse électronique." in response.content.decode()
    assert Case.objects.count() == 0


def test_after_sending_the_form_starts_a_new_declaration(client, answers):
    """Once sent, coming back to the form starts an empty declaration (new secret)."""
    fill(client, answers)
    client.post(url("verifier"))
    sent_secret = client.cookies[COOKIE].value
    page = client.get(url("declaration")).content.decode()
    assert escape(answers["declaration"]["declared_value"]) not in page
    assert client.cookies[COOKIE].value != sent_secret


# --- each step's checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("demarche", {"procedure": ""}, "Choisissez la démarche concernée"),
        ("demarche", {"procedure": "inconnue", "postal_code": "30900"}, "Cette démarche n'existe"),
        ("demarche", {"postal_code": "00123"}, "Ce code postal n'existe pas"),
        ("declaration", {"declared_on": "2099-01-01"}, "ne peut pas être dans le futur"),
        ("declaration", {"declared_on": "31/02/2025"}, "Écrivez une date valide"),
        ("declaration", {"correct_value": ""}, "Décrivez ce qui est exact."),
        ("demande", {"administration_asked": ""}, "Répondez par oui ou par non."),
        ("demande", {"administration_asked": "yes"}, "Indiquez la date du courrier"),
        (
            "demande",
            {"administration_asked": "yes", "letter_date": iso(5), "letter_deadline": iso(10)},
            "Le délai ne peut pas finir avant la date du courrier.",
        ),
        ("demande", {"administration_asked": "no", "letter_date": iso(5)}, "Vous indiquez un"),
        ("identifiant", {"identifier_kind": "", "identifier": "123"}, "Précisez de quel"),
        (
            "identifiant",
            {"identifier_kind": "nir", "identifier": "1 85 05 78 006 084 99"},
            "Numéro de sécurité sociale invalide",
        ),
        ("identifiant", {"identifier_kind": "siret", "identifier": "123"}, "SIRET invalide"),
        ("contact", {"contact_email": "pas-une-adresse", "consent": "on"}, "Adresse électronique"),
        ("contact", {"consent": ""}, "Cochez la case"),
    ],
)
def test_each_step_refuses_bad_answers_in_french_and_keeps_them(
    client, w, answers, step, data, message
):
    """A refused step answers 400 with the French message, shows the typed values again, and
    has saved them in the draft anyway."""
    typed = {**answers[step], **data}
    response = client.post(url(step), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page or message in page
    saved = draft_of(client).data
    for name, value in data.items():
        assert saved[name] == value
        if value and name not in ("procedure", "administration_asked", "consent"):
            assert f'value="{value}"' in page or f">{value}</textarea>" in page, name


def test_identifier_step_is_optional(client):
    """« Je ne le connais pas » with no value passes the step."""
    response = client.post(url("identifiant"), {"identifier_kind": "", "identifier": ""})
    assert response.status_code == 302
    assert response["Location"] == url("pieces")


def test_procedure_search_ignores_accents_and_finds_owners(client, w):
    """The search matches words without accents in titles and in the owners' names, keeps the
    typed postal code, and lists each procedure with its administrations."""
    response = client.post(
        url("demarche"),
        {"q": "trimestrielles ressources", "postal_code": "309", "action": "search"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert w.procedure.title in page
    assert "Caisses d&#x27;allocations familiales" in page
    assert 'value="309"' in page  # typed before searching: kept
    client.post(url("demarche"), {"q": "allocations", "action": "search"})
    assert w.procedure.slug in client.get(url("demarche")).content.decode()
    client.post(url("demarche"), {"q": "douane", "action": "search"})
    assert "Aucune démarche ne correspond" in client.get(url("demarche")).content.decode()


def test_the_receiving_structure_is_shown_once_the_first_step_is_valid(client, answers, w):
    """The next step names the structure chosen from the procedure and the postal code."""
    client.post(url("demarche"), {**answers["demarche"], "postal_code": "57000"})
    page = client.get(url("declaration")).content.decode()
    assert "Votre déclaration sera transmise à" in page
    assert w.moselle.name in page


def test_edit_from_review_goes_back_to_review(client, answers):
    """A « Modifier » link leads back to the review page once the step is saved."""
    fill(client, answers)
    response = client.post(f"{url('demande')}?retour=verifier", answers["demande"])
    assert response["Location"] == url("verifier")


# --- nothing typed is lost ----------------------------------------------------------------


def test_cookie_is_long_lived_http_only_and_lax(client, answers, settings):
    """The draft's secret is in its own HttpOnly, SameSite=Lax cookie that outlives the
    session, never in the session."""
    client.post(url("demarche"), answers["demarche"])
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.CASE_DRAFT_RETENTION_DAYS * 24 * 3600
    assert cookie.value not in str(dict(client.session))


def test_a_flushed_session_loses_nothing(client, answers):
    """Answers typed before the session ends are still there afterwards."""
    fill(client, answers, until="demande")
    client.session.flush()
    client.cookies.pop("sessionid", None)
    page = client.get(url("declaration")).content.decode()
    assert escape(answers["declaration"]["declared_value"]) in page


def test_the_resume_link_brings_the_draft_to_another_device(client, answers):
    """The resume link shown on each step opens the same draft from a browser without the
    cookie: the answers come back and the cookie is set there."""
    from django.test import Client

    fill(client, answers, until="demande")
    page = client.get(url("demande")).content.decode()
    secret = client.cookies[COOKIE].value
    resume = reverse("cases:resume", args=[secret])
    assert resume in page
    other = Client()
    landing = other.get(resume)
    assert landing.status_code == 200
    assert url("declaration") in landing.content.decode()  # the last step saved
    assert other.cookies[COOKIE].value == secret
    page = other.get(url("declaration")).content.decode()
    assert escape(answers["declaration"]["correct_value"]) in page


def test_an_unknown_resume_link_is_a_404(client):
    """A resume link that opens no draft says so (404) and offers to start again."""
    response = client.get(reverse("cases:resume", args=["x" * 43]))
    assert response.status_code == 404
    assert "ne correspond à aucune déclaration" in response.content.decode()


def test_going_back_keeps_the_answers_even_unchecked(client, answers):
    """« Précédent » saves what was typed on the step (even invalid) and shows it again."""
    fill(client, answers, until="declaration")
    typed = {**answers["declaration"], "declared_on": "pas une date", "action": "previous"}
    response = client.post(url("declaration"), typed)
    assert response.status_code == 302
    assert response["Location"] == url("demarche")
    page = client.get(url("declaration")).content.decode()
    assert 'value="pas une date"' in page
    assert escape(answers["declaration"]["declared_value"]) in page


def test_a_submitted_resume_link_does_not_reopen_the_form(client, answers):
    """The resume link of a sent declaration gives its reference, not the tracking link."""
    fill(client, answers)
    client.post(url("verifier"))
    case = Case.objects.get()
    page = client.get(reverse("cases:resume", args=[client.cookies[COOKIE].value]))
    body = page.content.decode()
    assert case.reference in body
    assert services.tracking_secret(case) not in body


def test_drafts_only_exist_once_something_is_typed(client):
    """Visiting the steps stores nothing; the first POST creates the draft."""
    client.get(url("demarche"))
    client.get(url("verifier"))
    assert Draft.objects.count() == 0
    client.post(url("demarche"), {"postal_code": "30"})
    assert Draft.objects.count() == 1


# --- « J'ai perdu mon lien » ---------------------------------------------------------------


@pytest.fixture
def sent_case(w):
    from tests.cases.factories import submit

    return submit(w.procedure, contact_email="Personne@Exemple.test")


def test_lost_link_sends_a_new_link_and_revokes_the_old_one(client, sent_case):
    """Matching reference and e-mail (case and dashes ignored): a new link is e-mailed and
    the old one stops working."""
    old = reverse("cases:track", args=[sent_case.reference, services.tracking_secret(sent_case)])
    reference = sent_case.reference.lower().replace("-", " ")
    response = client.post(
        reverse("cases:lost_link"),
        {"reference": reference, "contact_email": "personne@exemple.test"},
    )
    assert response.status_code == 200
    assert "Demande reçue" in response.content.decode()
    sent_case.refresh_from_db()
    new = reverse("cases:track", args=[sent_case.reference, services.tracking_secret(sent_case)])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Personne@Exemple.test"]
    assert new in mail.outbox[0].body
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"reference": "BF-0000-0000", "contact_email": "personne@exemple.test"},
        {"reference": "REFERENCE", "contact_email": "autre@exemple.test"},
    ],
)
def test_lost_link_answers_the_same_when_nothing_matches(client, sent_case, data):
    """An unknown reference or another address: the same page, no e-mail, link unchanged."""
    if data["reference"] == "REFERENCE":
        data = {**data, "reference": sent_case.reference}
    before = services.tracking_secret(sent_case)
    response = client.post(reverse("cases:lost_link"), data)
    assert response.status_code == 200
    assert "Demande reçue" in response.content.decode()
    assert mail.outbox == []
    sent_case.refresh_from_db()
    assert services.tracking_secret(sent_case) == before


def test_lost_link_checks_its_fields(client):
    """A malformed reference or address is refused in French (400)."""
    response = client.post(reverse("cases:lost_link"), {"reference": "12", "contact_email": "non"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Référence invalide" in page
    assert "Adresse électronique invalide" in page


def test_lost_link_is_rate_limited(client, sent_case):
    """Past the limit per address, requests answer 429 and nothing is sent."""
    from bonnefoi.cases.views.public import LOST_LINK_LIMIT

    data = {"reference": "BF-0000-0000", "contact_email": "x@exemple.test"}
    for _ in range(LOST_LINK_LIMIT):
        assert client.post(reverse("cases:lost_link"), data).status_code == 200
    data = {"reference": sent_case.reference, "contact_email": "personne@exemple.test"}
    response = client.post(reverse("cases:lost_link"), data)
    assert response.status_code == 429
    assert mail.outbox == []


def test_lost_link_is_limited_per_reference(client, sent_case):
    """A reference gets a few new links a day whatever the address asking (no e-mail
    bombing); later requests answer the same page and send nothing."""
    from django.test import Client

    from bonnefoi.cases.views.public import LOST_LINK_PER_REFERENCE

    data = {"reference": sent_case.reference, "contact_email": "personne@exemple.test"}
    for index in range(LOST_LINK_PER_REFERENCE + 1):
        Client(REMOTE_ADDR=f"10.0.0.{index + 1}").post(reverse("cases:lost_link"), data)
    assert len(mail.outbox) == LOST_LINK_PER_REFERENCE


def test_start_page_offers_to_resume(client, answers):
    """The start page offers to resume a declaration under way in this browser."""
    assert "Commencer" in client.get(reverse("cases:start")).content.decode()
    client.post(url("demarche"), answers["demarche"])
    assert "Reprendre ma déclaration" in client.get(reverse("cases:start")).content.decode()


def test_today_is_accepted_the_future_refused(client, answers):
    """Today is accepted as a date of declaration (only the future is refused)."""
    today = timezone.localdate().isoformat()
    data = {**answers["declaration"], "declared_on": today, "correct_since": today}
    assert client.post(url("declaration"), data).status_code == 302
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data["correct_since"] = tomorrow
    assert client.post(url("declaration"), data).status_code == 400


def test_a_sent_draft_stops_giving_the_tracking_link_after_a_few_minutes(client, answers):
    """On a shared computer, the draft's cookie must not keep opening the case: sending the
    review page again within a few minutes leads to the same confirmation; later it only
    gives the reference."""
    fill(client, answers)
    first = client.post(url("verifier"))
    case = Case.objects.get()
    assert services.tracking_secret(case) in first["Location"]
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - timedelta(minutes=11))
    later = client.post(url("verifier"))
    body = later.content.decode()
    assert later.status_code == 200
    assert case.reference in body
    assert services.tracking_secret(case) not in body
    assert Case.objects.count() == 1


def test_others_cannot_use_up_the_lost_link_quota(client, sent_case):
    """Requests with wrong addresses for a reference do not block the real person's own
    request for a new link."""
    from django.test import Client

    from bonnefoi.cases.views.public import LOST_LINK_PER_REFERENCE

    for index in range(LOST_LINK_PER_REFERENCE + 1):
        Client(REMOTE_ADDR=f"10.0.1.{index + 1}").post(
            reverse("cases:lost_link"),
            {"reference": sent_case.reference, "contact_email": f"autre{index}@exemple.test"},
        )
    assert len(mail.outbox) == 0
    Client(REMOTE_ADDR="10.0.2.1").post(
        reverse("cases:lost_link"),
        {"reference": sent_case.reference, "contact_email": "personne@exemple.test"},
    )
    assert len(mail.outbox) == 1
