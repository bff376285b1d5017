"""Builders for correction cases: a network with two administrations (Gard, Moselle), a
procedure they own, and cases created through the real services (draft, then submission)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.structures.models import Structure
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import ProcedureFactory
from tests.structures.factories import AgentFactory, StructureFactory


@dataclass
class World:
    network: Structure
    gard: Structure
    moselle: Structure
    procedure: object


def world(sector: str = "caf") -> World:
    network = StructureFactory(
        name="Caisses d'allocations familiales", commune_insee="", postal_code=""
    )
    gard = StructureFactory(
        name="CAF du Gard",
        kind="administration",
        parent=network,
        postal_code="30000",
        commune_insee="30189",
    )
    moselle = StructureFactory(
        name="CAF de la Moselle",
        kind="administration",
        parent=network,
        postal_code="57000",
        city="Metz",
        commune_insee="57463",
    )
    procedure = ProcedureFactory(
        title="Déclarer ses ressources trimestrielles", engine_sector=sector
    )
    procedure.owners.set([network])
    return World(network=network, gard=gard, moselle=moselle, procedure=procedure)


def agent_in(structure: Structure, role: str = Role.AGENT, **kwargs):
    """An agent working in `structure` with `role` there; returns the user."""
    return AgentFactory(structure=structure, role=role, **kwargs).user


def national_agent(w: World, role: str = Role.AGENT):
    """An agent of the Gard who also holds `role` on the whole network."""
    user = agent_in(w.gard)
    MembershipFactory(user=user, structure=w.network, role=role)
    return user


def declaration(procedure, **overrides) -> services.Declaration:
    today = timezone.localdate()
    values = {
        "procedure": procedure,
        "postal_code": "30900",
        "declared_value": "J'ai déclaré 1 800 € de salaire pour le trimestre.",
        "declared_on": today - timedelta(days=40),
        "correct_value": "Mon salaire du trimestre était de 2 100 € (une prime oubliée).",
        "correct_since": today - timedelta(days=40),
        "contact_email": "personne@exemple.test",
    }
    values.update(overrides)
    return services.Declaration(**values)


def submit(procedure, *, secret: str | None = None, **overrides):
    """A case submitted through a draft, as the public form does; returns the case."""
    draft = services.draft_for(secret or services.new_secret())
    case, _created = services.case_submit(
        draft=draft, declaration=declaration(procedure, **overrides)
    )
    return case


def past(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


# --- back office (agents' side) -------------------------------------------------------------

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submit_with_attachment(procedure, *, name: str = "bulletin.pdf", **overrides):
    """A case submitted with one PDF attached to its draft (stored under CASE_FILES_ROOT)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bonnefoi.cases.attachments import check_upload

    draft = services.draft_for(services.new_secret())
    services.draft_attach(
        draft=draft,
        checked=check_upload(SimpleUploadedFile(name, MINIMAL_PDF, "application/pdf")),
        limit=10,
    )
    case, _created = services.case_submit(
        draft=draft, declaration=declaration(procedure, **overrides)
    )
    return case


def in_review(procedure, agent, **overrides):
    """A case submitted then taken by `agent` (state "in review"); returns it fresh."""
    case = submit(procedure, **overrides)
    return services.case_take(case=case, user=agent, expected_version=case.version)


# --- decisions, letters, API and webhooks -----------------------------------------------------

SITUATION_GRANTED = {
    "sector": "caf",
    "location": {"department": "30"},
    "error_kind": "material_error",
    "sanction_nature": "administrative_pecuniary",
    "regularised": "spontaneously",
    "exception_category": "none",
    "bad_faith_established": False,
    "fraud_established": False,
    "dates": {"error": "2026-01-10", "regularisation": "2026-02-01"},
}


def decide(case, agent, outcome: str = "granted", **fields):
    """Record a decision on a case in review through the service (no expected version)."""
    values = {
        "outcome": outcome,
        "situation": dict(SITUATION_GRANTED),
        "motivation": "Vous avez corrigé vous-même une erreur matérielle, de bonne foi.",
    }
    if outcome in ("bad_faith", "fraud"):
        values["evidence"] = "Trois déclarations successives omettant le même salaire."
    if outcome != "granted":
        values["deviation_reason"] = "Éléments du dossier contraires à l'avis du moteur."
    values.update(fields)
    return services.case_decide(
        case=case, user=agent, data=services.DecisionInput(**values), expected_version=None
    )


# --- public side (the person's pages) -----------------------------------------------------------


def png_bytes() -> bytes:
    """A real, tiny PNG (Pillow opens it)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def case_handled_by(agent, *, decided: bool = True):
    """A case of `agent`'s administration handled through the services by that agent (an
    Agent, e.g. one under an anonymity exception): taken, a message, an invitation the person
    answered with a PDF, then (when `decided`) a decision whose letter is rendered."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bonnefoi.cases.attachments import check_upload
    from bonnefoi.cases.letters import render_letter

    structure = agent.structure
    administration = structure.parent if structure.kind in ("site", "service") else structure
    procedure = ProcedureFactory(title="Déclarer un changement de situation", engine_sector="caf")
    procedure.owners.set([administration])
    MembershipFactory(user=agent.user, structure=administration, role=Role.AGENT)
    case = submit(procedure, postal_code=administration.postal_code or "30900")
    user = agent.user
    case = services.case_take(case=case, user=user, expected_version=None)
    services.case_message(
        case=case, user=user, body="Nous examinons votre déclaration.", expected_version=None
    )
    services.case_invite(
        case=case,
        user=user,
        requested="Envoyez le bulletin de salaire du trimestre.",
        rule="P30D",
        expected_version=None,
    )
    pdf = check_upload(SimpleUploadedFile("bulletin.pdf", MINIMAL_PDF, "application/pdf"))
    services.case_person_answer(case=case, body="Voici le bulletin.", files=[pdf], limit=10)
    case.refresh_from_db()
    if decided:
        decision = decide(case, user)
        render_letter(decision.letter.pk)
        case.refresh_from_db()
    return case


def api_headers(user) -> dict:
    """An Authorization header with a fresh personal token of `user` (agent API)."""
    from bonnefoi.cases.authentication import api_token_create

    _token, raw = api_token_create(email=user.email, label="tests")
    return {"Authorization": f"Bearer {raw}"}


def api_post(client, url: str, headers: dict, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json", headers=headers)
