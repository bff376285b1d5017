"""What follows a committed change of a case: e-mail to the person and, where configured,
notices to the administration's systems. Called by services through transaction.on_commit, so
nothing is sent for a change that was rolled back. Each step is a background task (ids only)."""

from __future__ import annotations

from bonnefoi.cases import tasks
from bonnefoi.cases.models import CaseEvent, EventKind, Letter


def after_event(case_id: int, event_id: int) -> None:
    tasks.notify_person.enqueue(case_id, event_id)
    # Decision letter and webhooks (bonnefoi.cases.letters, bonnefoi.cases.webhooks).
    from bonnefoi.cases.webhooks import is_webhook_event  # imports hooks: import here

    event = CaseEvent.objects.filter(pk=event_id).values("kind", "data").first()
    if event is None:
        return
    if event["kind"] == EventKind.DECIDED:
        letter_id = (
            Letter.objects.filter(decision__case_id=case_id).values_list("pk", flat=True).first()
        )
        if letter_id is not None:
            enqueue_letter(letter_id)
    if is_webhook_event(event["kind"], event["data"]):
        tasks.queue_webhooks.enqueue(case_id, event_id)


def enqueue_letter(letter_id: int) -> None:
    tasks.render_letter.enqueue(letter_id)


def enqueue_delivery(delivery_id: int) -> None:
    tasks.deliver_webhook.enqueue(delivery_id)
