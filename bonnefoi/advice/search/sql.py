"""SQL shared by both backends: table names, the public-reading rule and the filters."""

from dataclasses import dataclass

from bonnefoi.advice.models import PUBLIC_STATUSES, Entry, SearchDocument
from bonnefoi.advice.search.text import FTS_TABLE
from bonnefoi.structures.models import Structure


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


def tables() -> dict[str, str]:
    return {
        "doc": SearchDocument._meta.db_table,
        "entry": Entry._meta.db_table,
        "structure": Structure._meta.db_table,
        "fts": FTS_TABLE,
    }


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Filters:
    where: str  # SQL on `d` (the document) and `e` (the entry)
    params: list
    on_document: bool  # True when `where` reads the document table


def conditions(audience, life_event, owner, procedure) -> Filters:
    """SQL conditions shared by every search query: entries the public reads (the rule of
    `Entry.objects.published()`, checked again here whatever the index holds), then filters."""
    names = tables()
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
            f"d.owner_paths LIKE %s || (SELECT s.path FROM {names['structure']} s "  # noqa: S608
            "WHERE s.id = %s) || %s"
        )
        params += ["%|", owner, "%"]
    return Filters(" AND ".join(sql), params, len(sql) > 2)


def hits_from_rows(rows, excerpt) -> list[SearchHit]:
    return [
        SearchHit(
            entry_id=row[0], slug=row[1], title=row[2], audience=row[3], excerpt_html=excerpt(row)
        )
        for row in rows
    ]
