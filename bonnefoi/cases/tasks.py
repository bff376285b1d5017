"""Background work of the correction channel (arguments are ids: tasks may run elsewhere)."""

from django.tasks import task

from bonnefoi.cases.models import Case, CaseEvent
from bonnefoi.cases.notifications import notify_person as send_to_person


@task
def notify_person(case_id: int, event_id: int) -> bool:
    case = Case.objects.select_related("procedure", "structure").filter(pk=case_id).first()
    event = CaseEvent.objects.filter(pk=event_id, case_id=case_id).first()
    if case is None or event is None:  # purged meanwhile
        return False
    return send_to_person(case, event)
