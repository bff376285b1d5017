"""The identification kit of an agent: what they show the public on each channel.

Every piece is computed by ``agent_public_identity`` with ``viewer=None``: a badge, a signature or a
greeting leaves the back office and reaches the public, so an anonymity exception in force always
applies to it, whoever prints or copies it (docs/adr/0009-kit-d-identification-et-formation.md).
"""

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.text import slugify

from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.identification import (
    LEGAL_REFERENCES,
    Channel,
    PublicIdentity,
    agent_public_identity,
)
from bonnefoi.structures.models import Agent

BADGE_TEMPLATE = "structures/kit/badge_pdf.html"
PSEUDONYM_NOTICE = (
    "Agent identifié par un pseudonyme pour des raisons de sécurité "
    "(article L111-2 du code des relations entre le public et l'administration)."
)


@dataclass(frozen=True)
class IdentificationKit:
    """The four public pieces of one agent on one day."""

    agent: Agent
    on: dt.date
    badge: PublicIdentity
    phone_greeting: PublicIdentity
    email_signature: PublicIdentity
    letter_signature: PublicIdentity

    @property
    def is_pseudonymous(self) -> bool:
        return self.badge.is_pseudonymous

    @property
    def email_signature_text(self) -> str:
        """Plain-text signature: a "-- " separator line, then the identity lines."""
        lines = ["-- ", *self.email_signature.lines]
        if self.email_signature.is_pseudonymous:
            lines.append(PSEUDONYM_NOTICE)
        return "\n".join(lines)

    @property
    def email_signature_html(self) -> str:
        """HTML signature to paste into a mail client: no style attribute, no image, one line of
        markup per line of text."""
        first, *rest = self.email_signature.lines
        lines = [format_html("<strong>{}</strong>", first), *(escape(line) for line in rest)]
        html = "<p>" + "<br>\n".join(lines) + "</p>"
        if self.email_signature.is_pseudonymous:
            html += format_html("\n<p><small>{}</small></p>", PSEUDONYM_NOTICE)
        return html

    @property
    def phone_greeting_text(self) -> str:
        return self.phone_greeting.text


def agent_kit(agent: Agent, on: dt.date | None = None) -> IdentificationKit:
    """Build the kit; never pass a viewer here: the kit is what the public receives."""
    on = on or timezone.localdate()

    def identity(channel: str) -> PublicIdentity:
        return agent_public_identity(agent=agent, channel=channel, viewer=None, on=on)

    return IdentificationKit(
        agent=agent,
        on=on,
        badge=identity(Channel.COUNTER_BADGE),
        phone_greeting=identity(Channel.PHONE_GREETING),
        email_signature=identity(Channel.EMAIL_SIGNATURE),
        letter_signature=identity(Channel.LETTER_SIGNATURE),
    )


def kit_abilities(user, agent: Agent) -> dict[str, bool]:
    """The agent prints their own kit; the administrators who manage agents print it for them."""
    is_self = user.is_authenticated and agent.user_id == user.pk
    manages = "agent.manage" in permissions_on(user, agent.structure)
    return {"view": is_self or manages, "is_self": is_self}


def badge_html(kit: IdentificationKit) -> str:
    return render_to_string(
        BADGE_TEMPLATE,
        {"kit": kit, "identity": kit.badge, "legal_references": LEGAL_REFERENCES},
    )


def badge_document(kit: IdentificationKit):
    """The laid-out WeasyPrint document (kept apart so tests can read the text it prints)."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a badge is printed

    return HTML(string=badge_html(kit)).render()


def badge_pdf(kit: IdentificationKit) -> bytes:
    return badge_document(kit).write_pdf()


def document_text(document) -> str:
    """Every piece of text laid out on the pages of a WeasyPrint document."""
    parts: list[str] = []
    for page in document.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if isinstance(text, str):
                parts.append(text)
    return " ".join(parts)


def badge_filename(kit: IdentificationKit) -> str:
    """Named after the public name, so the file name never holds a protected agent's name."""
    return f"badge-{slugify(kit.badge.name)}.pdf"
