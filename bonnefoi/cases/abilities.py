"""Who may do what on a correction case: roles held on the case's structure or an ancestor
(ROLE_PERMISSIONS in bonnefoi/structures/abilities.py), plus the state of the case."""

from bonnefoi.cases.models import OPEN_STATES, CaseState
from bonnefoi.structures.abilities import permissions_on


def case_abilities(user, case) -> dict[str, bool]:
    perms = permissions_on(user, case.structure)
    is_agent = getattr(user, "agent", None) is not None if user.is_authenticated else False
    open_case = case.state in OPEN_STATES
    can_process = "case.process" in perms and is_agent
    return {
        "view": "case.view" in perms,
        "process": can_process,
        "take": can_process and case.state == CaseState.SUBMITTED,
        "message": can_process and open_case,
        "invite": can_process and case.state == CaseState.IN_REVIEW,
        "redirect": can_process and open_case,
        "decide": "case.decide" in perms
        and is_agent
        and case.state in (CaseState.IN_REVIEW, CaseState.AWAITING_PERSON),
        "close": can_process and case.state == CaseState.DECIDED,
        "export": "case.export" in perms,
    }
