"""Demo premises audits for `manage.py load_demo` (idempotent: only what is missing is created).

The checklists come from their data files; the audits are invented for demonstration, recorded by
the demo quality manager of the CAF du Gard and the demo administrator of the DDFiP de la Moselle
through the same service as the back office.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from bonnefoi.accounts.models import User
from bonnefoi.reception.models import Audit, AuditKind, ChecklistVersion
from bonnefoi.reception.services import (
    ResultInput,
    audit_record,
    checklists_sync,
    corrective_action_create,
)
from bonnefoi.structures.models import Agent, Structure

M, P, N, NA = "met", "partly_met", "not_met", "not_applicable"

# (site sp_code, recorder e-mail, checklist number, kind, months ago, conducted by,
#  {criterion key: (rating, comment)} for what is not simply "met", summary,
#  [(criterion key, action, owner e-mail, due in days from the visit)])
AUDITS = [
    (
        "DEMO-CAF30-NIM",
        "qualite.caf30@demo.bonnefoi.test",
        1,
        AuditKind.SELF_ASSESSMENT,
        None,  # dated just before the checklist 2 came into force: an audit on the old grid
        "",
        {
            "confidentiality_sound": (N, "Pas de bureau fermé pour les entretiens sensibles."),
            "queue_information": (P, "Écran d'appel en panne un jour sur deux."),
        },
        "Accueil propre et calme ; la confidentialité reste le point faible.",
        [],
    ),
    (
        "DEMO-CAF30-NIM",
        "qualite.caf30@demo.bonnefoi.test",
        2,
        AuditKind.MYSTERY_VISIT,
        14,
        "Prestataire de visites mystères du réseau",
        {
            "laicite_charter": (N, "Charte absente de la salle d'attente."),
            "confidentiality_sound": (P, "Un box existe, mais il n'est pas proposé spontanément."),
            "right_to_error_information": (NA, ""),
        },
        "Bon accueil ; afficher la charte et proposer le box aux usagers.",
        [
            (
                "laicite_charter",
                "Afficher la charte de la laïcité dans la salle d'attente.",
                "admin.caf30@demo.bonnefoi.test",
                30,
            ),
            (
                "confidentiality_sound",
                "Signaler le box de confidentialité par un panneau.",
                "agent.nimes@demo.bonnefoi.test",
                60,
            ),
        ],
    ),
    (
        "DEMO-CAF30-ALE",
        "qualite.caf30@demo.bonnefoi.test",
        2,
        AuditKind.SELF_ASSESSMENT,
        3,
        "",
        {
            "toilets": (N, "Toilettes publiques fermées pour travaux."),
            "seating": (P, "Six chaises pour une affluence de quinze personnes le lundi."),
        },
        "Travaux en cours : prévoir un accès provisoire aux toilettes.",
        [
            (
                "toilets",
                "Rouvrir les toilettes ou indiquer celles de la mairie voisine.",
                "admin.caf30@demo.bonnefoi.test",
                21,
            ),
        ],
    ),
    (
        "DEMO-SIP-MTZ-ACC",
        "admin.ddfip57@demo.bonnefoi.test",
        2,
        AuditKind.SELF_ASSESSMENT,
        5,
        "",
        {"accessibility_staff_guide": (P, "Guide présent, formations non décrites.")},
        "",
        [],
    ),
]


def _visit_date(checklists: dict[int, ChecklistVersion], number: int, months_ago, today):
    if months_ago is None:
        return checklists[2].valid_from - dt.timedelta(days=20)
    return today - relativedelta(months=months_ago)


def load_reception_demo() -> list[str]:
    """Sync the checklists and add the demo audits that are missing; return what was created."""
    created = checklists_sync().lines()
    checklists = {c.number: c for c in ChecklistVersion.objects.all()}
    today = timezone.localdate()
    for code, email, number, kind, months_ago, by, deviations, summary, actions in AUDITS:
        site = Structure.objects.filter(sp_code=code).first()
        recorder = User.objects.filter(email=email).first()
        if site is None or recorder is None or number not in checklists:
            continue
        checklist = checklists[number]
        visited_on = _visit_date(checklists, number, months_ago, today)
        if Audit.objects.filter(site=site, checklist=checklist, visited_on=visited_on).exists():
            continue
        results = {
            criterion.key: ResultInput(*deviations.get(criterion.key, (M, "")))
            for criterion in checklist.criteria.all()
        }
        audit = audit_record(
            actor=recorder,
            site=site,
            checklist=checklist,
            kind=kind,
            visited_on=visited_on,
            results=results,
            conducted_by=by,
            summary=summary,
        )
        created.append(f"audit des locaux « {site.name} » du {visited_on:%d/%m/%Y}")
        for key, description, owner_email, days in actions:
            owner = Agent.objects.get(user__email=owner_email)
            corrective_action_create(
                actor=recorder,
                audit=audit,
                criterion=checklist.criteria.get(key=key),
                description=description,
                owner=owner,
                due_on=visited_on + dt.timedelta(days=days),
            )
            created.append(f"action corrective « {description} »")
    return created
