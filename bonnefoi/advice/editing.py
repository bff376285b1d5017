"""Writes of the advice back office: create, edit and archive the working copy of an entry.

Submitting for review and publishing stay in `services.py` (entry_submit_for_review,
entry_publish); this module only adds what the editor's forms need, with the same rules:
keyword-only arguments, one transaction, one audit entry, rights read from `abilities`.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from bonnefoi.accounts.models import Role
from bonnefoi.advice.abilities import entry_abilities
from bonnefoi.advice.models import (
    Entry,
    EntryStatus,
    LegalReference,
    LifeEvent,
    Procedure,
)
from bonnefoi.advice.services import entry_content
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.models import Structure, StructureKind
from bonnefoi.structures.selectors import structures_visible_to

# Roles whose holders write advice (advice.edit); quality managers and administrators also publish.
ADVICE_ROLES = {
    Role.EDITOR,
    Role.QUALITY_MANAGER,
    Role.ADMINISTRATOR,
    Role.NATIONAL_ADMINISTRATOR,
}
# Entries are owned by administrations (or a whole network), not by a counter or a service.
OWNER_KINDS = (StructureKind.NETWORK, StructureKind.ADMINISTRATION)
# Fields of the working copy that an EntryFields carries, in the form's order.
CONTENT_FIELDS = ("title", "consequence", "advice", "fix", "example", "links", "rule_ids")
RELATION_FIELDS = ("life_events", "procedures", "legal_references", "owners")


@dataclass(frozen=True)
class EntryFields:
    """What an editor sets on an entry (validated by the form before it gets here)."""

    audience: str
    title: str
    consequence: str
    advice: str
    fix: str
    example: str = ""
    links: list[dict] = field(default_factory=list)  # [{"label": ..., "url": ...}]
    life_events: list[LifeEvent] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    legal_references: list[LegalReference] = field(default_factory=list)
    owners: list[Structure] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    review_by: date | None = None


def owner_choices(user):
    """Structures a user may name as owners: networks and administrations in the subtrees where
    they hold a role that grants advice.edit."""
    return structures_visible_to(user, roles=ADVICE_ROLES).filter(kind__in=OWNER_KINDS)


def _check_owners(user, owners: list[Structure]) -> None:
    if not owners:
        raise ValidationError({"owners": "Choisissez au moins une administration responsable."})
    refused = [o.name for o in owners if "advice.edit" not in permissions_on(user, o)]
    if refused:
        raise PermissionDenied(
            "Vous ne pouvez pas confier un conseil à : " + ", ".join(sorted(refused)) + "."
        )


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:110].strip("-") or "erreur"
    candidate, number = base, 1
    taken = Entry.objects.exclude(pk=exclude_pk) if exclude_pk else Entry.objects.all()
    while taken.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _write(entry: Entry, fields: EntryFields) -> None:
    entry.audience = fields.audience
    entry.title = fields.title.strip()
    entry.consequence = fields.consequence.strip()
    entry.advice = fields.advice.strip()
    entry.fix = fields.fix.strip()
    entry.example = fields.example.strip()
    entry.links = [dict(link) for link in fields.links]
    entry.rule_ids = list(fields.rule_ids)
    entry.review_by = fields.review_by
    entry.full_clean(exclude=["slug", "current_version", "verified_by"])
    entry.save()
    entry.life_events.set(fields.life_events)
    entry.procedures.set(fields.procedures)
    entry.legal_references.set(fields.legal_references)


@transaction.atomic
def entry_create(*, user, fields: EntryFields) -> Entry:
    """A new draft, owned by structures where `user` holds advice.edit."""
    _check_owners(user, list(fields.owners))
    entry = Entry(slug=_unique_slug(fields.title), status=EntryStatus.DRAFT)
    _write(entry, fields)
    entry.owners.set(fields.owners)
    audit_log(
        actor=user,
        action="advice.entry.create",
        obj=entry,
        structure=fields.owners[0],
        details={"slug": entry.slug},
    )
    return entry


@transaction.atomic
def entry_update(*, entry: Entry, user, fields: EntryFields) -> Entry:
    """Change the working copy. What the public reads changes only at the next publication.

    Owners outside the editor's reach (a co-owning administration) are kept; the editor
    chooses among their own structures. Editing the text of a published entry starts a
    revision: the entry goes back to draft, to be submitted and published again.
    """
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if not entry_abilities(user, entry)["edit"]:
        raise PermissionDenied("Vous ne pouvez pas modifier ce conseil.")
    within_reach = set(owner_choices(user).values_list("pk", flat=True))
    kept = [o for o in entry.owners.all() if o.pk not in within_reach]
    chosen = list(fields.owners)
    _check_owners(user, chosen)
    before = entry_content(entry)
    before_relations = {
        name: sorted(getattr(entry, name).values_list("pk", flat=True)) for name in RELATION_FIELDS
    }
    before_meta = {"audience": entry.audience, "review_by": entry.review_by}
    _write(entry, fields)
    entry.owners.set([*kept, *chosen])
    after = entry_content(entry)
    changed = [name for name in after if after[name] != before[name]]
    changed += [
        name
        for name in RELATION_FIELDS
        if sorted(getattr(entry, name).values_list("pk", flat=True)) != before_relations[name]
        and name != "legal_references"  # already compared through the content
    ]
    changed += [name for name, value in before_meta.items() if getattr(entry, name) != value]
    published_text_changed = (
        entry.status == EntryStatus.PUBLISHED
        and entry.current_version is not None
        and after != entry.current_version.content
    )
    if published_text_changed:
        entry.status = EntryStatus.DRAFT
        entry.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=user,
        action="advice.entry.update",
        obj=entry,
        structure=chosen[0],
        details={"changed": changed, "status": entry.status},
    )
    return entry
