"""Who may do what in the training app: rights come from roles on a structure and its subtree
(``training.view_coverage``, ``training.record``, ``training.catalogue`` in ROLE_PERMISSIONS)."""

from django.db.models import QuerySet

from bonnefoi.structures.abilities import ROLE_PERMISSIONS, permissions_on
from bonnefoi.structures.models import Agent, Structure
from bonnefoi.structures.selectors import user_memberships


def roots_with(user, permission: str) -> list[Structure]:
    """Structures where ``user`` holds ``permission`` directly (their subtrees are the scope)."""
    return [m.structure for m in user_memberships(user) if permission in ROLE_PERMISSIONS[m.role]]


def structures_with(user, permission: str) -> QuerySet[Structure]:
    if user.is_authenticated and user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.subtrees_of(roots_with(user, permission))


def agents_with(user, permission: str) -> QuerySet[Agent]:
    return Agent.objects.filter(structure__in=structures_with(user, permission))


def training_abilities(user, structure: Structure) -> dict[str, bool]:
    perms = permissions_on(user, structure)
    return {
        "view_coverage": "training.view_coverage" in perms,
        "record": "training.record" in perms,
        "manage_catalogue": "training.catalogue" in perms,
    }


def agent_training_abilities(user, agent: Agent) -> dict[str, bool]:
    perms = permissions_on(user, agent.structure)
    is_self = user.is_authenticated and agent.user_id == user.pk
    return {
        # An agent reads their own record; coverage readers and recorders read those of their subtree.
        "view": is_self or bool({"training.view_coverage", "training.record"} & perms),
        "record": "training.record" in perms,
        # Front-line and manager flags are HR facts about the agent: agent managers set them.
        "edit_populations": "agent.manage" in perms,
    }
