"""Who may do what in the incivility compartment (dict of booleans, read by views and templates).

Rights come from roles held on the report's structure or one of its ancestors, through
``ROLE_PERMISSIONS`` (bonnefoi/structures/abilities.py):

- ``incident.view`` / ``incident.handle`` (incident officer): read the reports of the subtree
  and record their follow-up;
- ``incident.statistics`` (incident officer, quality manager, administrators): aggregated
  statistics only.

Unlike the rest of the back office, a superuser gets no bypass here except for statistics: the
compartment is read by the reporter and the designated officers only (docs/adr/0008).
"""

from bonnefoi.incidents.models import IncidentReport, ProtectionStatus, Status
from bonnefoi.structures.abilities import ROLE_PERMISSIONS
from bonnefoi.structures.models import Agent, Structure
from bonnefoi.structures.selectors import user_memberships, user_roles_on

VIEW = "incident.view"
HANDLE = "incident.handle"
STATISTICS = "incident.statistics"


def compartment_permissions_on(user, structure: Structure) -> set[str]:
    """Permissions from the roles actually held on ``structure`` (no superuser bypass)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    granted: set[str] = set()
    for role in user_roles_on(user, structure):
        granted |= ROLE_PERMISSIONS.get(role, set())
    return granted


def roles_granting(permission: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if permission in perms}


def officer_roots(user) -> list[Structure]:
    """Structures whose subtree the user reads reports of, as a designated incident officer."""
    roles = roles_granting(VIEW)
    return [m.structure for m in user_memberships(user) if m.role in roles]


def statistics_roots(user) -> list[Structure] | None:
    """Structures whose statistics the user may read; None means every structure (superuser)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    roles = roles_granting(STATISTICS)
    return [m.structure for m in user_memberships(user) if m.role in roles]


def can_report(user) -> bool:
    """Any agent may report: a user with an agent profile or with a role somewhere."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user_memberships(user)) or Agent.objects.filter(user=user).exists()


def compartment_abilities(user) -> dict[str, bool]:
    """What the compartment's home page offers this user."""
    roots = statistics_roots(user)
    return {
        "report": can_report(user),
        "handle_reports": bool(officer_roots(user)),
        "view_statistics": roots is None or bool(roots),
    }


def report_abilities(user, report: IncidentReport) -> dict[str, bool]:
    perms = compartment_permissions_on(user, report.structure)
    is_reporter = user.is_authenticated and report.reporter_id == user.pk
    # An officer does not handle a report they filed themselves (they read it as its reporter).
    handle = HANDLE in perms and not is_reporter
    open_ = report.status != Status.CLOSED
    followed = report.status == Status.ACKNOWLEDGED
    return {
        "view": is_reporter or VIEW in perms,
        "view_as_reporter": is_reporter,
        "acknowledge": handle and report.status == Status.REPORTED,
        "offer_support": handle and followed,
        "record_complaint": handle
        and followed
        and not (report.complaint_by_agent and report.complaint_by_administration),
        "request_protection": handle
        and followed
        and report.protection_status == ProtectionStatus.NONE,
        "decide_protection": handle
        and followed
        and report.protection_status == ProtectionStatus.REQUESTED,
        "report_to_prosecutor": handle and followed and report.prosecutor_reported_on is None,
        "close": handle and followed and report.protection_status != ProtectionStatus.REQUESTED,
        "handle": handle and open_,
    }
