"""Index maintenance: what the public reads of an entry goes into the search tables."""

from django.db import connection, transaction

from bonnefoi.advice.models import Entry, SearchDocument
from bonnefoi.advice.search.text import (
    FTS_TABLE,
    WORD_TABLE,
    document_fields,
    document_words,
    spell_out_ligatures,
)


def _joined(values) -> str:
    return "|" + "|".join(sorted(values)) + "|"


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
