"""Reads of the compartment: which reports a user sees, where they may report."""

from django.db.models import Q, QuerySet

from bonnefoi.incidents.abilities import officer_roots, statistics_roots
from bonnefoi.incidents.models import IncidentReport
from bonnefoi.structures.models import Agent, Structure, StructureKind
from bonnefoi.structures.selectors import user_memberships


def reports_visible_to(user) -> QuerySet[IncidentReport]:
    """The user's own reports and those of the subtrees where they are an incident officer.

    No superuser bypass: see ``abilities``.
    """
    if not user.is_authenticated or not user.is_active:
        return IncidentReport.objects.none()
    roots = officer_roots(user)
    scope = Q(reporter=user)
    if roots:
        scope |= Q(structure__in=Structure.objects.subtrees_of(roots))
    return IncidentReport.objects.filter(scope)


def reportable_structures(user) -> QuerySet[Structure]:
    """Where the user may say an incident happened: the structures below the one they work in
    and below those where they hold a role (networks excluded: a report names a place)."""
    roots = [m.structure for m in user_memberships(user)]
    agent = Agent.objects.filter(user=user).select_related("structure").first()
    if agent is not None:
        roots.append(agent.structure)
    return Structure.objects.subtrees_of(roots).exclude(kind=StructureKind.NETWORK).order_by("path")


def default_report_structure(user) -> Structure | None:
    """The structure an agent works in, proposed first in the report form."""
    agent = Agent.objects.filter(user=user).select_related("structure").first()
    return agent.structure if agent is not None else None


def statistics_structures(user) -> QuerySet[Structure]:
    """Structures whose statistics the user may open (each table lists the sites below one)."""
    roots = statistics_roots(user)
    structures = Structure.objects.all() if roots is None else Structure.objects.subtrees_of(roots)
    return structures.order_by("path")
