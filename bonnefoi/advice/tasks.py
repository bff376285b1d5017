"""Background work of the advice catalogue (arguments are ids: tasks may run elsewhere)."""

from django.core.mail import send_mail
from django.tasks import task

from bonnefoi.advice.selectors import review_contacts


@task
def notify_review_needed(entry_ids: list[int], reason: str) -> int:
    """E-mail the editors and reviewers of the owners of entries put "à revoir"."""
    sent = 0
    for email, titles in review_contacts(entry_ids).items():
        listing = "\n".join(f"- {title}" for title in titles)
        send_mail(
            subject="Bonne foi : des conseils sont à revoir",
            message=(
                "Bonjour,\n\nDes conseils dont votre administration est responsable sont à revoir :\n"
                f"{listing}\n\nMotif : {reason}\n\n"
                "Ils sont dans votre file de relecture. Le public voit une mention indiquant que "
                "le conseil est en cours de mise à jour.\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
        sent += 1
    return sent
