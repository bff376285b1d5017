"""The two steps every write on a case shares: moving the state machine, and telling the
person and the administration's systems once the change is committed (hooks.after_event)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from bonnefoi.cases import hooks
from bonnefoi.cases.models import TRANSITIONS, Case, CaseEvent, CaseState


def move(case: Case, to_state: str, now) -> None:
    if to_state not in TRANSITIONS[case.state]:
        raise ValidationError(
            f"Action impossible : le dossier est « {CaseState(case.state).label} »."
        )
    case.state = to_state
    case.state_changed_at = now


def after_commit(case: Case, event: CaseEvent) -> None:
    case_id, event_id = case.pk, event.pk
    transaction.on_commit(lambda: hooks.after_event(case_id, event_id))
