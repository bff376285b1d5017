"""The public checker and the rules page in Chromium: usable without help, axe-clean, CSP-clean."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def choose(page, label: str) -> None:
    """Pick a radio answer by clicking its label, as a person does."""
    page.locator("label.fr-label", has_text=label).click()


def continue_(page) -> None:
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state("load")


def test_checker_walkthrough_with_going_back_and_changing_an_answer(checked_page):
    """A person answers the general-regime questions, goes back with "Précédent", changes the
    kind of error, answers the newly needed question and reads a positive verdict; every page
    passes axe-core and breaks no CSP rule."""
    page = checked_page.page
    checked_page.goto("/droit-a-l-erreur/verifier")
    assert page.locator("h1").inner_text() == "Vérifier mon droit à l'erreur"
    page.wait_for_function("document.documentElement.hasAttribute('data-fr-js')")
    assert "Question 1" in page.locator(".fr-stepper").inner_text()
    checked_page.assert_clean("checker-question-1")

    choose(page, "Une autre administration de l'État")
    continue_(page)
    choose(page, "Une pénalité ou une majoration")
    continue_(page)
    choose(page, "Aucun de ces domaines")
    continue_(page)
    choose(page, "Une erreur matérielle")
    continue_(page)
    assert "Question 5" in page.locator(".fr-stepper").inner_text()

    page.get_by_role("link", name="Précédent").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("Une erreur matérielle", exact=False).is_checked()
    checked_page.assert_clean("checker-question-back")
    choose(page, "J'ai mal compris ou ignoré une règle")
    continue_(page)

    choose(page, "Non")  # bad faith established?
    continue_(page)
    choose(page, "Non")  # fraud established?
    continue_(page)
    assert "première fois" in page.locator("form legend").inner_text()  # newly needed question
    choose(page, "Oui, c'est la première fois")
    continue_(page)
    choose(page, "Oui, de moi-même")
    continue_(page)
    page.get_by_label("À quelle date avez-vous corrigé votre erreur ?").fill("2025-04-10")
    checked_page.assert_clean("checker-question-date")
    continue_(page)

    assert "/droit-a-l-erreur/verifier/resultat?" in page.url
    assert page.locator(".fr-alert__title").inner_text() == "Le droit à l'erreur s'applique"
    assert "error_kind=misreading_rule" in page.url
    checked_page.assert_clean("checker-result")


def test_checker_rejects_an_impossible_date_and_offers_dont_know(checked_page):
    """A refused answer is explained next to the field (axe-clean); "Je ne sais pas" leads to a
    result that says what is missing."""
    page = checked_page.page
    checked_page.goto("/droit-a-l-erreur/verifier?sector=general&dates.regularisation=2025-02-30")
    assert "Date attendue au format AAAA-MM-JJ" in page.locator(".fr-error-text").inner_text()
    checked_page.assert_clean("checker-error")
    page.get_by_role("link", name="Je ne sais pas").click()
    page.wait_for_load_state("load")
    assert page.locator(".fr-alert__title").inner_text() == "Nous ne pouvons pas encore répondre"
    assert "Date de la régularisation" in page.locator("#ce-qui-manque + ul").inner_text()
    checked_page.assert_clean("checker-result-indeterminate")


def test_rules_page_is_accessible_and_csp_clean(checked_page):
    """The generated rules documentation passes axe-core and breaks no CSP rule."""
    checked_page.goto("/droit-a-l-erreur/regles")
    page = checked_page.page
    assert page.locator("h1").inner_text() == "Les règles du droit à l'erreur"
    assert page.locator("#crpa-l123-1").is_visible()
    checked_page.assert_clean("rules")
