"""Personal data that must never appear in a text the public reads (advice entries, change
notes, anything published): e-mail addresses, French phone numbers of ten digits, social
security numbers (NIR, checked with python-stdnum), IBANs (checked).

Public service numbers of four digits (3230, 3949…) are not personal and are allowed; so are
amounts, dates and article numbers. `find_personal_data` names what it found, in French, for
the editor to remove; `strip_personal_data` removes it (logs of searches)."""

from __future__ import annotations

import re

from stdnum import iban
from stdnum.fr import nir

EMAIL = re.compile(r"[^\s@<>()\"']+@[^\s@<>()\"']+\.[^\s@<>()\"']+")
PHONE = re.compile(
    r"(?:(?:\+|\b00)\s*33[\s.\-]*(?:\(0\)[\s.\-]*)?|\b0)[1-9](?:[\s.\-]*\d{2}){4}(?!\d)"
)
NIR_CANDIDATE = re.compile(
    r"\b[12][\s.]?\d{2}[\s.]?\d{2}[\s.]?[\dAB]{2}[\s.]?\d{3}[\s.]?\d{3}[\s.]?\d{2}\b"
)
IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")


def find_personal_data(text: str) -> list[str]:
    """French descriptions of the personal data found in `text` (empty when none)."""
    found = []
    if EMAIL.search(text):
        found.append("une adresse électronique")
    if PHONE.search(text):
        found.append("un numéro de téléphone à dix chiffres")
    if any(nir.is_valid(m.group(0)) for m in NIR_CANDIDATE.finditer(text)):
        found.append("un numéro de sécurité sociale")
    if any(iban.is_valid(m.group(0)) for m in IBAN_CANDIDATE.finditer(text)):
        found.append("un IBAN")
    return found


def personal_data_message(found: list[str]) -> str:
    return (
        "Ce texte est public : retirez "
        + ", ".join(found)
        + ". Citez plutôt la page officielle de contact ou un numéro de service public à "
        "quatre chiffres."
    )
