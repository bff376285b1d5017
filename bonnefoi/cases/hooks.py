"""What follows a committed change of a case: e-mail to the person and, where configured,
notices to the administration's systems. Called by services through transaction.on_commit, so
nothing is sent for a change that was rolled back. Each step is a background task (ids only)."""

from __future__ import annotations

from bonnefoi.cases import tasks


def after_event(case_id: int, event_id: int) -> None:
    tasks.notify_person.enqueue(case_id, event_id)
