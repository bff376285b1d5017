"""Services of the action plans: rights per subtree, action status transitions, the documented
completion (date, evidence, public summary without personal data), filing volumes without
overlap, and the audit log of every write."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.observatory import services
from bonnefoi.observatory.models import ActionKind, ActionStatus, FilingVolume
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SUMMARY = "Le formulaire en ligne demande maintenant les heures supplémentaires."


@pytest.fixture
def tree():
    return build_tree()


@pytest.fixture
def manager(tree):
    return MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user


def make_plan(tree, manager, **kwargs):
    return services.plan_create(
        actor=manager,
        structure=kwargs.get("structure", tree.gard),
        title="Heures supplémentaires oubliées",
        problem="Un tiers des dossiers portent sur les heures supplémentaires.",
        entries=kwargs.get("entries") or [EntryFactory(owners=[tree.gard])],
        procedure=kwargs.get("procedure"),
    )


def make_action(plan, manager, owner):
    return services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.FORM,
        description="Ajouter une case « heures supplémentaires » au formulaire.",
        owner=owner,
        due_on=TODAY + dt.timedelta(days=30),
    )


@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    [
        (Role.QUALITY_MANAGER, "gard", True),
        (Role.QUALITY_MANAGER, "network", True),
        (Role.ADMINISTRATOR, "gard", True),
        (Role.NATIONAL_ADMINISTRATOR, "network", True),
        (Role.QUALITY_MANAGER, "moselle", False),
        (Role.QUALITY_MANAGER, "nimes", False),
        (Role.AGENT, "gard", False),
        (Role.EDITOR, "gard", False),
    ],
)
def test_who_may_open_a_plan(tree, role, where, allowed):
    """Plans are opened on a structure by its (or an ancestor's) quality managers and
    administrators only; a role below the structure or elsewhere is not enough."""
    user = MembershipFactory(role=role, structure=getattr(tree, where)).user
    if allowed:
        plan = make_plan(tree, user)
        assert plan.structure == tree.gard
        assert AuditLogEntry.objects.filter(
            action="observatory.plan.created", object_id=str(plan.pk), actor=user
        ).exists()
    else:
        with pytest.raises(PermissionDenied):
            make_plan(tree, user)


def test_plan_needs_title_problem_and_entries(tree, manager):
    """Empty title, problem or entries are refused with one French message per field."""
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            actor=manager, structure=tree.gard, title=" ", problem="", entries=[], procedure=None
        )
    assert set(refused.value.message_dict) == {"title", "problem", "entries"}


def test_action_owner_must_work_in_the_plan_subtree(tree, manager):
    """The owner of an action is an agent of the plan's structure or below it."""
    plan = make_plan(tree, manager)
    action = make_action(plan, manager, AgentFactory(structure=tree.nimes))
    assert action.status == ActionStatus.PLANNED
    assert AuditLogEntry.objects.filter(action="observatory.action.created").count() == 1
    with pytest.raises(ValidationError) as refused:
        make_action(plan, manager, AgentFactory(structure=tree.metz))
    assert "owner" in refused.value.message_dict


S = ActionStatus


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([S.IN_PROGRESS], True),
        ([S.ABANDONED], True),
        ([S.IN_PROGRESS, S.DONE], True),
        ([S.IN_PROGRESS, S.ABANDONED], True),
        ([S.DONE], True),  # a quick fix: planned straight to done
        ([S.IN_PROGRESS, S.PLANNED], False),
        ([S.IN_PROGRESS, S.DONE, S.IN_PROGRESS], False),
        ([S.ABANDONED, S.IN_PROGRESS], False),
    ],
)
def test_status_transitions(tree, manager, path, allowed):
    """planned → in progress → done | abandoned; planned may also be done or abandoned at once;
    final states stay."""
    action = make_action(make_plan(tree, manager), manager, AgentFactory(structure=tree.nimes))

    def walk():
        for status in path:
            services.action_update(
                actor=manager,
                action=action,
                status=status,
                completed_on=TODAY if status == S.DONE else None,
                evidence="Formulaire version 2 en ligne.",
                public_summary=SUMMARY,
            )

    if allowed:
        walk()
        action.refresh_from_db()
        assert action.status == path[-1]
    else:
        with pytest.raises(ValidationError) as refused:
            walk()
        assert "status" in refused.value.message_dict


@pytest.mark.parametrize(
    ("completed_on", "evidence", "summary", "field", "message"),
    [
        (None, "Preuve.", SUMMARY, "completed_on", "Indiquez la date de réalisation."),
        (TODAY + dt.timedelta(days=1), "Preuve.", SUMMARY, "completed_on", "future"),
        (TODAY, "  ", SUMMARY, "evidence", "preuve"),
        (TODAY, "Preuve.", "", "public_summary", "ce qui a changé"),
        (
            TODAY,
            "Preuve.",
            "Écrivez à marie.dupont@caf.fr pour en savoir plus.",
            "public_summary",
            "adresse électronique",
        ),
        (TODAY, "Preuve.", "Appelez le 06 12 34 56 78.", "public_summary", "téléphone"),
        (
            TODAY,
            "Preuve.",
            "Mon numéro : 2 95 10 99 126 111 93.",
            "public_summary",
            "sécurité sociale",
        ),
        (
            TODAY,
            "Preuve.",
            "Remboursé sur FR76 3000 6000 0112 3456 7890 189.",
            "public_summary",
            "IBAN",
        ),
    ],
)
def test_done_must_be_documented_without_personal_data(
    tree, manager, completed_on, evidence, summary, field, message
):
    """Done needs a completion date no later than today, evidence and a public summary free of
    e-mail addresses, phone numbers, NIR and IBAN; the action stays as it was."""
    action = make_action(make_plan(tree, manager), manager, AgentFactory(structure=tree.nimes))
    services.action_update(actor=manager, action=action, status=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as refused:
        services.action_update(
            actor=manager,
            action=action,
            status=S.DONE,
            completed_on=completed_on,
            evidence=evidence,
            public_summary=summary,
        )
    assert message in " ".join(refused.value.message_dict[field])
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (S.IN_PROGRESS, None)


def test_done_is_stored_and_audited(tree, manager):
    """A documented completion stores the date, evidence and summary, and is audited."""
    action = make_action(make_plan(tree, manager), manager, AgentFactory(structure=tree.nimes))
    services.action_update(actor=manager, action=action, status=S.IN_PROGRESS)
    yesterday = TODAY - dt.timedelta(days=1)
    services.action_update(
        actor=manager,
        action=action,
        status=S.DONE,
        completed_on=yesterday,
        evidence="Version 2 publiée.",
        public_summary=f"  {SUMMARY}  ",
    )
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.public_summary) == (
        S.DONE,
        yesterday,
        SUMMARY,
    )
    log = AuditLogEntry.objects.filter(action="observatory.action.updated").order_by("pk")
    assert [entry.details["to"] for entry in log] == [S.IN_PROGRESS, S.DONE]


def test_update_refused_outside_the_subtree(tree, manager):
    """A quality manager of another administration cannot touch the action."""
    action = make_action(make_plan(tree, manager), manager, AgentFactory(structure=tree.nimes))
    other = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle).user
    with pytest.raises(PermissionDenied):
        services.action_update(actor=other, action=action, status=S.IN_PROGRESS)


def test_filing_volumes_do_not_overlap(tree, manager):
    """Volumes of one structure and procedure may follow each other but not overlap; another
    structure or procedure is independent; each record is audited."""
    procedure = ProcedureFactory()

    def record(first, last, structure=tree.gard, proc=procedure, user=manager):
        return services.filing_volume_record(
            actor=user,
            structure=structure,
            procedure=proc,
            first_day=first,
            last_day=last,
            filings=1200,
            source="Extraction mensuelle du système de gestion",
        )

    record(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    record(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    record(dt.date(2026, 1, 15), dt.date(2026, 2, 15), proc=ProcedureFactory())
    record(dt.date(2026, 1, 15), dt.date(2026, 2, 15), structure=tree.nimes)
    with pytest.raises(ValidationError) as refused:
        record(dt.date(2026, 1, 31), dt.date(2026, 3, 31))
    assert "chevauche" in refused.value.message_dict["first_day"][0]
    assert FilingVolume.objects.count() == 4
    assert AuditLogEntry.objects.filter(action="observatory.filing_volume.recorded").count() == 4
    with pytest.raises(PermissionDenied):
        record(
            dt.date(2027, 1, 1),
            dt.date(2027, 1, 31),
            user=MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.moselle).user,
        )
    with pytest.raises(ValidationError):
        record(dt.date(2027, 2, 1), dt.date(2027, 1, 1))


def test_a_user_without_role_cannot_do_anything(tree):
    """No role, no write."""
    with pytest.raises(PermissionDenied):
        make_plan(tree, UserFactory())
