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
characters that delimit matches become `<mark>`/`</mark>`. The SQL strings of the backends
only interpolate table names and constants; everything the user typed goes through parameters.

Modules: `text` (normalisation, excerpts, query words, FTS5 expressions), `index` (index
maintenance), `sql` (filters shared by the backends), `postgres` and `sqlite` (the backends),
`querylog` (zero-result searches).
"""

from __future__ import annotations

from django.db import connection

from bonnefoi.advice.search.index import (
    search_index_entry,
    search_rebuild_index,
    search_remove_entry,
)
from bonnefoi.advice.search.postgres import PostgresSearch
from bonnefoi.advice.search.querylog import clean_query_for_log, search_log_zero_result
from bonnefoi.advice.search.sql import SearchHit, SearchResults, conditions
from bonnefoi.advice.search.sqlite import SqliteSearch
from bonnefoi.advice.search.text import (
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    STOP_WORDS,
    fts5_expression,
    fuzzy_words,
    normalize,
)

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_LENGTH",
    "STOP_WORDS",
    "SearchHit",
    "SearchResults",
    "clean_query_for_log",
    "fts5_expression",
    "normalize",
    "search_entries",
    "search_index_entry",
    "search_log_zero_result",
    "search_rebuild_index",
    "search_remove_entry",
]


def backend_for_connection():
    if connection.vendor == "postgresql":
        return PostgresSearch()
    if connection.vendor == "sqlite":
        return SqliteSearch()
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
    backend = backend_for_connection()
    filters = conditions(audience, life_event, owner, procedure)
    hits, total = backend.search(query, filters, limit, offset)
    if total is None:  # empty page: past the end, or nothing at all
        total = backend.count(query, filters) if offset else 0
    if total:
        return SearchResults(hits=hits, total=total)
    words = fuzzy_words(query)
    if not words:
        return SearchResults(hits=[], total=0)
    hits, total = backend.fuzzy(words, filters, limit, offset)
    return SearchResults(hits=hits, total=total, approximate=bool(total))
