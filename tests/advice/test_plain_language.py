"""Plain-language check: pure functions run on fixed French texts."""

import pytest

from bonnefoi.advice import plain_language as pl

PLAIN = (
    "Vous déménagez. Dites-le à la CAF le jour même. "
    "Sinon, vous risquez de devoir rembourser une aide."
)
HEAVY = (
    "Nonobstant les modalités afférentes à la télédéclaration, il appartient au contribuable "
    "assujetti de procéder préalablement à la rectification des éléments susmentionnés, "
    "conformément aux dispositions réglementaires applicables, sous réserve de la production "
    "des pièces justificatives requises par l'administration fiscale compétente."
)


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("chat", 1),
        ("mange", 1),  # silent final e
        ("tables", 1),  # silent final -es
        ("année", 2),
        ("famille", 2),
        ("oiseau", 2),
        ("revenu", 3),
        ("déclaration", 4),
        ("allocataire", 4),
        ("l'impôt", 2),  # the elided article does not count
        ("aujourd'hui", 3),
        ("c'est-à-dire", 3),
        ("le", 1),
        ("1250", 1),
    ],
)
def test_french_syllable_counter(word, syllables):
    """The heuristic counts vowel groups, drops a silent final -e/-es and elided articles."""
    assert pl.count_syllables(word) == syllables


def test_words_keep_elisions_and_hyphens_together():
    """« l'impôt » and « c'est-à-dire » are one word each; punctuation is not a word."""
    assert pl.words("J'oublie l'impôt, c'est-à-dire 1 250 euros !") == [
        "J'oublie",
        "l'impôt",
        "c'est-à-dire",
        "1",
        "250",
        "euros",
    ]


def test_sentences_end_at_punctuation_and_line_breaks():
    """A sentence ends with . ! ? or … before a space, and at each line (list items)."""
    text = "Première phrase. Deuxième ? Troisième !\n- un élément\n- un autre\n\nFin…"
    assert pl.split_sentences(text) == [
        "Première phrase.",
        "Deuxième ?",
        "Troisième !",
        "un élément",
        "un autre",
        "Fin…",
    ]


def test_kandel_moles_formula():
    """207 − 1.015 × words/sentence − 73.6 × syllables/word, exactly."""
    assert pl.kandel_moles(words=20, sentences=2, syllables=30) == pytest.approx(
        207 - 1.015 * 10 - 73.6 * 1.5
    )
    with pytest.raises(ValueError, match="au moins un mot"):
        pl.kandel_moles(words=0, sentences=0, syllables=0)


def test_plain_text_scores_higher_than_administrative_text():
    """Short sentences of short words read easily; the administrative sentence does not."""
    plain, heavy = pl.readability(PLAIN), pl.readability(HEAVY)
    assert plain.sentences == 3
    assert plain.words == 17  # « Dites-le » is one word
    assert plain.score >= 70
    assert plain.label in {"très facile", "facile", "assez facile"}
    assert heavy.sentences == 1
    assert heavy.score < 0
    assert heavy.label == "très difficile"
    assert plain.explanation
    assert heavy.explanation


def test_readability_of_an_empty_text_is_not_computed():
    """No word: no score, and the editor is told why."""
    result = pl.readability("  \n ")
    assert result.score is None
    assert "Pas assez de texte" in result.explanation


def test_bands_cover_every_score():
    """Each score falls in one band, from « très facile » to « très difficile »."""
    assert pl.band(95)[0] == "très facile"
    assert pl.band(65)[0] == "standard"
    assert pl.band(-40)[0] == "très difficile"


def test_long_sentences_are_those_over_25_words():
    """A sentence of 26 words is flagged with its word count; one of 25 is not."""
    twenty_five = " ".join(["mot"] * 25) + "."
    twenty_six = " ".join(["mot"] * 26) + "."
    found = pl.long_sentences(f"{twenty_five} {twenty_six}")
    assert [s.words for s in found] == [26]
    assert pl.long_sentences(HEAVY)[0].words > 25


def test_jargon_is_found_whatever_the_accents_case_and_inflection():
    """« Nonobstant », « afférentes », « télédéclaration », « pièces justificatives » are
    found with their plain alternative, as written in the text."""
    hits = {hit.term: hit for hit in pl.jargon(HEAVY)}
    assert hits["nonobstant"].alternative == "malgré"
    assert hits["nonobstant"].found == ("Nonobstant",)
    assert hits["afférent"].alternative == "lié à, qui concerne"
    assert hits["afférent"].found == ("afférentes",)
    assert "télédéclarer" in hits
    assert "pièce justificative" in hits
    assert "conformément à" in hits
    assert "il appartient à" in hits
    assert "sous réserve de" in hits
    assert "préalablement" in hits
    assert pl.jargon("NONOBSTANT ceci, AFFERENT à cela")[0].found == ("AFFERENT",)


def test_jargon_needs_whole_words():
    """« sis » is jargon, « assis » and « sise-toi » are not matched by accident."""
    assert [hit.term for hit in pl.jargon("Le bureau sis rue Haute.")] == ["sis, sise"]
    assert pl.jargon("Je suis assis.") == []


def test_terms_to_explain_are_kept_but_explained():
    """« revenu fiscal de référence » is needed: the advice is to explain it, not replace it."""
    [hit] = pl.jargon("Votre revenu fiscal de référence figure sur l'avis.")
    assert hit.explain is True
    assert "expliquez" in hit.alternative


def test_the_jargon_list_is_large_enough_and_well_formed():
    """At least 40 pairs, every one with an alternative, none matching plain words."""
    assert len(pl.JARGON) >= 40
    assert len({term.term for term in pl.JARGON}) == len(pl.JARGON)
    assert all(term.alternative for term in pl.JARGON)
    assert pl.jargon(PLAIN) == []
    for term in pl.JARGON:
        assert term.regex.search(pl.fold(term.term.split(",")[0])), term.term


def test_full_report_combines_the_three_measures():
    """check() reads several texts one after the other and reports all three measures."""
    report = pl.check("J'oublie de déclarer.", PLAIN, HEAVY, "")
    assert report.readability.sentences == 5
    assert len(report.long_sentences) == 1
    assert report.jargon
    assert report.has_findings
    assert not pl.check(PLAIN).has_findings
    assert "Kandel" in report.readability_explanation
