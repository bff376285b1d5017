"""Keep the public cache of the catalogue in step: any saved or deleted row the public pages,
widget or API show gives the "advice" namespace a new generation (bonnefoi.core.page_cache).

Signals rather than calls in each service: the admin, imports, migrations of content and
services all write through `save()`/`delete()`/M2M `set()`, and a missed call would leave a
stale page. Queryset `update()`/`bulk_create()` send no signal: code using them on these models
must call `page_cache.invalidate(NAMESPACE)` itself (none does today).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from bonnefoi.core import page_cache

NAMESPACE = "advice"


def _invalidate(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata: nothing is served from a half-loaded database
        return
    page_cache.invalidate(NAMESPACE)


def connect() -> None:
    from bonnefoi.advice import models
    from bonnefoi.structures.models import Structure

    shown = (
        models.Entry,
        models.EntryVersion,
        models.LifeEvent,
        models.Procedure,
        models.LegalReference,
        models.LegalReferenceVersion,
        Structure,  # owners' names and codes appear on entries, in the widget and the API
    )
    for model in shown:
        post_save.connect(_invalidate, sender=model, dispatch_uid=f"advice-cache-{model.__name__}")
        post_delete.connect(
            _invalidate, sender=model, dispatch_uid=f"advice-cache-del-{model.__name__}"
        )
    for through in (
        models.Entry.life_events.through,
        models.Entry.procedures.through,
        models.Entry.owners.through,
        models.Entry.legal_references.through,
        models.Procedure.owners.through,
    ):
        m2m_changed.connect(
            _invalidate, sender=through, dispatch_uid=f"advice-cache-m2m-{through.__name__}"
        )
