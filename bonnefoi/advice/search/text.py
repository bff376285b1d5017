"""Text side of the search: normalisation, indexed fields, excerpts, query words and the typo
fallback's word matching, FTS5 query expressions. No database access here."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from html import escape

MAX_QUERY_LENGTH = 200  # characters; longer queries are refused by the views, cut here
MAX_LIMIT = 100
FTS_TABLE = "advice_search_fts"  # SQLite: FTS5 table, rowid = entry id
FTS_VOCABULARY = "advice_search_vocab"  # SQLite: fts5vocab of FTS_TABLE, one row per word
WORD_TABLE = "advice_search_word"  # PostgreSQL: indexed words, trigram index
TS_CONFIG = "fr_unaccent"  # PostgreSQL text search configuration
BODY_FIELDS = ("consequence", "advice", "fix", "example")
MARK_START, MARK_END = "\ue000", "\ue001"  # private use: never left in indexed text
EXCERPT_WORDS = 30
FUZZY_MIN_LENGTH = 4  # query words shorter than this are not corrected
FUZZY_MAX_WORDS = 8
FUZZY_MAX_TERMS = 5  # indexed words tried for one misspelt word
FUZZY_RATIO = 0.75  # difflib ratio for "close enough"
PG_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={EXCERPT_WORDS}, MinWords=12, "
    'ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "'
)

# The French stop words of PostgreSQL's (Snowball's) list, without accents, so that SQLite
# ignores the same little words PostgreSQL ignores.
_STOP_WORDS_TEXT = """au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me
    meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
    toi ton tu un une vos votre vous c d j l a m n s t y ete etee etees etes etant etante etants
    etantes suis es est sommes serai seras sera serons serez seront serais serait serions seriez
    seraient etais etait etions etiez etaient fus fut fumes futes furent sois soit soyons soyez
    soient fusse fusses fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as
    avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
    avais avait avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient eusse
    eusses eussions eussiez eussent"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# --- text helpers ---------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_WORD = re.compile(r"[^\W_]+")
_MARKERS = str.maketrans({MARK_START: " ", MARK_END: " "})
_EXCLUSION = re.compile(r'(?:^|\s)-(?:"|[^\W_])')


def normalize(text: str) -> str:
    """Lowercase, without accents or ligatures: "Œuvre Été" -> "oeuvre ete"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def spell_out_ligatures(text: str) -> str:
    return text.translate(_LIGATURES)


def _words(text: str) -> list[str]:
    return [normalize(word) for word in _WORD.findall(text)]


def _clean(text: str | None) -> str:
    return (text or "").translate(_MARKERS).strip()


def document_fields(content: dict) -> dict[str, str]:
    """Title and body of a published version's content, as indexed."""
    title = _clean(content.get("title"))
    body = "\n\n".join(_clean(content.get(name)) for name in BODY_FIELDS if content.get(name))
    return {"title": title, "body": body}


def document_words(fields: dict[str, str]) -> list[str]:
    """The distinct words of a document (accent-free, lowercase, 3 letters or more, not
    numbers): the PostgreSQL typo fallback looks for close words among them."""
    words = _words(f"{fields['title']} {fields['body']}")
    return sorted({word for word in words if len(word) >= 3 and not word.isdigit()})


def marked_to_html(text: str) -> str:
    """Escape, then turn the match delimiters into <mark> tags (nothing else is markup)."""
    html = escape(" ".join(text.split()))
    return html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


EDGE_CHARS = 200  # of the body's start and end, enough for its first three and last two words


def edges(excerpt: str, body_start: str, body_end: str) -> str:
    """Add "…" where a PostgreSQL headline cuts the body (ts_headline does not say it).
    `body_start` / `body_end` are the body's first and last EDGE_CHARS characters: only their
    edge words are normalised (whole bodies made this the main cost of a search)."""
    shown = _words(excerpt.translate(_MARKERS))
    if not shown:
        return excerpt
    if shown[:3] != _words(" ".join(_WORD.findall(body_start)[:3])):
        excerpt = "… " + excerpt
    if shown[-2:] != _words(" ".join(_WORD.findall(body_end)[-2:])):
        excerpt += " …"
    return excerpt


def fuzzy_words(query: str) -> list[str]:
    """Words the typo fallback corrects: 4 letters or more, not stop words. None when the query
    excludes words ("-word"): an approximate search could not honour the exclusion."""
    if _EXCLUSION.search(query):
        return []
    words: list[str] = []
    for word in _words(query):
        if (
            len(word) >= FUZZY_MIN_LENGTH
            and not word.isdigit()
            and word not in STOP_WORDS
            and word not in words
        ):
            words.append(word)
    return words[:FUZZY_MAX_WORDS]


def _close(word: str, candidate: str) -> float:
    """How close an indexed word is to a query word (difflib ratio; 1.0 for a prefix)."""
    if candidate.startswith(word):
        return 1.0
    if abs(len(word) - len(candidate)) > 3:
        return 0.0
    matcher = SequenceMatcher(None, word, candidate, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
        return 0.0
    return matcher.ratio()


def closest(word: str, candidates) -> list[str]:
    scored = sorted(
        ((score, term) for term in candidates if (score := _close(word, term)) >= FUZZY_RATIO),
        key=lambda item: (-item[0], item[1]),
    )
    return [term for _score, term in scored[:FUZZY_MAX_TERMS]]


# --- index maintenance ----------------------------------------------------------------------


def fts_term(word: str, *, prefix: bool = True) -> str:
    return f'"{word}"*' if prefix else f'"{word}"'


def _light_stem(word: str) -> str:
    """Drop a final plural s/x so that the prefix query finds the singular too."""
    return word[:-1] if len(word) > 4 and word[-1] in "sx" else word


_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def fts5_expression(query: str) -> str | None:
    """A websearch-like query as an FTS5 expression: words are prefix terms (AND), "quoted
    phrases" stay phrases, `-word` excludes, `or` separates alternatives. Only words reach the
    expression (FTS5 syntax characters are dropped). None: nothing to search (stop words or
    punctuation only)."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for match in _QUERY_TOKEN.finditer(query):
        if match.group(2) is not None:
            negated, words = bool(match.group(1)), _words(match.group(2))
            terms = ['"' + " ".join(words) + '"'] if words else []
        else:
            negated, raw = bool(match.group(3)), match.group(4)
            if raw.lower() == "or" and not negated:
                groups.append(([], []))
                continue
            words = [w for w in _words(raw) if len(w) > 1 and w not in STOP_WORDS]
            terms = [fts_term(_light_stem(w)) for w in words]
        positives, negatives = groups[-1]
        (negatives if negated else positives).extend(terms)
    parts = [
        " AND ".join(positives) + "".join(f" NOT {n}" for n in negatives)
        for positives, negatives in groups
        if positives
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else " OR ".join(f"({part})" for part in parts)
