"""Searches that found nothing, kept for the observatory without personal data."""

import re

from bonnefoi.advice.models import ZeroResultSearch
from bonnefoi.advice.search.text import MAX_QUERY_LENGTH
from bonnefoi.structures.models import Structure

_EMAIL = re.compile(r"[^\s@]*@[^\s@]*")  # any token with an "@", whole
_PHONE = re.compile(
    r"(?:(?:\+|\b00)\s*\d{1,3}[\s.\-]*(?:\(0\)[\s.\-]*)?|\b0)\d(?:[\s.\-]*\d{2}){4}(?!\d)"
)
_DIGITS = re.compile(r"\d+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def clean_query_for_log(query: str) -> str:
    """The query as the observatory may keep it: no e-mail address, no phone number, no digit
    at all (dates, amounts, file or social security numbers), lowercased, 200 characters."""
    text = _EMAIL.sub(" ", query)
    text = _PHONE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    kept = [token for token in text.split() if _HAS_LETTER.search(token)]
    return " ".join(kept).lower()[:MAX_QUERY_LENGTH].strip()


def search_log_zero_result(
    query: str,
    *,
    audience: str | None = None,
    life_event: str | None = None,
    owner: int | None = None,
) -> ZeroResultSearch | None:
    """Record a public search that found nothing (cleaned query, filters, day). Nothing is
    recorded when no word is left once personal data is removed."""
    cleaned = clean_query_for_log(query)
    if not cleaned:
        return None
    if owner is not None and not Structure.objects.filter(pk=owner).exists():
        owner = None
    return ZeroResultSearch.objects.create(
        query=cleaned, audience=audience or "", life_event=life_event or "", owner_id=owner
    )


# --- search ---------------------------------------------------------------------------------
