"""French full-text search of the advice catalogue, behind one small interface.

Callers use `search_entries()`; publication and archiving keep the index up to date with
`search_index_entry()` / `search_remove_entry()`. What is indexed is what the public reads: the
current published version of an entry (its title, then consequence, advice, fix and example as
the body), flattened into a `SearchDocument` row with the filters (audience, life events,
owners). The public page records searches that found nothing with `search_log_zero_result()`.

Two backends, chosen by the database in use (their structures are created by migration 0003):

- PostgreSQL: stored generated `tsvector` (title weight A, body weight B) in the `fr_unaccent`
  configuration (French Snowball stemmer after `unaccent`), GIN index, `websearch_to_tsquery`
  (quoted phrases, `-word`, `or`), `ts_rank` ordering, `ts_headline` excerpts.
- SQLite: FTS5 table (`unicode61 remove_diacritics 2`); every word becomes a prefix query
  (`"word"*`) after dropping French stop words and a final plural `s`/`x`; `bm25` ordering
  (title weighted 10, body 1); `snippet()` excerpts. No French stemmer: "déclarations" does not
  find "déclarer" (PostgreSQL does; a plural query does find the singular on both).

Typos: when the exact search finds nothing, each word of 4 letters or more is replaced by the
close indexed words (difflib ratio >= 0.75, at most 5 per word) and the search runs again with
them (`approximate=True`). Candidate words come from a word table with a pg_trgm index
(`word % query word`: a typo anywhere in the word) on PostgreSQL, and from the FTS5 vocabulary
on SQLite, restricted to words sharing the first two letters (a typo in the first two letters
is not recovered there).

Both backends apply the filters in SQL and only return entries the public can read (same rule
as `Entry.objects.published()`: a published version, not archived), checked on the entry itself
whatever the index holds. Ranking differs between backends: callers and tests must not depend
on identical order. Excerpts are HTML-safe: the text is escaped first, then the private use
characters that delimit matches become `<mark>`/`</mark>`. The SQL strings below only
interpolate table names and constants; everything the user typed goes through parameters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape

from django.db import connection, transaction

from bonnefoi.advice.models import PUBLIC_STATUSES, Entry, SearchDocument, ZeroResultSearch
from bonnefoi.structures.models import Structure

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


@dataclass(frozen=True)
class SearchHit:
    entry_id: int
    slug: str
    title: str
    excerpt_html: str  # escaped text with <mark>…</mark> around matches
    audience: str


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    # True when the exact search found nothing and these hits come from the typo fallback.
    approximate: bool = False


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


def _joined(values) -> str:
    return "|" + "|".join(sorted(values)) + "|"


def _marked_to_html(text: str) -> str:
    """Escape, then turn the match delimiters into <mark> tags (nothing else is markup)."""
    html = escape(" ".join(text.split()))
    return html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _edges(excerpt: str, body: str) -> str:
    """Add "…" where a PostgreSQL headline cuts the body (ts_headline does not say it)."""
    shown = _words(excerpt.translate(_MARKERS))
    text = _words(body)
    if not shown:
        return excerpt
    if shown[:3] != text[:3]:
        excerpt = "… " + excerpt
    if shown[-2:] != text[-2:]:
        excerpt += " …"
    return excerpt


def _fuzzy_words(query: str) -> list[str]:
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


def _closest(word: str, candidates) -> list[str]:
    scored = sorted(
        ((score, term) for term in candidates if (score := _close(word, term)) >= FUZZY_RATIO),
        key=lambda item: (-item[0], item[1]),
    )
    return [term for _score, term in scored[:FUZZY_MAX_TERMS]]


# --- index maintenance ----------------------------------------------------------------------


def _fts_replace(cursor, entry_id: int, title: str, body: str) -> None:
    """SQLite: (re)write the FTS5 row. Ligatures are spelt out ("sœur" -> "soeur"): FTS5 only
    removes diacritics, and people type "soeur"; excerpts show the spelt-out form."""
    cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry_id])  # noqa: S608
    cursor.execute(
        f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
        [entry_id, spell_out_ligatures(title), spell_out_ligatures(body)],
    )


def _add_words(cursor, fields: dict[str, str]) -> None:
    sql = f"INSERT INTO {WORD_TABLE} (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING"
    cursor.execute(sql, [document_words(fields)])


@transaction.atomic
def search_index_entry(entry: Entry) -> None:
    """(Re)index what the public reads of `entry`: its current published version (also while
    its next version is drafted or reviewed). An entry the public cannot read (never published,
    archived) is removed from the index instead."""
    entry = Entry.objects.filter(pk=entry.pk).select_related("current_version").first()
    if entry is None:
        return
    if not entry.is_public:
        search_remove_entry(entry)
        return
    fields = document_fields(entry.current_version.content)
    SearchDocument.objects.update_or_create(
        entry=entry,
        defaults={
            **fields,
            "slug": entry.slug,
            "audience": entry.audience,
            "life_events": _joined(entry.life_events.values_list("slug", flat=True)),
            "procedures": _joined(entry.procedures.values_list("slug", flat=True)),
            "owner_paths": _joined(entry.owners.values_list("path", flat=True)),
            "version_number": entry.current_version.number,
        },
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _fts_replace(cursor, entry.pk, fields["title"], fields["body"])
        elif connection.vendor == "postgresql":
            _add_words(cursor, fields)  # words are never removed: a stale one finds nothing


@transaction.atomic
def search_remove_entry(entry: Entry) -> None:
    """Take `entry` out of the search (archived, unpublished)."""
    SearchDocument.objects.filter(entry_id=entry.pk).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry.pk])  # noqa: S608


@transaction.atomic
def search_rebuild_index() -> int:
    """Rebuild the whole index from the published entries (after a bulk import or a direct
    change in the database); returns the number of entries indexed."""
    SearchDocument.objects.all().delete()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        elif connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {WORD_TABLE}")  # noqa: S608
    count = 0
    for pk in Entry.objects.published().values_list("pk", flat=True):
        search_index_entry(Entry(pk=pk))
        count += 1
    return count


# --- zero-result log ------------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s@]*@[^\s@]*")  # any token with an "@", whole
_PHONE = re.compile(
    r"(?:(?:\+|\b00)\s*\d{1,3}[\s.\-]*(?:\(0\)[\s.\-]*)?|\b0)\d(?:[\s.\-]*\d{2}){4}(?!\d)"
)
_DIGITS = re.compile(r"\d+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def clean_query_for_log(query: str) -> str:
    """The query as the observatory may keep it: no e-mail address, no phone number, no digit
    at all (dates, amounts, file or social security numbers), lowercased, 200 characters."""
    text = _EMAIL.sub(" ", query)
    text = _PHONE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    kept = [token for token in text.split() if _HAS_LETTER.search(token)]
    return " ".join(kept).lower()[:MAX_QUERY_LENGTH].strip()


def search_log_zero_result(
    query: str,
    *,
    audience: str | None = None,
    life_event: str | None = None,
    owner: int | None = None,
) -> ZeroResultSearch | None:
    """Record a public search that found nothing (cleaned query, filters, day). Nothing is
    recorded when no word is left once personal data is removed."""
    cleaned = clean_query_for_log(query)
    if not cleaned:
        return None
    if owner is not None and not Structure.objects.filter(pk=owner).exists():
        owner = None
    return ZeroResultSearch.objects.create(
        query=cleaned, audience=audience or "", life_event=life_event or "", owner_id=owner
    )


# --- search ---------------------------------------------------------------------------------


def _tables() -> dict[str, str]:
    return {
        "doc": SearchDocument._meta.db_table,
        "entry": Entry._meta.db_table,
        "structure": Structure._meta.db_table,
        "fts": FTS_TABLE,
    }


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Filters:
    where: str  # SQL on `d` (the document) and `e` (the entry)
    params: list
    on_document: bool  # True when `where` reads the document table


def _conditions(audience, life_event, owner, procedure) -> _Filters:
    """SQL conditions shared by every search query: entries the public reads (the rule of
    `Entry.objects.published()`, checked again here whatever the index holds), then filters."""
    tables = _tables()
    statuses = ", ".join(["%s"] * len(PUBLIC_STATUSES))
    sql = [f"e.status IN ({statuses})", "e.current_version_id IS NOT NULL"]
    params: list = [str(status) for status in PUBLIC_STATUSES]
    if audience:
        sql.append("d.audience = %s")
        params.append(audience)
    if life_event:
        sql.append("d.life_events LIKE %s ESCAPE '\\'")
        params.append(f"%|{_like_escape(life_event)}|%")
    if procedure:
        sql.append("d.procedures LIKE %s ESCAPE '\\'")
        params.append(f"%|{_like_escape(procedure)}|%")
    if owner is not None:  # the owner or any structure under it
        sql.append(
            f"d.owner_paths LIKE %s || (SELECT s.path FROM {tables['structure']} s "  # noqa: S608
            "WHERE s.id = %s) || %s"
        )
        params += ["%|", owner, "%"]
    return _Filters(" AND ".join(sql), params, len(sql) > 2)


def _hits(rows, excerpt) -> list[SearchHit]:
    return [
        SearchHit(
            entry_id=row[0], slug=row[1], title=row[2], audience=row[3], excerpt_html=excerpt(row)
        )
        for row in rows
    ]


class _PostgresSearch:
    """`query` is either what the user typed (websearch_to_tsquery) or, for the typo fallback,
    a to_tsquery expression built from indexed words only."""

    def _page(self, parser, query, filters, limit, offset):
        t = _tables()
        sql = f"""
            WITH q AS (SELECT {parser}('{TS_CONFIG}', %s) AS query),
            hits AS (
                SELECT d.entry_id, ts_rank(d.search_vector, q.query, 1) AS rank,
                       count(*) OVER () AS total
                FROM {t["doc"]} d JOIN {t["entry"]} e ON e.id = d.entry_id CROSS JOIN q
                WHERE d.search_vector @@ q.query AND {filters.where}
                ORDER BY rank DESC, d.entry_id
                LIMIT %s OFFSET %s
            )
            SELECT h.entry_id, d.slug, d.title, d.audience,
                   ts_headline('{TS_CONFIG}', d.body, q.query, %s), h.total, d.body
            FROM hits h JOIN {t["doc"]} d ON d.entry_id = h.entry_id CROSS JOIN q
            ORDER BY h.rank DESC, d.entry_id
        """  # noqa: S608 (table names and constants only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, *filters.params, limit, offset, PG_HEADLINE_OPTIONS])
            rows = cursor.fetchall()
        hits = _hits(rows, lambda row: _marked_to_html(_edges(row[4], row[6])))
        return hits, (rows[0][5] if rows else None)

    def _count(self, parser, query, filters):
        t = _tables()
        sql = f"""
            SELECT count(*) FROM {t["doc"]} d JOIN {t["entry"]} e ON e.id = d.entry_id
            WHERE d.search_vector @@ {parser}('{TS_CONFIG}', %s) AND {filters.where}
        """  # noqa: S608 (table names and constants only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, *filters.params])
            return cursor.fetchone()[0]

    def search(self, query, filters, limit, offset):
        return self._page("websearch_to_tsquery", query, filters, limit, offset)

    def count(self, query, filters):
        return self._count("websearch_to_tsquery", query, filters)

    def _corrections(self, words: list[str]) -> dict[str, list[str]]:
        """For each query word, the close indexed words (trigram candidates, then difflib)."""
        sql = f"""
            SELECT q.word, w.word FROM unnest(%s::text[]) AS q(word)
            CROSS JOIN LATERAL (
                SELECT word FROM {WORD_TABLE} WHERE word %% q.word
                ORDER BY similarity(word, q.word) DESC LIMIT 50
            ) w
        """  # noqa: S608 (table names and constants only)
        candidates: dict[str, list[str]] = {word: [] for word in words}
        with connection.cursor() as cursor:
            cursor.execute(sql, [words])
            for word, term in cursor.fetchall():
                candidates[word].append(term)
        return {word: _closest(word, terms) for word, terms in candidates.items()}

    def fuzzy(self, words, filters, limit, offset):
        corrections = self._corrections(words)
        if not all(corrections.values()):
            return [], 0
        # Indexed words are [a-z0-9]+ only: safe as to_tsquery operands.
        query = " & ".join("(" + " | ".join(terms) + ")" for terms in corrections.values())
        hits, total = self._page("to_tsquery", query, filters, limit, offset)
        if total is None:
            total = self._count("to_tsquery", query, filters) if offset else 0
        return hits, total


def _fts_term(word: str, *, prefix: bool = True) -> str:
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
            terms = [_fts_term(_light_stem(w)) for w in words]
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


class _SqliteSearch:
    """FTS5 refuses its auxiliary functions (bm25, snippet) in a query that also computes a
    window function or drives the join from another table: matching and ranking run alone in a
    materialised CTE; the filters join only the tables they need; the excerpts of the page's
    hits come from a second, single-table query."""

    def _page(self, expression, filters, limit, offset):
        t = _tables()
        document_join = (
            f"JOIN {t['doc']} d ON d.entry_id = m.entry_id" if filters.on_document else ""
        )
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT rowid AS entry_id, bm25({t["fts"]}, 10.0, 1.0) AS rank
                FROM {t["fts"]} WHERE {t["fts"]} MATCH %s
            ),
            page AS (
                SELECT m.entry_id, m.rank, count(*) OVER () AS total
                FROM m {document_join} JOIN {t["entry"]} e ON e.id = m.entry_id
                WHERE {filters.where}
                ORDER BY m.rank, m.entry_id
                LIMIT %s OFFSET %s
            )
            SELECT page.entry_id, d.slug, d.title, d.audience, page.total
            FROM page JOIN {t["doc"]} d ON d.entry_id = page.entry_id
            ORDER BY page.rank, page.entry_id
        """  # noqa: S608 (table names and constants only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *filters.params, limit, offset])
            rows = cursor.fetchall()
            if not rows:
                return [], None
            ids = [row[0] for row in rows]
            placeholders = ", ".join(["%s"] * len(ids))
            snippets = f"""
                SELECT rowid, snippet({t["fts"]}, 1, %s, %s, '…', {EXCERPT_WORDS})
                FROM {t["fts"]} WHERE {t["fts"]} MATCH %s AND rowid IN ({placeholders})
            """  # noqa: S608 (table names and constants only)
            cursor.execute(snippets, [MARK_START, MARK_END, expression, *ids])
            excerpts = dict(cursor.fetchall())
        return _hits(rows, lambda row: _marked_to_html(excerpts.get(row[0], ""))), rows[0][4]

    def _count(self, expression, filters):
        t = _tables()
        document_join = f"JOIN {t['doc']} d ON d.entry_id = f.rowid" if filters.on_document else ""
        sql = f"""
            SELECT count(*) FROM {t["fts"]} f {document_join}
            JOIN {t["entry"]} e ON e.id = f.rowid
            WHERE {t["fts"]} MATCH %s AND {filters.where}
        """  # noqa: S608 (table names and constants only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *filters.params])
            return cursor.fetchone()[0]

    def search(self, query, filters, limit, offset):
        expression = fts5_expression(query)
        if expression is None:
            return [], 0
        return self._page(expression, filters, limit, offset)

    def count(self, query, filters):
        expression = fts5_expression(query)
        return self._count(expression, filters) if expression else 0

    def _corrections(self, words: list[str]) -> dict[str, list[str]]:
        """For each query word, the close indexed words sharing its first two letters (the
        FTS5 vocabulary answers a range of words from its index)."""
        corrections = {}
        with connection.cursor() as cursor:
            for word in words:
                start = word[:2]
                end = start[:-1] + chr(ord(start[-1]) + 1)
                cursor.execute(
                    f"SELECT term FROM {FTS_VOCABULARY} WHERE term >= %s AND term < %s",  # noqa: S608
                    [start, end],
                )
                corrections[word] = _closest(word, (row[0] for row in cursor.fetchall()))
        return corrections

    def fuzzy(self, words, filters, limit, offset):
        corrections = self._corrections(words)
        if not all(corrections.values()):
            return [], 0
        expression = " AND ".join(
            "(" + " OR ".join(_fts_term(term, prefix=False) for term in terms) + ")"
            for terms in corrections.values()
        )
        hits, total = self._page(expression, filters, limit, offset)
        if total is None:
            total = self._count(expression, filters) if offset else 0
        return hits, total


def _backend():
    if connection.vendor == "postgresql":
        return _PostgresSearch()
    if connection.vendor == "sqlite":
        return _SqliteSearch()
    raise NotImplementedError(f"Recherche non prise en charge pour {connection.vendor}.")


def search_entries(
    query: str,
    *,
    audience: str | None = None,
    life_event: str | None = None,
    owner: int | None = None,
    limit: int = 20,
    offset: int = 0,
    procedure: str | None = None,
) -> SearchResults:
    """Published entries matching `query` (French full text), best first, with highlighted
    excerpts; filters: audience value, life event slug, owner structure id (with its subtree),
    procedure slug (an addition to the interface of the notes, optional).
    When the exact search finds nothing, typos are corrected and the hits say `approximate`."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return SearchResults(hits=[], total=0)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    backend = _backend()
    filters = _conditions(audience, life_event, owner, procedure)
    hits, total = backend.search(query, filters, limit, offset)
    if total is None:  # empty page: past the end, or nothing at all
        total = backend.count(query, filters) if offset else 0
    if total:
        return SearchResults(hits=hits, total=total)
    words = _fuzzy_words(query)
    if not words:
        return SearchResults(hits=[], total=0)
    hits, total = backend.fuzzy(words, filters, limit, offset)
    return SearchResults(hits=hits, total=total, approximate=bool(total))
