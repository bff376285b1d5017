"""Demo training data for `manage.py load_demo` (idempotent): populations of the demo agents, a
module added by the CAF du Gard, and completions that give the coverage page something to show
(one refresher overdue in Nîmes, one in Alès). Providers and references are invented."""

import datetime as dt

from django.utils import timezone

from bonnefoi.structures.models import Agent, Structure
from bonnefoi.training.catalogue import sync_platform_modules
from bonnefoi.training.models import Completion, TrainingModule
from bonnefoi.training.services import agent_populations_update, completion_record, module_create

PROVIDER = "Organisme de formation de démonstration"

# e-mail -> (front-line, manager)
POPULATIONS = {
    "national.caf@demo.bonnefoi.test": (False, True),
    "admin.caf30@demo.bonnefoi.test": (True, True),
    "qualite.caf30@demo.bonnefoi.test": (False, True),
    "redaction.caf30@demo.bonnefoi.test": (False, False),
    "admin.ddfip57@demo.bonnefoi.test": (True, True),
}

GARD_MODULE = {
    "code": "caf30-precarite",
    "title": "Accueillir les allocataires en situation de précarité",
    "topic": "reception",
    "description": "Repérer les situations d'urgence et orienter vers les partenaires du Gard.",
    "mandatory": False,
    "refresher_months": None,
}

# (e-mail, module code, days before today)
COMPLETIONS = [
    ("agent.nimes@demo.bonnefoi.test", "essoc-droit-a-l-erreur", 200),
    ("agent.nimes@demo.bonnefoi.test", "accueil-bienveillant", 400),
    ("agent.nimes@demo.bonnefoi.test", "incivilites", 800),  # 24-month refresher: overdue
    ("agent.protege@demo.bonnefoi.test", "essoc-droit-a-l-erreur", 100),
    ("agent.protege@demo.bonnefoi.test", "incivilites", 300),
    ("agent.ales@demo.bonnefoi.test", "accueil-bienveillant", 1200),  # 36 months: overdue
    ("agent.ales@demo.bonnefoi.test", "caf30-precarite", 90),
    ("admin.caf30@demo.bonnefoi.test", "incivilites", 60),
    ("admin.caf30@demo.bonnefoi.test", "essoc-droit-a-l-erreur", 500),
    ("agent.metz@demo.bonnefoi.test", "essoc-droit-a-l-erreur", 30),
]


def load_demo_training() -> list[str]:
    """Create what is missing; returns French lines describing what was created."""
    created = [f"module de formation {code}" for code in sync_platform_modules(TrainingModule)]
    for email, (front_line, manager) in POPULATIONS.items():
        agent = Agent.objects.filter(user__email=email).first()
        if agent is not None and (agent.front_line, agent.manager) != (front_line, manager):
            agent_populations_update(
                actor=None, agent=agent, front_line=front_line, manager=manager
            )
            created.append(f"populations de formation de {agent.full_name}")
    gard = Structure.objects.filter(sp_code="DEMO-CAF30").first()
    if gard is not None and not TrainingModule.objects.filter(code=GARD_MODULE["code"]).exists():
        module_create(actor=None, owner=gard, **GARD_MODULE)
        created.append(f"module de formation {GARD_MODULE['code']} (CAF du Gard)")
    today = timezone.localdate()
    modules = {m.code: m for m in TrainingModule.objects.all()}
    for number, (email, code, days) in enumerate(COMPLETIONS, start=1):
        agent = Agent.objects.filter(user__email=email).select_related("structure").first()
        module = modules.get(code)
        if agent is None or module is None:
            continue
        if Completion.objects.filter(agent=agent, module=module).exists():
            continue
        completion_record(
            actor=None,
            agent=agent,
            module=module,
            completed_on=today - dt.timedelta(days=days),
            provider=PROVIDER,
            evidence_reference=f"DEMO-ATT-{number:04d}",
        )
        created.append(f"formation « {module.title} » de {agent.full_name}")
    return created
