"""Background work of the premises audits (arguments are ids: tasks may run elsewhere)."""

import datetime as dt

from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

from bonnefoi.core.site import absolute
from bonnefoi.reception.selectors import reminder_recipients
from bonnefoi.structures.models import Structure


@task
def notify_audit_due(site_id: int, due_on: str) -> int:
    """E-mail each quality manager and administrator of a site (or above it) that the site's
    next premises audit is due. One message per address: nobody sees the others' addresses."""
    site = Structure.objects.get(pk=site_id)
    due = dt.date.fromisoformat(due_on)
    link = absolute(reverse("reception:site_detail", args=[site.pk]))
    sent = 0
    for email in reminder_recipients(site):
        send_mail(
            subject=f"Bonne foi : audit des locaux attendu pour {site.name}",
            message=(
                "Bonjour,\n\n"
                f"Le prochain audit des locaux du site « {site.name} » est attendu le "
                f"{due:%d/%m/%Y}.\n\n"
                "Vous pouvez l'enregistrer (autoévaluation ou visite mystère) depuis l'espace "
                f"agent, sur la page du site : {link}\n\n"
                "Vous recevez ce message comme responsable qualité ou administrateur du site ou "
                "d'une structure dont il dépend.\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
        sent += 1
    return sent
