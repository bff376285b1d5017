"""Plain-language check shown to editors: advice, never a blocker.

Three measures, each with a short explanation the editor reads next to the text:

- sentences longer than ``LONG_SENTENCE_WORDS`` words;
- administrative jargon, with a plainer alternative (or, for terms people must know, a reminder
  to explain them at first use);
- a French readability score, Kandel and Moles' adaptation of Flesch's reading ease:
  ``207 − 1.015 × words per sentence − 73.6 × syllables per word``, with a heuristic French
  syllable counter.

Everything here is pure Python (no Django), so it is tested on fixed texts.
"""

import re
import unicodedata
from dataclasses import dataclass, field

LONG_SENTENCE_WORDS = 25

# Letters of French words (accents and ligatures included); digits make "words" too.
_LETTER = r"a-zA-ZÀ-ÖØ-öø-ÿŒœÆæ"
# An elided article or pronoun ("l'", "qu'", "j'") belongs to the word that follows it.
_WORD_RE = re.compile(rf"(?:[{_LETTER}]{{1,5}}['’])?[{_LETTER}0-9]+(?:[-.,][{_LETTER}0-9]+)*")
_ELISION_RE = re.compile(rf"^[{_LETTER}]{{1,5}}['’]")
_VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"
_VOWEL_GROUP_RE = re.compile(f"[{_VOWELS}]+")
# A sentence ends with . ! ? … (or a run of them) followed by a space, or at a line break.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"»)\]]?\s+|\n+")


@dataclass(frozen=True)
class JargonTerm:
    """A term to avoid or to explain. ``pattern`` matches the accent-free, lower-case text."""

    term: str
    alternative: str
    explain: bool = False  # True: the term is needed, keep it but explain it at first use
    pattern: str = ""

    @property
    def regex(self) -> re.Pattern:
        source = self.pattern or re.escape(fold(self.term))
        return re.compile(rf"(?<![\w-])(?:{source})(?![\w-])")


# French administrative jargon → plain words. Patterns are written against `fold()`ed text.
JARGON: tuple[JargonTerm, ...] = (
    JargonTerm("afférent", "lié à, qui concerne", pattern=r"(?:y )?afferent(?:e|s|es)?"),
    JargonTerm("nonobstant", "malgré"),
    JargonTerm(
        "revenu fiscal de référence",
        "gardez le terme, mais expliquez-le : le montant écrit sur votre avis d'impôt, qui sert "
        "à calculer vos droits",
        explain=True,
        pattern=r"revenus? fiscal de reference",
    ),
    JargonTerm(
        "ledit, ladite, lesdits",
        "ce, cette, ces",
        pattern=r"ledit|ladite|lesdits|lesdites|dudit|desdits|desdites",
    ),
    JargonTerm(
        "susvisé, susmentionné",
        "cité plus haut",
        pattern=r"sus(?:vise|mentionne|dit)(?:e|s|es)?",
    ),
    JargonTerm("à l'effet de", "pour", pattern=r"a l'effet de|a l'effet d'"),
    JargonTerm("aux fins de", "pour", pattern=r"aux fins d(?:e|')"),
    JargonTerm("dans l'hypothèse où", "si", pattern=r"dans l'hypothese ou"),
    JargonTerm("subséquemment", "ensuite"),
    JargonTerm("préalablement", "avant"),
    JargonTerm("ultérieurement", "plus tard"),
    JargonTerm("concomitamment", "en même temps", pattern=r"concomitam+ent"),
    JargonTerm("corrélativement", "par conséquent"),
    JargonTerm("en tant que de besoin", "si nécessaire"),
    JargonTerm("idoine", "adapté, qui convient", pattern=r"idoines?"),
    JargonTerm("sis, sise", "situé à", pattern=r"sis|sise|sises"),
    JargonTerm("ci-après", "plus bas, ensuite", pattern=r"ci-apres"),
    JargonTerm("émarger", "signer", pattern=r"emarg(?:er|ez|ement|ements)"),
    JargonTerm(
        "pièce justificative",
        "document qui prouve (par exemple : une facture, un bulletin de salaire)",
        pattern=r"pieces? justificatives?",
    ),
    JargonTerm(
        "s'acquitter de",
        "payer",
        pattern=r"(?:s'|vous )acquitt(?:er|ez|e)|acquitter",
    ),
    JargonTerm(
        "percevoir",
        "recevoir, toucher",
        pattern=r"percevoir|percevez|percu|percue|percus|percues",
    ),
    JargonTerm("procéder à", "faire", pattern=r"proced(?:er|ez|e) a|procedera a"),
    JargonTerm("effectuer", "faire", pattern=r"effectu(?:er|ez|e|ee|ees|es)"),
    JargonTerm("solliciter", "demander", pattern=r"sollicit(?:er|ez|e|ee|ees)"),
    JargonTerm("requérir", "demander, exiger", pattern=r"requerir|requis|requise|requises"),
    JargonTerm(
        "transmettre",
        "envoyer",
        pattern=r"transmett(?:re|ez|ra)|transmis|transmise|transmises",
    ),
    JargonTerm("modalités", "règles, façon de faire", pattern=r"modalites?"),
    JargonTerm(
        "forclusion",
        "expliquez-le : la date limite après laquelle vous perdez le droit d'agir",
        explain=True,
        pattern=r"forclusions?|forclos",
    ),
    JargonTerm(
        "recouvrement",
        "récupération des sommes dues",
        pattern=r"recouvrements?|recouvrer",
    ),
    JargonTerm(
        "indu",
        "somme versée en trop",
        explain=True,
        pattern=r"indus?|indument",
    ),
    JargonTerm(
        "trop-perçu",
        "somme reçue en trop",
        explain=True,
        pattern=r"trop[- ]percus?",
    ),
    JargonTerm("assujetti", "soumis à, concerné par", pattern=r"assujetti(?:e|s|es)?"),
    JargonTerm("exigible", "à payer", pattern=r"exigibles?|exigibilite"),
    JargonTerm(
        "notifier",
        "informer par courrier officiel",
        pattern=r"notifi(?:er|ez|e|ee|ees|es)",
    ),
    JargonTerm("réputé", "considéré comme", pattern=r"repute(?:e|s|es)?"),
    JargonTerm("dûment", "correctement", pattern=r"dument"),
    JargonTerm("sous réserve de", "à condition de, sauf si", pattern=r"sous reserve (?:de|d')"),
    JargonTerm("conformément à", "selon", pattern=r"conformement (?:a|au|aux)"),
    JargonTerm("à compter de", "à partir de", pattern=r"a compter d(?:e|u|es|')"),
    JargonTerm("en sus", "en plus"),
    JargonTerm("à défaut de", "sans, si vous ne… pas", pattern=r"a defaut d(?:e|u|es|')"),
    JargonTerm("le cas échéant", "si c'est votre cas", pattern=r"le cas echeant"),
    JargonTerm("il appartient à", "c'est à … de", pattern=r"il (?:vous )?appartient (?:a|au|aux)"),
    JargonTerm("être tenu de", "devoir", pattern=r"(?:etes|est|etre|sont) tenu(?:e|s|es)? de"),
    JargonTerm("susceptible de", "qui peut", pattern=r"susceptibles? d(?:e|')"),
    JargonTerm("dématérialisé", "en ligne", pattern=r"dematerialise(?:e|s|es)?"),
    JargonTerm("télédéclarer", "déclarer en ligne", pattern=r"teledeclar\w*"),
    JargonTerm("rétroactivement", "pour la période passée", pattern=r"retroacti(?:f|ve|vement)"),
    JargonTerm("échéance", "date limite, date de paiement", pattern=r"echeances?"),
    JargonTerm(
        "mise en demeure",
        "expliquez-la : une lettre officielle qui vous demande de payer ou d'agir avant une date",
        explain=True,
        pattern=r"mises? en demeure",
    ),
    JargonTerm(
        "recours gracieux",
        "expliquez-le : demander à l'administration qui a décidé de revoir sa décision",
        explain=True,
        pattern=r"recours gracieux",
    ),
    JargonTerm(
        "allocataire",
        "expliquez-le : la personne qui reçoit une aide de la CAF ou de la MSA",
        explain=True,
        pattern=r"allocataires?",
    ),
    JargonTerm(
        "ayant droit",
        "expliquez-le : la personne couverte par l'assurance maladie d'un proche",
        explain=True,
        pattern=r"ayants?[- ]droits?",
    ),
    JargonTerm(
        "quotient familial",
        "expliquez-le : le calcul qui tient compte des revenus et de la taille de la famille",
        explain=True,
    ),
    JargonTerm(
        "foyer fiscal",
        "expliquez-le : les personnes qui font une seule déclaration de revenus ensemble",
        explain=True,
        pattern=r"foyers? fisca(?:l|ux)",
    ),
    JargonTerm(
        "majoration", "supplément à payer, pénalité", pattern=r"majorations?|majore(?:e|s|es)?"
    ),
    JargonTerm("opposable", "qui s'impose à", pattern=r"opposables?"),
    JargonTerm("contentieux", "désaccord porté devant un juge"),
)


@dataclass(frozen=True)
class LongSentence:
    text: str
    words: int


@dataclass(frozen=True)
class JargonHit:
    term: str
    alternative: str
    explain: bool
    found: tuple[str, ...]  # the forms as written in the text, in order of appearance


@dataclass(frozen=True)
class Readability:
    score: float | None  # None when the text has no word
    label: str
    explanation: str
    words: int
    sentences: int
    syllables: int


@dataclass(frozen=True)
class PlainLanguageReport:
    readability: Readability
    long_sentences: list[LongSentence] = field(default_factory=list)
    jargon: list[JargonHit] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.long_sentences or self.jargon)

    # What each measure means, for the editor (templates read these).
    readability_explanation = property(lambda self: READABILITY_EXPLANATION)
    long_sentences_explanation = property(lambda self: LONG_SENTENCES_EXPLANATION)
    jargon_explanation = property(lambda self: JARGON_EXPLANATION)
    long_sentence_words = LONG_SENTENCE_WORDS


LONG_SENTENCES_EXPLANATION = (
    f"Au-delà de {LONG_SENTENCE_WORDS} mots, une phrase se relit souvent deux fois. Coupez-la "
    "en deux, ou faites une liste avec des tirets."
)
JARGON_EXPLANATION = (
    "Ces mots sont courants dans les textes administratifs mais beaucoup de personnes ne les "
    "emploient pas. Préférez le mot simple ; quand un terme est indispensable, expliquez-le la "
    "première fois."
)
READABILITY_EXPLANATION = (
    "Score de lisibilité de Kandel et Moles (adaptation française de la formule de Flesch) : "
    "plus il est haut, plus le texte est facile à lire. Il baisse avec les phrases longues et "
    "les mots de plusieurs syllabes. Visez 60 ou plus."
)

# (lowest score of the band, label, what it means)
_BANDS: tuple[tuple[float, str, str], ...] = (
    (90, "très facile", "Compris par presque tout le monde."),
    (80, "facile", "Compris sans effort par la plupart des lecteurs."),
    (70, "assez facile", "Se lit bien ; quelques phrases peuvent encore être raccourcies."),
    (60, "standard", "Lisible, mais raccourcir phrases et mots aiderait une partie du public."),
    (50, "assez difficile", "Raccourcissez les phrases et remplacez les mots longs."),
    (30, "difficile", "Beaucoup de lecteurs auront du mal : reprenez le texte."),
    (
        float("-inf"),
        "très difficile",
        "Texte très dense : coupez les phrases, simplifiez les mots.",
    ),
)


def fold(text: str) -> str:
    """Lower case without accents, one character for one character (positions are kept)."""
    out = []
    for char in text:
        lower = char.lower()
        if len(lower) != 1:  # a few letters lower-case to two characters: keep them as they are
            lower = char
        out.append("'" if lower == "’" else unicodedata.normalize("NFD", lower)[0])
    return "".join(out)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; a line break (a list item, a new paragraph) also ends a sentence."""
    pieces = _SENTENCE_END_RE.split(text or "")
    sentences = []
    for piece in pieces:
        piece = piece.strip().removeprefix("- ").strip()
        if piece and _WORD_RE.search(piece):
            sentences.append(piece)
    return sentences


def words(text: str) -> list[str]:
    """Words of a text. "l'impôt" is one word; "1 250" is two; "c'est-à-dire" is one."""
    return _WORD_RE.findall(text or "")


def count_syllables(word: str) -> int:
    """Heuristic French syllable count: groups of vowels, minus a silent final "e" or "es".

    Written syllables are counted, as Kandel and Moles did: "mange" has one ("man-ge" is not
    spoken), "année" two, "famille" two, "oiseau" two. A number counts one syllable per digit
    group, which is enough for a readability estimate.
    """
    word = _ELISION_RE.sub("", word.lower())
    if not word:
        return 0
    if not any(char.isalpha() for char in word):
        return 1
    total = 0
    for part in word.split("-"):
        total += _syllables_of_part(part)
    return max(total, 1)


def _syllables_of_part(part: str) -> int:
    letters = "".join(char for char in part if char.isalpha())
    if not letters:
        return 1 if part else 0
    count = len(_VOWEL_GROUP_RE.findall(letters))
    # A final "-e" or "-es" after a consonant is silent ("mange", "tables"); a lone vowel
    # group is kept ("le", "des").
    if count > 1 and re.search(f"[^{_VOWELS}]es?$", letters):
        count -= 1
    return max(count, 1)


def readability(text: str) -> Readability:
    """Kandel–Moles score of a text, with a band label and what it means for the reader."""
    sentences = split_sentences(text)
    all_words = [w for sentence in sentences for w in words(sentence)]
    if not all_words:
        return Readability(
            score=None,
            label="non calculé",
            explanation="Pas assez de texte pour calculer un score.",
            words=0,
            sentences=0,
            syllables=0,
        )
    syllables = sum(count_syllables(w) for w in all_words)
    score = kandel_moles(words=len(all_words), sentences=len(sentences), syllables=syllables)
    label, meaning = band(score)
    return Readability(
        score=round(score, 1),
        label=label,
        explanation=meaning,
        words=len(all_words),
        sentences=len(sentences),
        syllables=syllables,
    )


def kandel_moles(*, words: int, sentences: int, syllables: int) -> float:
    """207 − 1.015 × (words / sentences) − 73.6 × (syllables / words)."""
    if words <= 0 or sentences <= 0:
        raise ValueError("Il faut au moins un mot et une phrase.")
    return 207 - 1.015 * (words / sentences) - 73.6 * (syllables / words)


def band(score: float) -> tuple[str, str]:
    for lowest, label, meaning in _BANDS:
        if score >= lowest:
            return label, meaning
    raise AssertionError("unreachable")  # the last band starts at -inf


def long_sentences(text: str, limit: int = LONG_SENTENCE_WORDS) -> list[LongSentence]:
    """Sentences of more than `limit` words."""
    found = []
    for sentence in split_sentences(text):
        count = len(words(sentence))
        if count > limit:
            found.append(LongSentence(text=sentence, words=count))
    return found


def jargon(text: str) -> list[JargonHit]:
    """Jargon terms found in the text (accents and case ignored), in the order of the list."""
    folded = fold(text or "")
    hits = []
    for term in JARGON:
        found = [text[m.start() : m.end()] for m in term.regex.finditer(folded)]
        if found:
            unique = tuple(dict.fromkeys(found))
            hits.append(
                JargonHit(
                    term=term.term, alternative=term.alternative, explain=term.explain, found=unique
                )
            )
    return hits


def check(*texts: str) -> PlainLanguageReport:
    """The full report on several texts read one after another (title, consequence, advice…)."""
    text = "\n\n".join(t for t in texts if t and t.strip())
    return PlainLanguageReport(
        readability=readability(text),
        long_sentences=long_sentences(text),
        jargon=jargon(text),
    )
