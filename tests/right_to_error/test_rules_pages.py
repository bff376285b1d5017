"""The rules documentation page is generated from the rule data: nothing in the data is left out."""

from html import unescape

import pytest

from bonnefoi.rules.docs import rules_catalogue_json, sectors_json

RULES_URL = "/droit-a-l-erreur/regles"


@pytest.fixture
def rules_page(client):
    response = client.get(RULES_URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_every_rule_and_version_has_its_section_and_anchor(rules_page):
    """Every rule and every rule version of the data appears, with an anchor for deep links."""
    for rule in rules_catalogue_json():
        assert f'id="{rule["id"]}"' in rules_page
        assert unescape(rule["title"]) in unescape(rules_page)
        for version in rule["versions"]:
            assert f'id="{version["id"]}"' in rules_page
            assert version["id"] in rules_page


@pytest.mark.django_db
def test_every_reference_is_linked_and_unverified_ones_are_marked(rules_page):
    """Every legal reference of every version is a link to its source; an unverified one carries
    the "À vérifier" badge and the note saying what is uncertain."""
    text = unescape(rules_page)
    for rule in rules_catalogue_json():
        for version in rule["versions"]:
            for reference in version["references"]:
                assert f'href="{reference["url"]}"' in text
                if reference["unverified"] and reference["note"]:
                    assert reference["note"] in text
    assert "À vérifier" in text


@pytest.mark.django_db
def test_conditions_dates_and_parameters_are_in_plain_french(rules_page):
    """Each version shows its dates, each condition its French label and what happens when it
    is not met, and rate parameters in French notation."""
    text = unescape(rules_page)
    for rule in rules_catalogue_json():
        assert rule["version_chosen_by"]["label"] in text
        for version in rule["versions"]:
            for condition in version["conditions"]:
                assert condition["label"] in text
                assert condition["if_false"] in text
    assert "Depuis le 12 août 2018" in text  # CRPA L123-1, ESSOC version
    assert "Jusqu'au 11 août 2018" in text  # before ESSOC
    assert "50 %" in text  # CGI 1727 V reduction
    assert "0,20 %" in text  # monthly interest rate


@pytest.mark.django_db
def test_every_sector_says_which_rule_applies(rules_page):
    """The table of administrations links each sector to the rules that answer for it."""
    text = unescape(rules_page)
    for sector in sectors_json():
        assert sector["label"] in text
        assert sector["principal"] in text
        for rule_id in sector["rules"]:
            assert f'href="#{rule_id}"' in text


@pytest.mark.django_db
def test_sectors_with_several_rules_say_when_each_applies(client):
    """Where a sector has several rules (tax, Urssaf), the page says in which case each one
    answers, from the route labels of the rule data."""
    html = unescape(client.get("/droit-a-l-erreur/regles").content.decode())
    for sector in sectors_json():
        for route in sector["routes"]:
            if len(sector["routes"]) > 1:
                assert route["when"] in html
