"""Demo correction cases (called by `manage.py load_demo` after the advice content import and
the demo agents): about fifteen declarations on real procedures of the imported catalogue, in
the CAF du Gard, the CAF de la Moselle, the CAF de la Guyane, two tax directions and the Urssaf
Île-de-France, in every state — waiting, taken, tagged, awaiting the person, answered, decided,
closed, redirected — all made through the services, as agents and people would.

Idempotent: each demo case comes from its own draft (secret "demo-case-<key>"), and submitting
a draft twice returns the case already made; the steps only run for a case just created. Two
cases are backdated after submission so that the queue shows overdue cases. Invented facts.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role, User
from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.cases import services
from bonnefoi.cases.models import Case, CaseEvent, EventKind, Outcome
from bonnefoi.cases.routing import department_of_postal_code
from bonnefoi.structures import services as structure_services
from bonnefoi.structures.models import Structure

# Agents who examine the cases of an administration (demo agents work at reception sites;
# examining cases needs a role on the administration the cases are routed to).
CASE_WORKERS = [
    ("agent.nimes@demo.bonnefoi.test", "DEMO-CAF30"),
    ("agent.metz@demo.bonnefoi.test", "DEMO-CAF57"),
]
WORKER_OF = {
    "DEMO-CAF30": "agent.nimes@demo.bonnefoi.test",
    "DEMO-CAF57": "agent.metz@demo.bonnefoi.test",
    "DEMO-DDFIP57": "admin.ddfip57@demo.bonnefoi.test",
}
SAME_PERSON = "1234567"  # a CAF allocataire number used twice: the "first time?" panel

# (key, procedure slug, postal code, days ago, declared, correct, identifier, steps)
CASES = [
    (
        "trim-recent",
        "caf-declaration-trimestrielle-ressources",
        "30000",
        2,
        "J'ai déclaré 1 450 € de salaire pour avril.",
        "Mon salaire d'avril était de 1 620 € : j'avais oublié les heures supplémentaires.",
        "",
        [],
    ),
    (
        "trim-old",
        "caf-declaration-trimestrielle-ressources",
        "30100",
        45,
        "J'ai déclaré aucun revenu pour le trimestre.",
        "J'ai travaillé trois semaines en intérim en février (980 €).",
        "",
        [],
    ),
    (
        "couple",
        "caf-changement-situation",
        "30000",
        12,
        "J'ai déclaré vivre seule.",
        "Je vis en couple depuis le 1er mars, avec un concubin qui travaille.",
        "",
        ["take", "tag:vie-en-couple-non-declaree-caf", "note"],
    ),
    (
        "logement",
        "aide-au-logement",
        "30000",
        9,
        "J'ai déclaré un loyer de 620 €.",
        "Mon loyer est de 540 € depuis la renégociation du bail en janvier.",
        "",
        ["take", "message"],
    ),
    (
        "attente",
        "prime-activite",
        "30000",
        20,
        "J'ai déclaré 1 100 € de revenus d'activité en mars.",
        "J'avais aussi une indemnité de fin de contrat de 300 € en mars.",
        "",
        ["take", "invite"],
    ),
    (
        "repondu",
        "revenu-solidarite-active",
        "30100",
        25,
        "J'ai déclaré habiter seul.",
        "Mon fils majeur est revenu vivre chez moi en janvier.",
        "",
        ["take", "invite", "answer"],
    ),
    (
        "decide",
        "caf-declaration-trimestrielle-ressources",
        "30000",
        60,
        "J'ai déclaré 900 € au lieu de 1 900 € (un chiffre oublié).",
        "Mon salaire du trimestre était de 1 900 €.",
        SAME_PERSON,
        ["take", "tag-other:Chiffre oublié dans un montant", "decide"],
    ),
    (
        "deuxieme-fois",
        "caf-declaration-trimestrielle-ressources",
        "30000",
        5,
        "J'ai de nouveau déclaré un montant sans les primes.",
        "Il fallait ajouter 250 € de prime exceptionnelle.",
        SAME_PERSON,
        ["take"],
    ),
    (
        "clos",
        "allocations-familiales",
        "30100",
        90,
        "J'ai déclaré trois enfants à charge.",
        "Mon aîné a eu 20 ans en décembre : deux enfants à charge depuis janvier.",
        "",
        ["take", "decide", "close"],
    ),
    (
        "moselle-1",
        "caf-changement-situation",
        "57000",
        4,
        "J'ai déclaré être salarié à temps plein.",
        "Je suis passé à mi-temps le 1er avril.",
        "",
        [],
    ),
    (
        "moselle-2",
        "aide-au-logement",
        "57000",
        15,
        "J'ai déclaré un loyer charges comprises.",
        "Le loyer hors charges est de 480 €, les charges de 60 €.",
        "",
        ["take", "tag-other:Loyer déclaré charges comprises"],
    ),
    (
        "guyane",
        "prime-activite",
        "97300",
        6,
        "J'ai oublié de déclarer une activité de quelques jours en mai.",
        "J'ai travaillé 4 jours en mai pour 320 €.",
        "",
        [],
    ),
    (
        "impots-moselle",
        "correction-declaration-revenus",
        "57000",
        8,
        "J'ai déclaré 3 enfants à charge au lieu de 2.",
        "Deux enfants à charge : l'aînée a quitté le foyer fiscal.",
        "",
        ["take"],
    ),
    (
        "impots-gard",
        "declaration-revenus",
        "30000",
        35,
        "J'ai oublié de déclarer 1 200 € de revenus fonciers.",
        "Les loyers perçus en 2025 étaient de 1 200 €.",
        "",
        [],
    ),
    (
        "urssaf",
        "pro-dsn",
        "93100",
        10,
        "J'ai déclaré un salaire brut de 2 300 € pour un salarié.",
        "Le salaire brut était de 2 450 € avec la prime d'ancienneté.",
        "",
        [],
    ),
    (
        "transmis",
        "caf-changement-situation",
        "30000",
        7,
        "J'ai déclaré une adresse à Nîmes.",
        "J'habite à Metz depuis février.",
        "",
        ["redirect:DEMO-CAF57"],
    ),
]


def load_demo_cases() -> list[str]:
    """Create what is missing; returns one line per thing created."""
    created = _grant_case_workers()
    for key, slug, postal, days, declared, correct, identifier, steps in CASES:
        procedure = Procedure.objects.filter(slug=slug).first()
        if procedure is None:  # catalogue adapted without this procedure: skip the case
            continue
        today = timezone.localdate()
        draft = services.draft_for(f"demo-case-{key}")
        case, is_new = services.case_submit(
            draft=draft,
            declaration=services.Declaration(
                procedure=procedure,
                postal_code=postal,
                declared_value=declared,
                declared_on=today - dt.timedelta(days=days + 30),
                correct_value=correct,
                correct_since=today - dt.timedelta(days=days + 30),
                contact_email=f"personne.{key}@exemple.test",
                identifier_kind="caf_allocataire" if identifier else "",
                identifier=identifier,
            ),
        )
        if not is_new:
            continue
        _backdate(case, days)
        for step in steps:
            case = _step(case, step)
        created.append(f"dossier de correction {case.reference} ({case.structure.name})")
    return created


def _grant_case_workers() -> list[str]:
    created = []
    for email, sp_code in CASE_WORKERS:
        user = User.objects.filter(email=email).first()
        structure = Structure.objects.filter(sp_code=sp_code).first()
        if user is None or structure is None:
            continue
        if Membership.objects.filter(user=user, structure=structure, role=Role.AGENT).exists():
            continue
        structure_services.membership_grant(
            actor=None, user=user, structure=structure, role=Role.AGENT
        )
        created.append(f"rôle agent (dossiers de correction) de {email} sur « {structure.name} »")
    return created


def _backdate(case: Case, days: int) -> None:
    """Demo only: the case was submitted `days` ago (the queue shows its age)."""
    when = timezone.now() - dt.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(submitted_at=when, state_changed_at=when)
    CaseEvent.objects.filter(case=case, kind=EventKind.SUBMITTED).update(at=when)
    case.refresh_from_db()


def _worker(case: Case) -> User:
    for structure in [
        case.structure,
        *Structure.objects.filter(pk__in=case.structure.ancestor_ids),
    ]:
        if structure.sp_code in WORKER_OF:
            return User.objects.get(email=WORKER_OF[structure.sp_code])
    raise LookupError(f"Pas d'agent de démonstration pour {case.structure.name}.")


def _step(case: Case, step: str) -> Case:
    user = _worker(case)
    version = case.version
    name, _, argument = step.partition(":")
    if name == "take":
        services.case_take(case=case, user=user, expected_version=version)
    elif name == "note":
        services.case_note(
            case=case, user=user, body="Vérifier la date de début de vie commune avec le bail."
        )
    elif name == "message":
        services.case_message(
            case=case,
            user=user,
            body="Merci pour votre déclaration. Pouvez-vous nous envoyer l'avenant au bail ?",
            expected_version=version,
        )
    elif name == "invite":
        services.case_invite(
            case=case,
            user=user,
            requested="Corrigez votre déclaration dans votre espace en ligne et envoyez-nous le "
            "justificatif correspondant.",
            rule="P30D",
            expected_version=version,
        )
    elif name == "answer":
        services.case_person_answer(
            case=case, body="C'est fait, la déclaration est corrigée.", files=[], limit=10
        )
    elif name == "tag":
        entry = Entry.objects.published().filter(slug=argument).first()
        services.case_tag(
            case=case, user=user, entry=entry, other_label="" if entry else "Vie en couple"
        )
    elif name == "tag-other":
        services.case_tag(case=case, user=user, entry=None, other_label=argument)
    elif name == "decide":
        services.case_decide(
            case=case,
            user=user,
            data=services.DecisionInput(
                outcome=Outcome.GRANTED,
                situation=_granted_situation(case),
                motivation="Vous avez corrigé de vous-même une erreur matérielle, sans mauvaise "
                "foi : aucune pénalité n'est appliquée. Le trop-perçu reste à rembourser.",
                sums_due_eur="320.00",
            ),
            expected_version=version,
        )
    elif name == "close":
        services.case_close(case=case, user=user, expected_version=version)
    elif name == "redirect":
        services.case_redirect(
            case=case,
            user=user,
            to=Structure.objects.get(sp_code=argument),
            reason="Vous habitez désormais en Moselle : la CAF de la Moselle gère votre dossier.",
            expected_version=version,
        )
    case.refresh_from_db()
    return case


def _granted_situation(case: Case) -> dict:
    return {
        "sector": case.procedure.engine_sector or "general",
        "location": {"department": department_of_postal_code(case.postal_code)},
        "error_kind": "material_error",
        "sanction_nature": "administrative_pecuniary",
        "regularised": "spontaneously",
        "exception_category": "none",
        "bad_faith_established": False,
        "fraud_established": False,
        "dates": {
            "error": case.declared_on.isoformat(),
            "regularisation": timezone.localdate(case.submitted_at).isoformat(),
        },
    }


# ---------------------------------------------------------------------------------------------
# Historical cases for the observatory demo (bonnefoi.observatory.demo chooses the dates; the
# observatory itself never writes cases). Added by the observatory work.


def load_demo_history(rows) -> list[str]:
    """Old tagged cases, so that the observatory shows trends, an alert and an impact.

    `rows`: (key, procedure slug, postal code, entry slug, submitted aware datetime). Each case is
    submitted, taken, tagged, decided (granted) and closed through the services, as an agent
    would, then backdated (demo only): submitted at the given time, decided and closed three days
    later. Idempotent like the other demo cases (one draft per key)."""
    created = 0
    for key, slug, postal, entry_slug, submitted in rows:
        procedure = Procedure.objects.filter(slug=slug).first()
        if procedure is None or not Entry.objects.published().filter(slug=entry_slug).exists():
            continue
        day = timezone.localdate(submitted)
        draft = services.draft_for(f"demo-history-{key}")
        case, is_new = services.case_submit(
            draft=draft,
            declaration=services.Declaration(
                procedure=procedure,
                postal_code=postal,
                declared_value="J'ai déclaré un montant de ressources inexact.",
                declared_on=day - dt.timedelta(days=20),
                correct_value="Le montant exact figure sur mes bulletins de salaire.",
                correct_since=day - dt.timedelta(days=20),
                contact_email=f"personne.{key}@exemple.test",
            ),
        )
        if not is_new:
            continue
        for step in ("take", f"tag:{entry_slug}", "decide", "close"):
            case = _step(case, step)
        decided = submitted + dt.timedelta(days=3)
        Case.objects.filter(pk=case.pk).update(
            submitted_at=submitted, state_changed_at=decided, decided_at=decided, closed_at=decided
        )
        CaseEvent.objects.filter(case=case, kind=EventKind.SUBMITTED).update(at=submitted)
        created += 1
    return [f"{created} dossiers de correction anciens (observatoire)"] if created else []
