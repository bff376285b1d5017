"""Who may do what on the premises of a reception site (docs/adr/0007-locaux-et-audits.md).

Permissions come from roles held on the site or on one of its ancestors (ROLE_PERMISSIONS):

- ``premises.view``: every role: the audits, scores, photos and corrective actions of the
  sites of one's subtree, read-only;
- ``premises.audit``: quality managers, administrators and national administrators: record an
  audit, open and follow up corrective actions.

The owner of a corrective action may also update its progress.
"""

from bonnefoi.reception.models import CorrectiveAction
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.models import Structure, StructureKind


def site_premises_abilities(user, site: Structure) -> dict[str, bool]:
    perms = permissions_on(user, site)
    is_site = site.kind == StructureKind.SITE
    return {
        "view": "premises.view" in perms,
        "record_audit": is_site and "premises.audit" in perms,
        "manage_actions": is_site and "premises.audit" in perms,
    }


def corrective_action_abilities(user, action: CorrectiveAction) -> dict[str, bool]:
    perms = permissions_on(user, action.audit.site)
    is_owner = user.is_authenticated and action.owner.user_id == user.pk
    return {
        "view": "premises.view" in perms or is_owner,
        "update": action.is_open and ("premises.audit" in perms or is_owner),
        "reopen": not action.is_open and "premises.audit" in perms,
    }
