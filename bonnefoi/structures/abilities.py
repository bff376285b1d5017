"""Who may do what on structures, agents and anonymity exceptions.

One function per main object returns a dict of booleans; views, templates and the API read it
(the `get_abilities` pattern of La Suite Docs). Permissions come from roles held on the object's
structure or on one of its ancestors; a superuser may do everything.
"""

from bonnefoi.accounts.models import Role
from bonnefoi.structures.models import Agent, AnonymityException, Structure
from bonnefoi.structures.selectors import user_memberships, user_roles_on

_READ = {"structure.view", "agent.view"}
# Advice catalogue: editors write and submit entries of their structures; quality managers
# and administrators review and publish them.
_ADVICE_EDIT = {"advice.edit"}
_ADVICE_PUBLISH = {"advice.edit", "advice.publish"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.AGENT: _READ,
    Role.EDITOR: _READ | _ADVICE_EDIT,
    Role.QUALITY_MANAGER: _READ | {"anonymity.view"} | _ADVICE_PUBLISH,
    Role.ADMINISTRATOR: _READ
    | _ADVICE_PUBLISH
    | {"agent.manage", "membership.manage", "anonymity.view", "anonymity.approve", "audit.view"},
    Role.NATIONAL_ADMINISTRATOR: _READ
    | _ADVICE_PUBLISH
    | {
        "agent.manage",
        "membership.manage",
        "anonymity.view",
        "anonymity.approve",
        "audit.view",
        "structure.manage",
    },
}
# Incivility reports (bonnefoi/incidents/, a restricted compartment): the designated incident
# officer reads and follows up the reports of the subtree; managers see aggregated statistics.
ROLE_PERMISSIONS[Role.INCIDENT_OFFICER] = _READ | {
    "incident.view",
    "incident.handle",
    "incident.statistics",
}
for _role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.NATIONAL_ADMINISTRATOR):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {"incident.statistics"}

# Training (bonnefoi/training): quality managers read the coverage of their subtree;
# administrators also record completions, import providers' exports and add modules.
_TRAINING_READ = {"training.view_coverage"}
_TRAINING_MANAGE = _TRAINING_READ | {"training.record", "training.catalogue"}
ROLE_PERMISSIONS[Role.QUALITY_MANAGER] |= _TRAINING_READ
ROLE_PERMISSIONS[Role.ADMINISTRATOR] |= _TRAINING_MANAGE
ROLE_PERMISSIONS[Role.NATIONAL_ADMINISTRATOR] |= _TRAINING_MANAGE

# Premises audits (bonnefoi/reception, ADR 0007): every role reads the audits of its subtree;
# quality managers and administrators record audits and manage corrective actions.
for _role in list(ROLE_PERMISSIONS):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {"premises.view"}
for _role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.NATIONAL_ADMINISTRATOR):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {"premises.audit"}

# Correction cases (bonnefoi/cases, ADR 0010): agents examine and decide the cases of their
# subtree; quality managers read them; administrators also export a person's data and manage
# the webhooks of their structures. Editors (content) have no access to cases.
_CASE_WORK = {"case.view", "case.process", "case.decide"}
ROLE_PERMISSIONS[Role.AGENT] = ROLE_PERMISSIONS[Role.AGENT] | _CASE_WORK
ROLE_PERMISSIONS[Role.QUALITY_MANAGER] = ROLE_PERMISSIONS[Role.QUALITY_MANAGER] | {"case.view"}
for _role in (Role.ADMINISTRATOR, Role.NATIONAL_ADMINISTRATOR):
    ROLE_PERMISSIONS[_role] = (
        ROLE_PERMISSIONS[_role] | _CASE_WORK | {"case.export", "webhook.manage"}
    )


# Observatory (bonnefoi/observatory, ADR 0011): quality managers and administrators read the
# dashboards of their subtree and run its action plans (actions, filing volumes, alerts).
_OBSERVATORY = {"observatory.view", "observatory.plan"}
for _role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.NATIONAL_ADMINISTRATOR):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _OBSERVATORY


def permissions_on(user, structure: Structure) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set().union(*ROLE_PERMISSIONS.values())
    granted: set[str] = set()
    for role in user_roles_on(user, structure):
        granted |= ROLE_PERMISSIONS[role]
    return granted


def structure_abilities(user, structure: Structure) -> dict[str, bool]:
    perms = permissions_on(user, structure)
    return {
        "view": "structure.view" in perms,
        "update": "structure.manage" in perms,
        "create_child": "structure.manage" in perms,
        "list_agents": "agent.view" in perms,
        "create_agent": "agent.manage" in perms,
        "manage_roles": "membership.manage" in perms,
        "view_anonymity_register": "anonymity.view" in perms,
        "view_audit_log": "audit.view" in perms,
    }


def agent_abilities(user, agent: Agent) -> dict[str, bool]:
    perms = permissions_on(user, agent.structure)
    is_self = user.is_authenticated and agent.user_id == user.pk
    return {
        "view": "agent.view" in perms or is_self,
        "update": "agent.manage" in perms,
        # Only an administrator who is not the agent may approve the agent's own exception.
        "grant_anonymity": "anonymity.approve" in perms and not is_self,
        "view_anonymity": "anonymity.view" in perms or is_self,
        # CRPA L111-2 exception: outside the agent's own structure, only the administrators who
        # keep the register see the real name (docs/adr/0002-identification-des-agents.md).
        "view_real_name": is_self
        or "anonymity.approve" in perms
        or any(m.structure_id == agent.structure_id for m in user_memberships(user)),
    }


def anonymity_exception_abilities(user, exception: AnonymityException) -> dict[str, bool]:
    perms = permissions_on(user, exception.agent.structure)
    return {
        "view": "anonymity.view" in perms,
        # Same rule as approval: an administrator may not lift their own exception.
        "revoke": "anonymity.approve" in perms
        and exception.revoked_at is None
        and exception.agent.user_id != user.pk,
    }
