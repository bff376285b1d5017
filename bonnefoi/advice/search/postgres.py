"""PostgreSQL backend: tsvector in the fr_unaccent configuration, websearch_to_tsquery,
ts_rank and ts_headline; typo candidates from the trigram-indexed word table."""

from django.db import connection

from bonnefoi.advice.search.sql import hits_from_rows, tables
from bonnefoi.advice.search.text import (
    EDGE_CHARS,
    PG_HEADLINE_OPTIONS,
    TS_CONFIG,
    WORD_TABLE,
    closest,
    edges,
    marked_to_html,
)


class PostgresSearch:
    """`query` is either what the user typed (websearch_to_tsquery) or, for the typo fallback,
    a to_tsquery expression built from indexed words only."""

    def _page(self, parser, query, filters, limit, offset):
        t = tables()
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
                   ts_headline('{TS_CONFIG}', d.body, q.query, %s), h.total,
                   left(d.body, {EDGE_CHARS}), right(d.body, {EDGE_CHARS})
            FROM hits h JOIN {t["doc"]} d ON d.entry_id = h.entry_id CROSS JOIN q
            ORDER BY h.rank DESC, d.entry_id
        """  # noqa: S608 (table names and constants only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, *filters.params, limit, offset, PG_HEADLINE_OPTIONS])
            rows = cursor.fetchall()
        hits = hits_from_rows(rows, lambda row: marked_to_html(edges(row[4], row[6], row[7])))
        return hits, (rows[0][5] if rows else None)

    def _count(self, parser, query, filters):
        t = tables()
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
        return {word: closest(word, terms) for word, terms in candidates.items()}

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
