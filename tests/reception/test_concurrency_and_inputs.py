"""Security review fixes of the premises pages: a corrective action is updated on its locked,
current row (never on a stale copy); a non-ASCII digit in ``?perimetre=`` is refused like any
other bad value instead of ending in a 500."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.reception.forms import ActionUpdateForm
from bonnefoi.reception.models import ActionStatus, CorrectiveAction
from bonnefoi.reception.services import corrective_action_create, corrective_action_update
from tests.reception.factories import record_audit
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(tree, member, current):
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    audit = record_audit(
        actor=quality, site=tree.nimes, checklist=current, toilets=("not_met", "Fermées.")
    )
    return corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes du rez-de-chaussée.",
        owner=AgentFactory(structure=tree.ales),
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )


def close_meanwhile(action: CorrectiveAction) -> None:
    """Someone else closes the action after the caller loaded it (a concurrent request)."""
    CorrectiveAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.DONE, completed_on=timezone.localdate(), follow_up="Réparées."
    )


def test_owner_cannot_update_an_action_closed_meanwhile(action):
    """The owner loaded the action open; it was closed before their update: the rights are
    checked on the current row, so the update is refused and the closure stays."""
    stale = CorrectiveAction.objects.select_related("owner", "audit__site").get(pk=action.pk)
    close_meanwhile(action)
    with pytest.raises(PermissionDenied):
        corrective_action_update(
            actor=stale.owner.user, action=stale, status=ActionStatus.IN_PROGRESS
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.follow_up == "Réparées."


def test_quality_manager_acting_on_a_stale_copy_may_only_reopen(tree, member, action):
    """A quality manager who saw the action open and cancels it after someone closed it gets
    the rule of a closed action (reopen only), and the audit log records the real previous
    state."""
    stale = CorrectiveAction.objects.get(pk=action.pk)
    close_meanwhile(action)
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    with pytest.raises(ValidationError, match="rouverte"):
        corrective_action_update(actor=quality, action=stale, status=ActionStatus.CANCELLED)
    corrective_action_update(actor=quality, action=stale, status=ActionStatus.OPEN)
    entry = AuditLogEntry.objects.filter(action="reception.corrective_action.updated").get()
    assert entry.details == {"from": ActionStatus.DONE, "to": ActionStatus.OPEN}


def test_update_locks_the_row(tree, member, action):
    """On a database with row locks, the update reads the action with SELECT ... FOR UPDATE."""
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no row locks: a write locks the whole database.")
    with CaptureQueriesContext(connection) as queries:
        corrective_action_update(
            actor=member(Role.QUALITY_MANAGER, tree.gard),
            action=action,
            status=ActionStatus.IN_PROGRESS,
        )
    assert any(
        "FOR UPDATE" in query["sql"] and "reception_correctiveaction" in query["sql"]
        for query in queries.captured_queries
    )


def test_the_form_answers_403_in_french_when_the_action_closed_meanwhile(
    client, monkeypatch, action
):
    """Through the page: the action is closed by someone else while the owner's request runs
    (after the page read it, before the write): a 403 with a French message, the closure kept."""
    real_is_valid = ActionUpdateForm.is_valid

    def is_valid_then_closed_meanwhile(form):
        valid = real_is_valid(form)
        close_meanwhile(action)
        return valid

    monkeypatch.setattr(ActionUpdateForm, "is_valid", is_valid_then_closed_meanwhile)
    client.force_login(action.owner.user)
    response = client.post(
        reverse("reception:action_update", args=[action.pk]),
        {"status": ActionStatus.IN_PROGRESS, "follow_up": "Devis demandé."},
    )
    assert response.status_code == 403
    assert "Vous ne pouvez plus mettre à jour cette action." in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


@pytest.mark.parametrize("value", ["²", "١٢", "𝟙", "-1", "1.0", " 1"])
def test_non_ascii_or_non_digit_perimeter_is_refused_not_a_500(client, tree, member, value):
    """``?perimetre=`` with superscript, Arabic-Indic or mathematical digits, a sign or a
    decimal point gets the answer of any unknown perimeter (404), never a server error."""
    client.force_login(member(Role.NATIONAL_ADMINISTRATOR, tree.network))
    response = client.get(reverse("reception:site_list"), {"perimetre": value})
    assert response.status_code == 404


def test_a_huge_perimeter_number_is_an_unknown_perimeter(client, tree, member):
    """A number beyond any identifier is an unknown perimeter (404), not a database error."""
    client.force_login(member(Role.NATIONAL_ADMINISTRATOR, tree.network))
    response = client.get(reverse("reception:site_list"), {"perimetre": "9" * 30})
    assert response.status_code == 404
