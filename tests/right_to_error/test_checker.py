"""The public checker: a GET questionnaire driven by the rules engine, state in the URL only.

These tests use the pages as a person would: read the form on the page, choose an answer, submit
the form (hidden inputs included), follow the links ("Précédent", "Modifier", "Je ne sais pas").
"""

from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from bonnefoi.right_to_error.checker import question
from bonnefoi.rules import load_catalogue
from bonnefoi.rules.enums import Sector
from bonnefoi.rules.situation import FIELD_NAMES

CHECKER = "/droit-a-l-erreur/verifier"
RESULT = "/droit-a-l-erreur/verifier/resultat"

GENERAL = {
    "sector": "general",
    "dates.regularisation": "2025-04-10",
    "sanction_nature": "administrative_pecuniary",
    "exception_category": "none",
    "error_kind": "material_error",
    "bad_faith_established": "false",
    "fraud_established": "false",
    "first_time": "true",
    "regularised": "spontaneously",
}
TAX = {
    "sector": "tax",
    "prior_administration_act": "none",
    "dates.rectifying_declaration": "2025-03-01",
    "exception_category": "none",
    "bad_faith_established": "false",
    "fraud_established": "false",
    "error_kind": "misreading_rule",
    "initial_declaration_on_time": "true",
    "initial_payment_on_time": "true",
    "payment": "paid_with_rectifying_declaration",
    "tax_shortfall_eur": "1000",
    "months_of_interest": "10",
}


class Page(HTMLParser):
    """What a person can act on: the question form, its hidden answers and the page links."""

    def __init__(self, html: str):
        super().__init__()
        self.action = None
        self.hidden: list[tuple[str, str]] = []
        self.fields: list[str] = []  # names of the visible answer inputs
        self.checked: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}  # radio values offered, per field
        self.values: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._link = None
        self._in_form = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "get":
            self.action = attrs["action"]
            self._in_form = True
        elif tag == "input" and self._in_form:
            if attrs.get("type") == "hidden":
                self.hidden.append((attrs["name"], attrs.get("value") or ""))
            else:
                if attrs["name"] not in self.fields:
                    self.fields.append(attrs["name"])
                if attrs.get("type") == "radio":
                    self.options.setdefault(attrs["name"], []).append(attrs["value"])
                if attrs.get("type") == "radio" and "checked" in attrs:
                    self.checked[attrs["name"]] = attrs["value"]
                elif attrs.get("type") != "radio":
                    self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "a":
            self._link = (attrs.get("href"), [])

    def handle_data(self, data):
        if self._link:
            self._link[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        if tag == "a" and self._link:
            href, chunks = self._link
            self.links.setdefault(" ".join("".join(chunks).split()), href or "")
            self._link = None

    @property
    def fact(self) -> str:
        (name,) = self.fields
        return name


def page(response) -> Page:
    return Page(response.content.decode())


def submit(client, response, value: str):
    """Answer the question on the page with ``value`` and submit its form, as a browser does."""
    form = page(response)
    return client.get(form.action, dict([*form.hidden, (form.fact, value)]), follow=True)


def final_url(response) -> str:
    """The address the browser shows after the request (redirects followed)."""
    chain = getattr(response, "redirect_chain", None)
    if chain:
        return chain[-1][0]
    return f"{response.request['PATH_INFO']}?{response.request.get('QUERY_STRING', '')}"


def run(client, answers: dict[str, str], limit: int = 30):
    """Answer each question the checker asks from ``answers`` ("" = "Je ne sais pas", then
    "Continuer le questionnaire"); returns (result page, facts asked in order)."""
    response = client.get(CHECKER)
    asked = []
    for _ in range(limit):
        if urlsplit(final_url(response)).path == RESULT:
            return response, asked
        fact = page(response).fact
        asked.append(fact)
        assert fact in answers, f"question inattendue : {fact} (déjà posées : {asked})"
        if answers[fact] == "":
            response = client.get(page(response).links["Je ne sais pas"], follow=True)
            if "Continuer le questionnaire" in page(response).links:
                response = client.get(page(response).links["Continuer le questionnaire"])
        else:
            response = submit(client, response, answers[fact])
        assert response.status_code == 200, response.content.decode()[:2000]
    raise AssertionError("le questionnaire ne se termine pas")


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_general_path_asks_about_regularisation_and_ends_on_a_determinate_result(client):
    """General regime (CRPA L123-1): the checker asks the conditions of L123-1, including the
    regularisation, then shows that the right to error applies."""
    response, asked = run(client, GENERAL)
    assert asked[0] == "sector"
    assert "regularised" in asked
    assert "dates.regularisation" in asked
    html = text(response)
    assert "Le droit à l'erreur s'applique" in html
    assert "pas de sanction" in html or "ne peut pas vous infliger de sanction" in html
    assert "L123-1" in html
    assert "Version de règle" not in html  # the agent explanation stays out of public pages


@pytest.mark.django_db
def test_tax_path_follows_the_tax_rule_and_computes_the_reduced_interest(client):
    """Tax (CGI 1727 V): the path asks about prior acts of the administration, payment and the
    rectifying declaration, never about the nature of the sanction or the regularisation, and
    ends on a 50 % interest reduction computed to the cent."""
    response, asked = run(client, TAX)
    assert asked[:2] == ["sector", "prior_administration_act"]
    assert "sanction_nature" not in asked
    assert "regularised" not in asked
    html = text(response)
    assert "Le droit à l'erreur s'applique" in html
    assert "réduit de moitié" in html
    assert "0,10 %" in html  # 0.20 % a month, halved
    assert "10,00 €" in html  # 1000 € × 0.20 % × 10 months × 50 %
    assert "1727" in html


@pytest.mark.django_db
def test_the_next_question_depends_on_the_earlier_answers(client):
    """After the sector, each sector's own rule decides what is asked next; within the general
    regime, a misread rule needs "first time" while a material error does not."""
    first = {}
    for sector in ("general", "tax", "urssaf", "caf"):
        response = submit(client, client.get(CHECKER), sector)
        first[sector] = page(response).fact
    assert first["tax"] == "prior_administration_act"
    assert first["urssaf"] == "error_kind"
    assert len(set(first.values())) == 4

    _response, asked = run(client, GENERAL)
    assert "first_time" not in asked  # material error: covered even when repeated
    _response, asked = run(client, {**GENERAL, "error_kind": "misreading_rule"})
    assert "first_time" in asked


@pytest.mark.django_db
def test_going_back_shows_the_previous_answer_and_keeps_the_later_ones(client):
    """ "Précédent" shows the previous question with its answer selected; changing an earlier
    answer keeps the later answers that still matter and asks only what is newly needed."""
    response = client.get(CHECKER)
    for fact in ("sector", "sanction_nature", "exception_category"):
        assert page(response).fact == fact
        response = submit(client, response, GENERAL[fact])
    assert "Question 4" in text(response)
    response = client.get(page(response).links["Précédent"])
    assert page(response).fact == "exception_category"
    assert page(response).checked == {"exception_category": "none"}
    response = client.get(page(response).links["Précédent"])
    assert page(response).checked == {"sanction_nature": "administrative_pecuniary"}

    result, _asked = run(client, GENERAL)
    response = client.get(page(result).links["Modifier : Nature de l'erreur"])
    assert page(response).checked == {"error_kind": "material_error"}
    response = submit(client, response, "misreading_rule")
    assert page(response).fact == "first_time"  # newly needed; nothing else is asked again
    response = submit(client, response, "true")
    assert urlsplit(final_url(response)).path == RESULT
    assert "Le droit à l'erreur s'applique" in text(response)
    assert dict(parse_qsl(urlsplit(final_url(response)).query))["error_kind"] == "misreading_rule"


@pytest.mark.django_db
def test_dont_know_ends_on_an_indeterminate_result_listing_the_missing_fact(client):
    """ "Je ne sais pas" ends on the result: no answer yet, the missing fact named, and the fact is
    kept in the URL as unknown so it is not asked again."""
    response = submit(client, client.get(CHECKER), "general")
    assert page(response).fact == "sanction_nature"
    response = client.get(page(response).links["Je ne sais pas"], follow=True)
    assert response.status_code == 200
    html = text(response)
    assert "Nous ne pouvons pas encore répondre" in html
    assert "Nature de la sanction envisagée" in html
    assert "vous avez répondu « Je ne sais pas »" in html
    query = dict(parse_qsl(urlsplit(final_url(response)).query, keep_blank_values=True))
    assert query == {"sector": "general", "sanction_nature": ""}

    response = client.get(page(response).links["Continuer le questionnaire"])
    assert page(response).fact == "exception_category"


@pytest.mark.django_db
def test_unknown_deadline_date_is_asked_as_a_deadline_instead(client):
    """When the person does not know the last day given to correct, the checker asks for the
    deadline the letter stated (30 days…) and the letter's date, and the engine computes it."""
    answers = {
        **GENERAL,
        "regularised": "after_invitation",
        "dates.deadline_stated": "",
        "deadline_rule": "P30D",
        "dates.invitation": "2025-03-14",
    }
    response, asked = run(client, answers)
    assert asked[-4:] == [
        "dates.deadline_stated",
        "deadline_rule",
        "dates.invitation",
        "dates.regularisation",
    ]
    assert "Le droit à l'erreur s'applique" in text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("department", "applies"), [("57", True), ("75", False)])
def test_deadline_on_a_local_holiday_asks_the_department_and_shows_the_deadline(
    client, department, applies
):
    """A deadline ending on 26 December (a holiday in Alsace-Moselle only) moves to the next
    working day there: the checker asks the département and shows the effective deadline."""
    answers = {
        **GENERAL,
        "dates.regularisation": "2025-12-29",
        "regularised": "after_invitation",
        "dates.deadline_stated": "2025-12-26",
        "location.department": department,
    }
    response, asked = run(client, answers)
    assert asked[-1] == "location.department"
    html = text(response)
    if applies:
        assert "Le droit à l'erreur s'applique" in html
        assert "lundi 29 décembre 2025" in html
    else:
        assert "Le droit à l'erreur ne s'applique pas" in html
        assert "vendredi 26 décembre 2025" in html


@pytest.mark.django_db
def test_an_impossible_date_is_refused_in_french_and_kept(client):
    """An impossible date re-renders the same question with HTTP 400, the French message in DSFR
    error style tied to the field, and the typed value kept."""
    before_the_date = {k: v for k, v in GENERAL.items() if k != "dates.regularisation"}
    response = client.get(CHECKER, before_the_date)
    assert page(response).fact == "dates.regularisation"
    response = submit(client, response, "2025-02-30")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Date attendue au format AAAA-MM-JJ" in unescape(html)
    assert "fr-input-group--error" in html
    assert 'class="fr-error-text"' in html
    assert 'aria-invalid="true"' in html
    error_id = "champ-dates-regularisation-error"
    assert f'id="{error_id}"' in html
    assert error_id in html.split('aria-describedby="')[1].split('"')[0]
    assert page(response).values == {"dates.regularisation": "2025-02-30"}


@pytest.mark.django_db
def test_submitting_without_an_answer_asks_for_one(client):
    """Continuing without answering keeps the question and says how to go on (HTTP 400)."""
    form = page(client.get(CHECKER))
    response = client.get(form.action, dict(form.hidden))
    assert response.status_code == 400
    assert "Répondez à la question" in text(response)
    assert page(response).fact == "sector"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CHECKER, RESULT])
@pytest.mark.parametrize(
    "query",
    [
        "sector=martian",
        "sector=general&bad_faith_established=peut-etre",
        "sector=general&dates.regularisation=hier",
        "sector=tax&tax_shortfall_eur=beaucoup",
        "nom=Dupont",
        "sector=general&sector=tax",
        "sector=general&modifier=nom",
    ],
)
def test_unknown_parameters_or_values_answer_400(client, url, query):
    """Anything the checker does not know in the URL (value, name, repetition) is a 400 page in
    French, never a server error."""
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert '<html lang="fr"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("answers", [GENERAL, TAX], ids=["general", "tax"])
def test_result_url_holds_only_the_answers(client, answers):
    """The result URL holds contract fields only (shareable, no personal data): no control
    parameter, and answers the path did not need are dropped."""
    response, _asked = run(client, answers)
    assert {name for name, _value in parse_qsl(urlsplit(final_url(response)).query)} <= set(
        FIELD_NAMES
    )
    response = client.get(RESULT, {**answers, "very_short_activity": "true"}, follow=True)
    query = dict(parse_qsl(urlsplit(final_url(response)).query))
    assert "very_short_activity" not in query
    assert set(query) <= set(answers)


SAMPLE_ANSWERS = {  # one valid answer per kind of question, mutually consistent
    "date": "2025-03-14",
    "count": "10",
    "amount": "1000",
    "percentage": "3",
    "department": "57",
}


@pytest.mark.django_db
@pytest.mark.parametrize("sector", [s.value for s in Sector])
@pytest.mark.parametrize("pick", [0, -1], ids=["first-choices", "last-choices"])
def test_every_sector_can_be_answered_to_the_end(client, sector, pick):
    """Whatever the sector and the answers, the questionnaire ends on a result page, never on an
    error, and asks each question once."""
    response = submit(client, client.get(CHECKER), sector)
    asked = ["sector"]
    for _ in range(40):
        if urlsplit(final_url(response)).path == RESULT:
            break
        assert response.status_code == 200
        form = page(response)
        asked.append(form.fact)
        if form.fact in form.options:
            answer = form.options[form.fact][pick]
        else:
            answer = SAMPLE_ANSWERS[question(form.fact).kind]
        response = submit(client, response, answer)
    assert urlsplit(final_url(response)).path == RESULT
    assert response.status_code == 200
    assert len(asked) == len(set(asked))


@pytest.mark.django_db
def test_checker_pages_make_no_database_query(client, django_assert_max_num_queries):
    """The checker and rules pages read no database (at most the session, for signed-in users)."""
    urls = [
        CHECKER,
        f"{CHECKER}?sector=general",
        f"{RESULT}?{_query(GENERAL)}",
        "/droit-a-l-erreur/regles",
    ]
    for url in urls:
        with django_assert_max_num_queries(1):
            assert client.get(url, follow=True).status_code == 200


def _query(answers: dict[str, str]) -> str:
    return "&".join(f"{name}={value}" for name, value in answers.items())


@pytest.mark.django_db
@pytest.mark.parametrize("answers", [GENERAL, TAX], ids=["general", "tax"])
def test_the_result_page_says_each_thing_once(client, answers):
    """The verdict box gives the verdict and its reason; what is still owed and the next steps
    have their own sections, so no sentence of the explanation is printed twice."""
    response, _asked = run(client, answers)
    html = text(response)
    principal = load_catalogue().sectors[answers["sector"]].principal
    assert html.count(principal) == 1
    assert "Que faire :" not in html  # the next steps are a list of their own
    assert html.count("Et maintenant ?") == 1
