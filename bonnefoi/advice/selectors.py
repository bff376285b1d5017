"""Reads of the advice catalogue used in several places."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.advice.models import Entry, EntryVersion, LifeEvent, public_entries_q

REVIEWER_ROLES = (Role.EDITOR, Role.QUALITY_MANAGER, Role.ADMINISTRATOR)


def life_events_for(audience: str) -> QuerySet[LifeEvent]:
    """Life events of one audience that have at least one published entry."""
    return (
        LifeEvent.objects.filter(public_entries_q("entries__"), audience=audience)
        .distinct()
        .order_by("position", "title")
    )


def published_entries() -> QuerySet[Entry]:
    return Entry.objects.published().prefetch_related("owners").order_by("title")


def entry_for_public(slug: str) -> Entry:
    """A published entry with what its page shows (raises Entry.DoesNotExist)."""
    return (
        Entry.objects.published()
        .select_related("current_version__verified_by")
        .prefetch_related(
            "owners",
            "life_events",
            "procedures",
            Prefetch("versions", queryset=EntryVersion.objects.order_by("-number")),
        )
        .get(slug=slug)
    )


def entry_is_stale(entry: Entry, today=None) -> bool:
    """Marked "à revoir" or past its review date: the public page says so, discreetly."""
    today = today or timezone.localdate()
    return entry.needs_review or (entry.review_by is not None and entry.review_by < today)


def review_queue(structures) -> QuerySet[Entry]:
    """Entries of these structures' subtrees that need a reviewer: "à revoir", past their
    review date, or waiting for publication."""
    today = timezone.localdate()
    return (
        Entry.objects.owned_by_subtree_of(structures)
        .filter(Q(needs_review=True) | Q(review_by__lt=today) | Q(status="in_review"))
        .order_by("review_by", "title")
    )


def review_contacts(entry_ids) -> dict[str, list[str]]:
    """{e-mail: titles of the entries they look after} for editors and reviewers whose role is
    on an owner of the entries or on one of its ancestors."""
    contacts: dict[str, list[str]] = {}
    entries = Entry.objects.filter(pk__in=entry_ids).prefetch_related("owners")
    for entry in entries:
        ancestor_ids = {
            pk for owner in entry.owners.all() for pk in (*owner.ancestor_ids, owner.pk)
        }
        memberships = Membership.objects.filter(
            structure_id__in=ancestor_ids,
            role__in=REVIEWER_ROLES,
            is_active=True,
            user__is_active=True,
        ).select_related("user")
        for membership in memberships:
            titles = contacts.setdefault(membership.user.email, [])
            if entry.title not in titles:
                titles.append(entry.title)
    return dict(sorted(contacts.items()))
