"""Back-office pages of the action plans and filing volumes: scope per subtree (404 outside,
403 without role), refused forms answer 400 in French with what was typed, successful writes
redirect, and a completed action shows its measured impact."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.observatory import services
from bonnefoi.observatory.models import (
    Action,
    ActionKind,
    ActionPlan,
    ActionStatus,
    CaseCount,
    FilingVolume,
)
from bonnefoi.observatory.periods import period_start
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def tree():
    return build_tree()


@pytest.fixture
def manager(tree):
    return MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user


@pytest.fixture
def entry(tree):
    return EntryFactory(owners=[tree.gard], title="J'oublie mes heures supplémentaires")


def plan_for(tree, user, entry, structure=None, procedure=None):
    return services.plan_create(
        actor=user,
        structure=structure or tree.gard,
        title="Heures supplémentaires oubliées",
        problem="Beaucoup de dossiers.",
        entries=[entry],
        procedure=procedure,
    )


def test_list_shows_only_plans_of_the_scope(client, tree, manager, entry):
    """A quality manager of the Gard sees the Gard's plans, not the Moselle's; the status
    filter keeps plans with an action in that status."""
    mine = plan_for(tree, manager, entry)
    other_manager = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle).user
    theirs = services.plan_create(
        actor=other_manager,
        structure=tree.moselle,
        title="Adresse de Metz",
        problem="Changements d'adresse.",
        entries=[entry],
    )
    client.force_login(manager)
    response = client.get(reverse("observatory:plans"))
    assert response.status_code == 200
    assert list(response.context["plans"]) == [mine]
    assert theirs.title not in response.content.decode()
    services.action_create(
        actor=manager,
        plan=mine,
        kind=ActionKind.LETTER,
        description="Réécrire le courrier.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=TODAY,
    )
    assert list(client.get(reverse("observatory:plans"), {"etat": "planned"}).context["plans"]) == [
        mine
    ]
    assert list(client.get(reverse("observatory:plans"), {"etat": "done"}).context["plans"]) == []


@pytest.mark.parametrize("name", ["plans", "plan_create", "volumes", "alerts"])
def test_pages_without_observatory_role_are_forbidden(client, tree, name):
    """An agent or an editor has no observatory: a French 403 page."""
    client.force_login(MembershipFactory(role=Role.AGENT, structure=tree.gard).user)
    response = client.get(reverse(f"observatory:{name}"))
    assert response.status_code == 403
    assert "responsables qualité" in response.content.decode()


def test_create_plan_then_refused_form_keeps_input(client, tree, manager, entry):
    """A valid plan redirects to its page; a plan without entry answers 400 with the message
    and what was typed; a structure outside the scope is refused."""
    client.force_login(manager)
    url = reverse("observatory:plan_create")
    assert client.get(url, {"erreur": entry.slug}).status_code == 200
    data = {
        "structure": tree.gard.pk,
        "title": "Heures oubliées",
        "problem": "Le formulaire ne parle pas des heures supplémentaires.",
        "entries": [entry.pk],
    }
    response = client.post(url, {**data, "entries": []})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choisissez au moins une erreur fréquente." in body
    assert "Le formulaire ne parle pas des heures supplémentaires." in body
    response = client.post(url, {**data, "structure": tree.moselle.pk})
    assert response.status_code == 400
    assert "Choisissez une structure de votre périmètre." in response.content.decode()
    response = client.post(url, data)
    plan = ActionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("observatory:plan_detail", args=[plan.pk])
    assert list(plan.entries.all()) == [entry]


def test_plan_outside_the_scope_is_404(client, tree, manager, entry):
    """Plans, actions and their pages do not exist for a quality manager of elsewhere."""
    plan = plan_for(tree, manager, entry)
    action = services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.OTHER,
        description="Autre chose.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=TODAY,
    )
    client.force_login(MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle).user)
    assert client.get(reverse("observatory:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("observatory:action_update", args=[action.pk])).status_code == 404
    assert client.post(reverse("observatory:action_create", args=[plan.pk])).status_code == 404


def test_add_action_and_refusals(client, tree, manager, entry):
    """An action needs an owner of the plan's subtree and a valid date; a refusal keeps what
    was typed; a success redirects to the plan."""
    plan = plan_for(tree, manager, entry)
    owner = AgentFactory(structure=tree.nimes, last_name="Bonnet")
    stranger = AgentFactory(structure=tree.metz)
    client.force_login(manager)
    url = reverse("observatory:action_create", args=[plan.pk])
    data = {
        "kind": ActionKind.ADVICE,
        "description": "Publier un conseil sur les heures supplémentaires.",
        "owner": owner.pk,
        "due_on": "2026-06-30",
    }
    response = client.post(url, {**data, "owner": stranger.pk, "due_on": "30 juin"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choisissez un agent de la structure du plan." in body
    assert "Saisissez une date valide" in body
    assert "Publier un conseil sur les heures supplémentaires." in body
    response = client.post(url, data)
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.due_on) == (owner, dt.date(2026, 6, 30))
    detail = client.get(reverse("observatory:plan_detail", args=[plan.pk])).content.decode()
    assert "Bonnet" in detail
    assert "Publier un conseil sur les heures supplémentaires." in detail


def test_overdue_badge(client, tree, manager, entry):
    """An open action past its due date is marked late on the plan."""
    plan = plan_for(tree, manager, entry)
    services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.TRAINING,
        description="Former l'accueil.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=TODAY - dt.timedelta(days=1),
    )
    client.force_login(manager)
    response = client.get(reverse("observatory:plan_detail", args=[plan.pk]))
    assert response.context["rows"][0]["overdue"] is True
    assert "En retard" in response.content.decode()


def test_mark_done_with_refusals_then_impact_shown(client, tree, manager, entry):
    """Done with an e-mail in the public summary and no evidence answers 400 (typed text kept);
    documented, the action is done and the plan shows its impact with its numbers."""
    procedure = ProcedureFactory()
    plan = plan_for(tree, manager, entry, procedure=procedure)
    action = services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.FORM,
        description="Ajouter une case.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=TODAY,
    )
    services.action_update(actor=manager, action=action, status=ActionStatus.IN_PROGRESS)
    completed = TODAY - dt.timedelta(days=70)
    transition = period_start("week", completed)
    for weeks, received in ((-2, 6), (-1, 4), (1, 2), (2, 1)):
        CaseCount.objects.create(
            scope=tree.gard,
            period="week",
            start=transition + dt.timedelta(days=7 * weeks),
            procedure=procedure,
            entry=entry,
            received=received,
        )
    client.force_login(manager)
    url = reverse("observatory:action_update", args=[action.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": "done",
            "completed_on": completed.isoformat(),
            "evidence": "",
            "public_summary": "Écrivez à jean.martin@caf.fr.",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Indiquez la preuve de réalisation." in body
    assert "retirez une adresse électronique" in body
    assert "jean.martin@caf.fr" in body  # kept for correction
    response = client.post(
        url,
        {
            "status": "done",
            "completed_on": completed.isoformat(),
            "evidence": "Formulaire version 2.",
            "public_summary": "Le formulaire demande les heures supplémentaires.",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    page = client.get(reverse("observatory:plan_detail", args=[plan.pk]))
    impact = page.context["rows"][0]["impact"]
    assert (impact.cases_before, impact.cases_after) == (10, 3)
    assert impact.weeks == 8
    html = page.content.decode()
    assert "Effet mesuré de l'action" in html
    assert "Dossiers par semaine : 1,25 avant, 0,38 après" in " ".join(html.split())
    # A done action is final: no more form, and a POST is refused.
    assert client.post(url, {"status": "abandoned"}).status_code == 403
    assert AuditLogEntry.objects.filter(action="observatory.action.updated").count() == 2


def test_planned_straight_to_done_is_accepted_when_documented(client, tree, manager, entry):
    """A quick fix goes from « prévue » to « réalisée » at once, with its evidence and summary."""
    plan = plan_for(tree, manager, entry)
    action = services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.FORM,
        description="Ajouter une case.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=TODAY,
    )
    client.force_login(manager)
    response = client.post(
        reverse("observatory:action_update", args=[action.pk]),
        {
            "status": "done",
            "completed_on": TODAY.isoformat(),
            "evidence": "Preuve.",
            "public_summary": "Ce qui a changé.",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (ActionStatus.DONE, TODAY)


def test_volumes_page(client, tree, manager):
    """A volume is recorded for a structure of the scope; an overlapping one answers 400 with
    the dates kept; the list shows only the scope's volumes."""
    procedure = ProcedureFactory(title="Déclaration trimestrielle")
    client.force_login(manager)
    url = reverse("observatory:volumes")
    data = {
        "structure": tree.gard.pk,
        "procedure": procedure.pk,
        "first_day": "2026-01-01",
        "last_day": "2026-03-31",
        "filings": "12000",
        "source": "Extraction du système de gestion",
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "first_day": "2026-03-01", "last_day": "2026-04-30"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "chevauche un volume déjà enregistré" in body
    assert 'value="2026-04-30"' in body
    response = client.post(url, {**data, "structure": tree.moselle.pk, "filings": "0"})
    assert response.status_code == 400
    assert "Choisissez une structure de votre périmètre." in response.content.decode()
    other = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle).user
    services.filing_volume_record(
        actor=other,
        structure=tree.moselle,
        procedure=procedure,
        first_day=dt.date(2026, 1, 1),
        last_day=dt.date(2026, 1, 31),
        filings=10,
        source="Metz",
    )
    listed = client.get(url).context["volumes"]
    assert [v.structure for v in listed] == [tree.gard]
    assert FilingVolume.objects.count() == 2


def test_entry_page(client, tree, manager, entry):
    """The frequent-error page shows the weekly cases of the user's scope, the votes, the
    alerts and the plans with their completed actions; another scope is 404."""
    this_week = period_start("week", TODAY)
    procedure = ProcedureFactory()
    CaseCount.objects.create(
        scope=tree.gard,
        period="week",
        start=this_week - dt.timedelta(days=7),
        procedure=procedure,
        entry=entry,
        received=4,
    )
    CaseCount.objects.create(
        scope=tree.moselle,
        period="week",
        start=this_week - dt.timedelta(days=7),
        procedure=procedure,
        entry=entry,
        received=40,
    )
    plan = plan_for(tree, manager, entry)
    client.force_login(manager)
    url = reverse("observatory:entry", args=[entry.slug])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["scope"] == tree.gard
    assert response.context["total"] == 4
    assert len(response.context["weeks"]) == 26
    assert response.context["weeks"][-1]["start"] == this_week
    assert [row["plan"] for row in response.context["plan_rows"]] == [plan]
    assert client.get(url, {"perimetre": tree.moselle.pk}).status_code == 404
    assert client.get(url, {"perimetre": "²"}).status_code == 404
    assert client.get(reverse("observatory:entry", args=["inconnue"])).status_code == 404


def test_entry_page_national_for_a_superuser(client, tree, entry):
    """A superuser reads the country-wide counts by default (national rows only)."""
    this_week = period_start("week", TODAY)
    procedure = ProcedureFactory()
    for scope, received in ((None, 9), (tree.gard, 4)):
        CaseCount.objects.create(
            scope=scope,
            period="week",
            start=this_week,
            procedure=procedure,
            entry=entry,
            received=received,
        )
    client.force_login(UserFactory(superuser=True))
    response = client.get(reverse("observatory:entry", args=[entry.slug]))
    assert response.context["scope"] is None
    assert response.context["total"] == 9
    assert "France entière" in response.content.decode()
