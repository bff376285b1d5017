"""Permission matrix of the back office: role × where the case is × action.

The user's home is a service (S) of the Gard administration (A) of a network (N1); the case is
in S ("own"), in A ("parent": roles apply downwards only), in a sibling service of S, or in an
administration of another network (N2). A national administrator holds the role on N1; the
"agent of another subtree" holds it on the Moselle administration (B) of N1.

No agent reads or acts outside their subtree: every request there is a 404 (existence not
revealed), the case never appears in their queue, and nothing changes.
"""

import pytest
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.agent_forms import field_name, flatten
from bonnefoi.cases.models import Case, CaseEvent, CaseState, Decision, EventKind
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import ProcedureFactory
from tests.cases.factories import agent_in, submit_with_attachment
from tests.cases.test_services import GRANTED_SITUATION
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

ACTIONS = (
    "list",
    "view",
    "download",
    "take",
    "message",
    "invite",
    "note",
    "tag",
    "redirect",
    "decide",
    "close",
)
READS = {"list", "view", "download"}
PLACES = ("own", "parent", "sibling", "other_network")
# role -> (where the role is held, places whose cases it may see, may it act)
ROLES = {
    "agent": ("S", {"own"}, True),
    "editor": ("S", set(), False),
    "quality_manager": ("S", {"own"}, False),
    "administrator": ("S", {"own"}, True),
    "national_administrator": ("N1", {"own", "parent", "sibling"}, True),
    "agent_other_subtree": ("B", set(), True),
    "anonymous": (None, set(), False),
}
ROLE_OF = {
    "agent": Role.AGENT,
    "editor": Role.EDITOR,
    "quality_manager": Role.QUALITY_MANAGER,
    "administrator": Role.ADMINISTRATOR,
    "national_administrator": Role.NATIONAL_ADMINISTRATOR,
    "agent_other_subtree": Role.AGENT,
}
# The state an action needs (services.case_* and abilities.case_abilities).
STATE_FOR = {
    "take": CaseState.SUBMITTED,
    "close": CaseState.DECIDED,
}


def build_tree():
    n1 = StructureFactory(name="Réseau 1", commune_insee="", postal_code="")
    a = StructureFactory(kind=StructureKind.ADMINISTRATION, name="Admin A", parent=n1)
    s = StructureFactory(kind=StructureKind.SERVICE, name="Service S", parent=a)
    s2 = StructureFactory(kind=StructureKind.SERVICE, name="Service S2", parent=a)
    b = StructureFactory(
        kind=StructureKind.ADMINISTRATION,
        name="Admin B",
        parent=n1,
        postal_code="57000",
        commune_insee="57463",
    )
    n2 = StructureFactory(name="Réseau 2", commune_insee="", postal_code="")
    c = StructureFactory(kind=StructureKind.ADMINISTRATION, name="Admin C", parent=n2)
    procedure = ProcedureFactory(title="Déclarer ses ressources", engine_sector="caf")
    procedure.owners.set([n1, n2])
    tree = {"N1": n1, "A": a, "S": s, "S2": s2, "B": b, "N2": n2, "C": c}
    # One agent per network prepares cases in the state an action needs.
    tree["workers"] = {
        n1.pk: network_user(a, n1, Role.AGENT),
        n2.pk: network_user(c, n2, Role.AGENT),
    }
    tree["procedure"] = procedure
    return tree


def network_user(workplace, network, role):
    """An agent working in `workplace` (as an editor: no case rights there) holding `role` on
    the whole `network` (agents are attached to an administration, a service or a site)."""
    user = agent_in(workplace, Role.EDITOR)
    MembershipFactory(user=user, structure=network, role=role)
    return user


PLACE_STRUCTURE = {"own": "S", "parent": "A", "sibling": "S2", "other_network": "C"}


def case_at(tree, place: str, state: str) -> Case:
    structure = tree[PLACE_STRUCTURE[place]]
    case = submit_with_attachment(tree["procedure"])
    Case.objects.filter(pk=case.pk).update(structure=structure)
    case.refresh_from_db()
    worker = tree["workers"][int(structure.path.split("/")[0])]
    if state != CaseState.SUBMITTED:
        case = services.case_take(case=case, user=worker, expected_version=case.version)
    if state == CaseState.DECIDED:
        services.case_decide(
            case=case,
            user=worker,
            data=services.DecisionInput(
                outcome="granted", situation=GRANTED_SITUATION, motivation="Motifs."
            ),
            expected_version=case.version,
        )
    case.refresh_from_db()
    return case


def url(case, name, **kwargs):
    return reverse(f"cases_backoffice:{name}", kwargs={"reference": case.reference, **kwargs})


def attempt(client, tree, case, action):
    """Run one action; returns (status code, whether it took effect)."""
    v = case.version
    if action == "list":
        response = client.get(reverse("cases_backoffice:queue"), {"etat": "tous"})
        seen = response.status_code == 200 and case.reference in response.content.decode()
        return response.status_code, seen
    if action == "view":
        response = client.get(url(case, "case"))
        return response.status_code, response.status_code == 200
    if action == "download":
        response = client.get(url(case, "attachment", pk=case.attachments.get().pk))
        return response.status_code, response.status_code == 200
    target = tree["B"] if case.structure_id != tree["B"].pk else tree["C"]
    posts = {
        "take": ("take", {}),
        "message": ("message", {"body": "Bonjour."}),
        "invite": ("invite", {"requested": "Envoyez.", "rule": "P30D", "action": "send"}),
        "note": ("note", {"body": "Note."}),
        "tag": ("tag", {"entry": "autre", "other_label": "Erreur de RIB"}),
        "redirect": ("redirect", {"to": target.pk, "reason": "Mauvaise caisse."}),
        "decide": (
            "decide",
            {
                "action": "record",
                "outcome": "granted",
                "motivation": "Motifs.",
                **{field_name(f): val for f, val in flatten(GRANTED_SITUATION).items()},
            },
        ),
        "close": ("close", {}),
    }
    name, data = posts[action]
    response = client.post(url(case, name), {"version": v, **data})
    before = case
    case = Case.objects.get(pk=case.pk)
    effects = {
        "take": case.state == CaseState.IN_REVIEW and before.state == CaseState.SUBMITTED,
        "message": CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE_TO_PERSON).exists(),
        "invite": case.state == CaseState.AWAITING_PERSON,
        "note": CaseEvent.objects.filter(case=case, kind=EventKind.INTERNAL_NOTE).exists(),
        "tag": case.other_error_label == "Erreur de RIB",
        "redirect": case.structure_id == target.pk,
        "decide": Decision.objects.filter(case=case).exists() and before.state != CaseState.DECIDED,
        "close": case.state == CaseState.CLOSED,
    }
    return response.status_code, effects[action]


def expected(role: str, place: str, action: str) -> tuple[set[int], bool]:
    """(acceptable status codes, whether the action must take effect)."""
    _home, visible_places, may_act = ROLES[role]
    if role == "anonymous":
        return {302}, False  # sent to the login page
    visible = place in visible_places
    if action == "list":
        return ({200} if visible_places or role != "editor" else {403}), visible
    if not visible:
        return {404}, False
    if action in READS:
        return {200}, True
    if may_act:
        return {302}, True
    return {403}, False


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", list(ROLES))
def test_permission_matrix(client, role, place):
    """For each action, the status and the effect match the role and where the case is."""
    tree = build_tree()
    home, _visible, _act = ROLES[role]
    if home == "N1":
        client.force_login(network_user(tree["B"], tree["N1"], ROLE_OF[role]))
    elif home is not None:
        client.force_login(agent_in(tree[home], ROLE_OF[role]))
    mismatches = []
    for action in ACTIONS:
        state = STATE_FOR.get(action, CaseState.IN_REVIEW)
        case = case_at(tree, place, state)
        status, effect = attempt(client, tree, case, action)
        codes, must_happen = expected(role, place, action)
        if status not in codes or effect != must_happen:
            mismatches.append((action, status, effect, sorted(codes), must_happen))
    assert mismatches == []
