"""Reads of the structure tree and of who holds which role where."""

from django.db.models import QuerySet

from bonnefoi.accounts.models import Membership
from bonnefoi.structures.models import Agent, Structure


def structure_subtree(structure: Structure) -> QuerySet[Structure]:
    """The structure itself and all its descendants, in tree order."""
    return Structure.objects.subtree_of(structure).order_by("path")


def structure_ancestors(structure: Structure) -> QuerySet[Structure]:
    """The ancestors of a structure, from the root down to its parent."""
    return Structure.objects.filter(pk__in=structure.ancestor_ids).order_by("path")


def user_memberships(user) -> list[Membership]:
    """Active memberships of a user, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_bonnefoi_memberships", None)
    if cached is None:
        cached = list(Membership.objects.active().filter(user=user).select_related("structure"))
        user._bonnefoi_memberships = cached
    return cached


def user_roles_on(user, structure: Structure) -> set[str]:
    """Roles a user holds on a structure, directly or through an ancestor."""
    return {
        membership.role
        for membership in user_memberships(user)
        if structure.path.startswith(membership.structure.path)
    }


def structures_visible_to(user, roles: set[str] | None = None) -> QuerySet[Structure]:
    """Every structure in the subtrees where the user holds one of ``roles`` (any role if None)."""
    if user.is_authenticated and user.is_superuser:
        return Structure.objects.all()
    roots = [m.structure for m in user_memberships(user) if roles is None or m.role in roles]
    return Structure.objects.subtrees_of(roots)


def agents_visible_to(user) -> QuerySet[Agent]:
    """Agents of every structure the user can see, with their structure preloaded."""
    return (
        Agent.objects.filter(structure__in=structures_visible_to(user))
        .select_related("structure", "user")
        .order_by("last_name", "first_name", "pk")
    )


def administration_of(structure: Structure) -> Structure | None:
    """The nearest administration at or above a structure (None for a network)."""
    if structure.kind == "administration":
        return structure
    return structure_ancestors(structure).filter(kind="administration").order_by("-path").first()
