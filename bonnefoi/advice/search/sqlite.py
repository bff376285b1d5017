"""SQLite backend: FTS5 with prefix terms, bm25 ordering and snippet() excerpts; typo
candidates from the FTS5 vocabulary."""

from django.db import connection

from bonnefoi.advice.search.sql import hits_from_rows, tables
from bonnefoi.advice.search.text import (
    EXCERPT_WORDS,
    FTS_VOCABULARY,
    MARK_END,
    MARK_START,
    closest,
    fts5_expression,
    fts_term,
    marked_to_html,
)


class SqliteSearch:
    """FTS5 refuses its auxiliary functions (bm25, snippet) in a query that also computes a
    window function or drives the join from another table: matching and ranking run alone in a
    materialised CTE; the filters join only the tables they need; the excerpts of the page's
    hits come from a second, single-table query."""

    def _page(self, expression, filters, limit, offset):
        t = tables()
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
        return hits_from_rows(rows, lambda row: marked_to_html(excerpts.get(row[0], ""))), rows[0][
            4
        ]

    def _count(self, expression, filters):
        t = tables()
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
                corrections[word] = closest(word, (row[0] for row in cursor.fetchall()))
        return corrections

    def fuzzy(self, words, filters, limit, offset):
        corrections = self._corrections(words)
        if not all(corrections.values()):
            return [], 0
        expression = " AND ".join(
            "(" + " OR ".join(fts_term(term, prefix=False) for term in terms) + ")"
            for terms in corrections.values()
        )
        hits, total = self._page(expression, filters, limit, offset)
        if total is None:
            total = self._count(expression, filters) if offset else 0
        return hits, total
