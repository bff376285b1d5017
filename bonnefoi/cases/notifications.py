"""E-mails to the person who declared: plain French, no personal data beyond what they sent,
with their tracking link. One message per public event that asks them to read or act."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse
from django.utils.formats import date_format

from bonnefoi.cases.models import Case, CaseEvent, EventKind
from bonnefoi.core.site import absolute


def tracking_url(case: Case) -> str:
    from bonnefoi.cases.services import tracking_secret

    return absolute(reverse("cases:track", args=[case.reference, tracking_secret(case)]))


SUBJECTS = {
    EventKind.SUBMITTED: "Votre déclaration {reference} a bien été reçue",
    EventKind.MESSAGE_TO_PERSON: "Un message de l'administration sur votre dossier {reference}",
    EventKind.INVITATION: "Dossier {reference} : l'administration vous demande de régulariser",
    EventKind.REDIRECTED: "Votre dossier {reference} a été transmis",
    EventKind.LETTER_READY: "Dossier {reference} : la décision est disponible",
    EventKind.CLOSED: "Votre dossier {reference} est clos",
}


def _body(case: Case, event: CaseEvent, link: str) -> str:
    hello = "Bonjour,\n\n"
    follow = f"\n\nSuivre votre dossier, répondre ou ajouter un document :\n{link}\n"
    keep = (
        "\nGardez ce lien pour vous : il donne accès à votre dossier sans mot de passe. Si vous "
        "l'avez perdu, demandez-en un nouveau depuis la page « Suivre mon dossier » avec la "
        "référence de votre dossier et votre adresse électronique.\n"
    )
    if event.kind == EventKind.SUBMITTED:
        text = (
            f"Votre déclaration sur la démarche « {case.procedure.title} » a été reçue le "
            f"{date_format(case.submitted_at, 'j F Y')} sous la référence {case.reference}. "
            f"Elle est transmise à : {case.structure.name}.\n\n"
            "Vous avez le droit à l'erreur : une erreur faite de bonne foi et corrigée de "
            "vous-même, ou dans le délai que l'administration vous indique, ne peut pas être "
            "sanctionnée dans la plupart des cas. Les sommes dues (par exemple un trop-perçu) "
            "restent à régler. Vous devez aussi signaler tout changement ou toute information "
            "inexacte dès que vous en avez connaissance."
        )
    elif event.kind == EventKind.LETTER_READY:
        text = (
            "L'administration a pris sa décision sur votre déclaration. Le courrier de décision, "
            "avec ses motifs et les voies de recours, est disponible sur la page de votre dossier."
        )
    else:
        text = event.body
    return hello + text + follow + keep


def notify_person(case: Case, event: CaseEvent) -> bool:
    """Send the e-mail of this event if it has one; True when sent."""
    subject = SUBJECTS.get(event.kind)
    if subject is None:
        return False
    send_mail(
        subject=subject.format(reference=case.reference),
        message=_body(case, event, tracking_url(case)),
        from_email=None,
        recipient_list=[case.contact_email],
    )
    return True


def send_new_tracking_link(case: Case) -> None:
    """After a « J'ai perdu mon lien » request that matched: the new link (the old ones no
    longer work), sent only to the address given with the declaration."""
    send_mail(
        subject=f"Nouveau lien de suivi de votre dossier {case.reference}",
        message=(
            "Bonjour,\n\n"
            f"Vous avez demandé un nouveau lien pour suivre votre dossier {case.reference}. "
            "Le voici :\n"
            f"{tracking_url(case)}\n\n"
            "Les liens envoyés auparavant ne fonctionnent plus. Gardez celui-ci pour vous : il "
            "donne accès à votre dossier sans mot de passe.\n\n"
            "Si vous n'avez rien demandé, vous pouvez ignorer ce message : seul ce nouveau lien "
            "ouvre votre dossier, et il n'a été envoyé qu'à vous.\n"
        ),
        from_email=None,
        recipient_list=[case.contact_email],
    )
