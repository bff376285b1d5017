"""« Ce conseil vous a-t-il été utile ? »: recording feedback and limiting its rate.

Nothing personal is kept. The rate limit counts submissions per client and entry in the default
cache, under a key derived from a keyed hash (HMAC with SECRET_KEY, salted) of the client address
and the entry: the address itself is never stored, and the counter expires with its window.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from bonnefoi.advice.models import Entry, EntryVersion, Feedback, FeedbackReason
from bonnefoi.core.ratelimit import count, counter_key, hit

RATE_LIMIT = 5  # accepted submissions per client and entry...
RATE_WINDOW_SECONDS = 3600  # ...per hour


def _rate_key(*, client_address: str, entry: Entry) -> str:
    return counter_key("advice-feedback", client_address, entry.pk)


def feedback_rate_exceeded(*, client_address: str, entry: Entry) -> bool:
    """True when this client already gave RATE_LIMIT opinions on this entry in the window."""
    return count(_rate_key(client_address=client_address, entry=entry)) >= RATE_LIMIT


def feedback_rate_count(*, client_address: str, entry: Entry) -> None:
    """Count one accepted submission; the window starts at the first one and then expires."""
    hit(_rate_key(client_address=client_address, entry=entry), RATE_WINDOW_SECONDS)


@transaction.atomic
def feedback_record(
    *, entry: Entry, useful: bool, reason: str = "", version_number: int | None = None
) -> Feedback:
    """Store one opinion on a published entry, tied to the version the reader saw.

    `reason` is one of FeedbackReason (or empty) and only kept when the advice was not useful;
    `version_number` defaults to the entry's current version and must be one of its versions.
    """
    if entry.current_version_id is None:
        raise ValidationError("Ce conseil n'est pas publié.")
    if reason and reason not in FeedbackReason.values:
        raise ValidationError("Cette raison ne fait pas partie de la liste proposée.")
    if version_number is None:
        version_number = entry.current_version.number
    elif not EntryVersion.objects.filter(entry=entry, number=version_number).exists():
        raise ValidationError("Cette version du conseil n'existe pas.")
    return Feedback.objects.create(
        entry=entry,
        version_number=version_number,
        useful=bool(useful),
        reason="" if useful else reason,
    )
