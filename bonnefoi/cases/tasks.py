"""Background work of the correction channel (arguments are ids: tasks may run elsewhere)."""

from django.tasks import task
from django.utils.crypto import constant_time_compare, salted_hmac

from bonnefoi.cases.models import Case, CaseEvent
from bonnefoi.cases.notifications import notify_person as send_to_person


@task
def notify_person(case_id: int, event_id: int) -> bool:
    case = Case.objects.select_related("procedure", "structure").filter(pk=case_id).first()
    event = CaseEvent.objects.filter(pk=event_id, case_id=case_id).first()
    if case is None or event is None:  # purged meanwhile
        return False
    return send_to_person(case, event)


# --- decision letter and webhooks ---------------------------------------------------------------


@task
def render_letter(letter_id: int) -> str:
    """Lay out the decision letter (HTML + PDF/UA), then tell the person; returns its status."""
    from bonnefoi.cases.letters import render_letter as render

    letter = render(letter_id)
    return letter.status if letter is not None else "missing"


@task
def queue_webhooks(case_id: int, event_id: int) -> int:
    """One delivery per active endpoint of the case's subtree(s); returns how many."""
    from bonnefoi.cases.webhooks import queue_deliveries

    return len(queue_deliveries(case_id, event_id))


@task
def deliver_webhook(delivery_id: int) -> str:
    """First attempt of a delivery (retries: `manage.py deliver_webhooks`)."""
    from bonnefoi.cases.webhooks import attempt_delivery

    return attempt_delivery(delivery_id)


def lost_link_digest(email: str) -> str:
    """What a lost-link request carries of the e-mail typed: a keyed hash (the task queue keeps
    its arguments; an address in clear would sit there)."""
    return salted_hmac(
        "bonnefoi.cases.lost_link", email.strip().casefold(), algorithm="sha256"
    ).hexdigest()


@task
def answer_lost_link(reference: str, email_digest: str) -> bool:
    """« J'ai perdu mon lien », done in the background so that the page answers in the same
    time whether or not the reference and address match: when they do, the case's links are
    renewed and the new one is e-mailed to the address of the declaration."""
    from bonnefoi.cases import notifications, services

    case = Case.objects.select_related("procedure").filter(reference=reference).first()
    if case is None or not constant_time_compare(
        lost_link_digest(case.contact_email), email_digest
    ):
        return False
    case = services.case_renew_tracking(case)
    notifications.send_new_tracking_link(case)
    return True
