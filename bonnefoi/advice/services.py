"""Every write on the advice catalogue: editorial workflow and rule-change propagation."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bonnefoi.advice.abilities import entry_abilities, publishing_owner
from bonnefoi.advice.models import (
    ChangeKind,
    Entry,
    EntryStatus,
    EntryVersion,
    LegalReference,
    LegalReferenceVersion,
    RuleWatch,
)
from bonnefoi.advice.search import search_index_entry, search_remove_entry
from bonnefoi.core.audit import audit_log

REVIEW_PERIOD = timedelta(days=365)  # a published entry is re-read at least once a year


def entry_content(entry: Entry) -> dict:
    """The publishable content of the working copy, as frozen in an EntryVersion."""
    return {
        "title": entry.title,
        "consequence": entry.consequence,
        "advice": entry.advice,
        "fix": entry.fix,
        "example": entry.example,
        "links": list(entry.links),
        "legal_references": sorted(entry.legal_references.values_list("key", flat=True)),
        "rule_ids": list(entry.rule_ids),
    }


def _require(user, entry: Entry, ability: str, message: str) -> None:
    if user is not None and not entry_abilities(user, entry)[ability]:
        raise PermissionDenied(message)


@transaction.atomic
def entry_submit_for_review(*, entry: Entry, user) -> Entry:
    """Draft -> in review (an editor of one of the owners)."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _require(user, entry, "submit", "Vous ne pouvez pas soumettre ce conseil à relecture.")
    entry.status = EntryStatus.IN_REVIEW
    entry.save(update_fields=["status", "updated_at"])
    audit_log(actor=user, action="advice.entry.submit", obj=entry)
    return entry


@transaction.atomic
def entry_publish(
    *, entry: Entry, user, change_kind: str, change_note: str, today: date | None = None
) -> EntryVersion:
    """In review -> published: freezes the working copy as a new numbered version.

    `user` must hold advice.publish on one of the entry's owners (None: a trusted import,
    which then publishes in the name of the first owner).
    """
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if user is not None:
        _require(user, entry, "publish", "Vous ne pouvez pas publier ce conseil.")
        owner = publishing_owner(user, entry)
    else:
        owner = entry.owners.order_by("path").first()
    if owner is None:
        raise ValidationError("Un conseil publié doit avoir une administration responsable.")
    if change_kind not in ChangeKind.values:
        raise ValidationError(f"Nature de changement inconnue : {change_kind!r}.")
    if not change_note.strip():
        raise ValidationError("Dites en une phrase ce qui change : la note est publique.")
    today = today or timezone.localdate()
    last = entry.versions.order_by("-number").first()
    version = EntryVersion.objects.create(
        entry=entry,
        number=(last.number + 1) if last else 1,
        change_kind=change_kind,
        change_note=change_note.strip(),
        content=entry_content(entry),
        published_by=user if user is not None and user.is_authenticated else None,
        verified_by=owner,
    )
    entry.current_version = version
    entry.status = EntryStatus.PUBLISHED
    entry.needs_review = False
    entry.review_reason = ""
    entry.verified_on = today
    entry.verified_by = owner
    entry.review_by = max(entry.review_by or today, today + REVIEW_PERIOD)
    entry.save()
    search_index_entry(entry)
    audit_log(
        actor=user,
        action="advice.entry.publish",
        obj=entry,
        structure=owner,
        details={"version": version.number, "change_kind": change_kind},
    )
    return version


@transaction.atomic
def entry_archive(*, entry: Entry, user) -> Entry:
    """Any state -> archived (a reviewer of one of the owners): the entry leaves the public
    pages and the search; its versions stay for the record."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.ARCHIVED:
        raise ValidationError("Ce conseil est déjà archivé.")
    _require(user, entry, "archive", "Vous ne pouvez pas archiver ce conseil.")
    entry.status = EntryStatus.ARCHIVED
    entry.needs_review = False  # an archived entry leaves the review queue too
    entry.save(update_fields=["status", "needs_review", "updated_at"])
    search_remove_entry(entry)
    audit_log(actor=user, action="advice.entry.archive", obj=entry)
    return entry


@transaction.atomic
def entries_mark_for_review(*, entries, reason: str, actor=None) -> list[int]:
    """Put entries in their owners' review queue ("à revoir") and tell the owners' editors."""
    from bonnefoi.advice.tasks import notify_review_needed

    marked = []
    for entry in (
        Entry.objects.select_for_update()
        .filter(pk__in=[e.pk for e in entries])
        .exclude(status=EntryStatus.ARCHIVED)
    ):
        reasons = [line for line in entry.review_reason.splitlines() if line]
        if reason not in reasons:
            reasons.append(reason)
        entry.needs_review = True
        entry.review_reason = "\n".join(reasons)
        entry.save(update_fields=["needs_review", "review_reason", "updated_at"])
        audit_log(
            actor=actor,
            action="advice.entry.mark_for_review",
            obj=entry,
            details={"reason": reason},
        )
        marked.append(entry.pk)
    if marked:
        transaction.on_commit(lambda: notify_review_needed.enqueue(marked, reason))
    return marked


@transaction.atomic
def legal_reference_version_register(
    *, reference: LegalReference, version_date: date, summary: str = "", actor=None
) -> LegalReferenceVersion:
    """Record a new version of a legal text; every entry citing it goes "à revoir"."""
    latest = reference.versions.order_by("-version_date").first()
    if latest is not None and version_date <= latest.version_date:
        raise ValidationError(
            f"Une version du {latest.version_date:%d/%m/%Y} existe déjà : "
            "la nouvelle version doit être plus récente."
        )
    version = LegalReferenceVersion.objects.create(
        reference=reference, version_date=version_date, summary=summary
    )
    audit_log(
        actor=actor,
        action="advice.reference.new_version",
        obj=reference,
        details={"version_date": version_date.isoformat()},
    )
    if latest is not None:  # the first version recorded is the one the entries were written on
        entries_mark_for_review(
            entries=list(reference.entries.all()),
            reason=f"Nouvelle version du {version_date:%d/%m/%Y} : {reference}.",
            actor=actor,
        )
    return version


@transaction.atomic
def engine_rules_sync(*, catalogue=None, actor=None) -> dict[str, list[int]]:
    """Compare the engine's latest rule versions with those last seen; a changed rule puts the
    entries depending on it "à revoir". Returns {rule id: marked entry ids} for changed rules."""
    from bonnefoi.rules import load_catalogue

    catalogue = catalogue or load_catalogue()
    changed: dict[str, list[int]] = {}
    seen = {watch.rule_id: watch for watch in RuleWatch.objects.select_for_update()}
    dependent = [e for e in Entry.objects.exclude(rule_ids=[]) if e.rule_ids]
    for rule_id, rule in catalogue.rules.items():
        latest = rule.versions[-1].id
        watch = seen.get(rule_id)
        if watch is None:
            RuleWatch.objects.create(rule_id=rule_id, version_id=latest)
            continue
        if watch.version_id == latest:
            continue
        watch.version_id = latest
        watch.save(update_fields=["version_id", "checked_at"])
        changed[rule_id] = entries_mark_for_review(
            entries=[e for e in dependent if rule_id in e.rule_ids],
            reason=f"Nouvelle version de la règle « {rule.title} » ({latest}).",
            actor=actor,
        )
    return changed
