"""Who may do what in the observatory (docs/adr/0011-observatoire.md).

Permissions come from roles held on a structure or one of its ancestors (ROLE_PERMISSIONS):

- ``observatory.view``: quality managers, administrators, national administrators: the
  dashboards, alerts, action plans and impact figures of their subtree;
- ``observatory.plan``: the same roles: open action plans, add and update actions, record the
  filing volumes of a procedure, acknowledge alerts.

The country-wide view (no structure) is for superusers and for whoever holds the permission on
every network (a national administrator of each root).
"""

from bonnefoi.accounts.models import Role
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.models import Structure
from bonnefoi.structures.selectors import structures_visible_to

OBSERVATORY_ROLES = {Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.NATIONAL_ADMINISTRATOR}


def observatory_abilities(user, structure: Structure | None) -> dict[str, bool]:
    """Abilities on one scope: a structure's subtree, or the whole country (None)."""
    if structure is None:
        perms = (
            {"observatory.view", "observatory.plan"}
            if user.is_authenticated and user.is_active and user.is_superuser
            else set()
        )
    else:
        perms = permissions_on(user, structure)
    return {
        "view": "observatory.view" in perms,
        "plan": "observatory.plan" in perms,
    }


def observatory_scopes(user):
    """Every structure whose dashboard the user may read (subtrees of their roles)."""
    return structures_visible_to(user, roles=OBSERVATORY_ROLES)
