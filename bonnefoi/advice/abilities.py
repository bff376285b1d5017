"""Who may do what on an advice entry: rights come from roles on one of its owners' subtrees."""

from bonnefoi.advice.models import Entry, EntryStatus
from bonnefoi.structures.abilities import permissions_on


def _permissions_on_owners(user, entry: Entry) -> set[str]:
    granted: set[str] = set()
    for owner in entry.owners.all():
        granted |= permissions_on(user, owner)
    return granted


def entry_abilities(user, entry: Entry) -> dict[str, bool]:
    perms = _permissions_on_owners(user, entry)
    editable = entry.status != EntryStatus.ARCHIVED
    return {
        "edit": "advice.edit" in perms and editable,
        "submit": "advice.edit" in perms and entry.status == EntryStatus.DRAFT,
        "publish": "advice.publish" in perms and entry.status == EntryStatus.IN_REVIEW,
        "archive": "advice.publish" in perms and editable,
    }


def publishing_owner(user, entry: Entry):
    """The owner structure under which `user` may publish `entry` (its "Vérifié par"), or None."""
    for owner in entry.owners.order_by("path"):
        if "advice.publish" in permissions_on(user, owner):
            return owner
    return None
