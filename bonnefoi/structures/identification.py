"""What the public sees of an agent, channel by channel (CRPA L111-2 and L212-1).

By default an agent is identified by first name, last name, position (qualité) and service on
every channel. An agent under an anonymity exception in force is shown as pseudonym + service
everywhere except in their own structure's back office (see ``agent_abilities``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from bonnefoi.structures.abilities import agent_abilities
from bonnefoi.structures.models import Agent, Structure, StructureKind
from bonnefoi.structures.selectors import administration_of

LEGAL_REFERENCES = (
    {
        "code": "Code des relations entre le public et l'administration",
        "article": "L111-2",
        "version_date": None,
        "url": "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000031366350",
        "verified": False,
        "note": "Droit de connaître le prénom, le nom, la qualité et l'adresse administrative de "
        "l'agent ; anonymat pour motif de sécurité publique ou des personnes. Identifiant "
        "Légifrance et date de version à vérifier.",
    },
    {
        "code": "Code des relations entre le public et l'administration",
        "article": "L212-1",
        "version_date": None,
        "url": "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000031366350",
        "verified": False,
        "note": "Signature des décisions avec prénom, nom et qualité de l'auteur "
        "(numérotation actuelle non vérifiée, marquée [M] dans le dossier de conception).",
    },
)


class Channel(models.TextChoices):
    COUNTER_BADGE = "counter_badge", "Badge au guichet"
    PHONE_GREETING = "phone_greeting", "Accueil téléphonique"
    EMAIL_SIGNATURE = "email_signature", "Signature d'e-mail"
    LETTER_SIGNATURE = "letter_signature", "Signature de courrier"


@dataclass(frozen=True)
class PublicIdentity:
    """The words shown for one agent on one channel."""

    channel: str
    name: str
    position: str
    service: str
    address: str
    is_pseudonymous: bool
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def structure_public_label(structure: Structure) -> str:
    """ "CAF du Gard — Accueil de Nîmes": the administration, then the unit when it differs."""
    if structure.kind in (StructureKind.NETWORK, StructureKind.ADMINISTRATION):
        return structure.name
    administration = administration_of(structure)
    if administration is None:
        return structure.name
    return f"{administration.name} — {structure.name}"


def agent_is_pseudonymous(agent: Agent, on: dt.date) -> bool:
    """True when an anonymity exception is in force on ``on`` (uses prefetched rows if any)."""
    return any(exception.is_in_force(on) for exception in agent.anonymity_exceptions.all())


def agent_public_identity(
    *,
    agent: Agent,
    channel: str,
    viewer=None,
    on: dt.date | None = None,
    service_label: str | None = None,
) -> PublicIdentity:
    """What is shown of ``agent`` on ``channel``.

    ``viewer`` is the signed-in user of a back-office page, or None for anything the public sees
    (pages, letters, e-mails, badges): then the exception applies without condition.
    """
    on = on or timezone.localdate()
    service = service_label or structure_public_label(agent.structure)
    address = agent.structure.postal_address
    hidden = agent_is_pseudonymous(agent, on) and not (
        viewer is not None and agent_abilities(viewer, agent)["view_real_name"]
    )
    name = agent.pseudonym if hidden else agent.full_name
    # The position can single out an agent in a small site: it is withheld with the name.
    position = "" if hidden else agent.position
    lines = _channel_lines(channel, name=name, position=position, service=service, address=address)
    return PublicIdentity(
        channel=channel,
        name=name,
        position=position,
        service=service,
        address=address,
        is_pseudonymous=hidden,
        lines=lines,
    )


def _channel_lines(
    channel: str, *, name: str, position: str, service: str, address: str
) -> tuple[str, ...]:
    if channel == Channel.PHONE_GREETING:
        return (f"{service}, {name}, bonjour. Que puis-je faire pour vous ?",)
    if channel == Channel.COUNTER_BADGE:
        return tuple(line for line in (name, position, service) if line)
    if channel == Channel.EMAIL_SIGNATURE:
        return tuple(line for line in (name, position, service, address) if line)
    if channel == Channel.LETTER_SIGNATURE:
        return tuple(line for line in (name, position, service) if line)
    raise ValueError(f"Canal inconnu : {channel!r}.")
