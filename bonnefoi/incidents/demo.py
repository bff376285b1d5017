"""Demo incivility reports (called by `manage.py load_demo`): an incident officer for the CAF du
Gard and a dozen reports at its two reception sites, some followed up, one closed.

Idempotent: a report is recognised by its reporter and narrative. Dates count back from today,
so the statistics page always has something in the current year. Invented facts.
"""

import datetime as dt

from django.utils import timezone

from bonnefoi.accounts.models import Role, User
from bonnefoi.incidents import services
from bonnefoi.incidents.models import (
    AuthorKind,
    Category,
    Channel,
    Complainant,
    Gravity,
    IncidentReport,
    SupportKind,
)
from bonnefoi.structures import demo as structures_demo
from bonnefoi.structures import services as structure_services
from bonnefoi.structures.models import Agent, Structure

OFFICER_EMAIL = "referent.incivilites@demo.bonnefoi.test"
OFFICER = ("Sophie", "Marchand", "Référente incivilités", "DEMO-CAF30")

# (reporter e-mail, site code, days ago, hour, channel, gravity, category, author, narrative,
#  consequences, measures, follow-up)
REPORTS = [
    (
        "agent.nimes@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        120,
        10,
        Channel.COUNTER,
        Gravity.INCIVILITY,
        Category.VERBAL,
        AuthorKind.IDENTIFIED_USER,
        "Un allocataire mécontent du montant de son aide a crié dans la salle d'attente et m'a "
        "insulté devant les autres usagers.",
        set(),
        set(),
        "closed",
    ),
    (
        "agent.nimes@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        95,
        14,
        Channel.PHONE,
        Gravity.THREAT,
        Category.VERBAL,
        AuthorKind.UNKNOWN,
        "Au téléphone, un appelant a dit qu'il m'attendrait à la sortie si son dossier n'était "
        "pas réglé dans la semaine.",
        set(),
        set(),
        "protection",
    ),
    (
        "agent.protege@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        80,
        11,
        Channel.COUNTER,
        Gravity.SERIOUS_AGGRESSION,
        Category.PHYSICAL,
        AuthorKind.IDENTIFIED_USER,
        "Un usager a franchi le guichet et m'a poussé contre le mur ; un collègue s'est interposé.",
        {"injury", "sick_leave", "service_interruption"},
        {"security_called", "police_called"},
        "complaint",
    ),
    (
        "agent.nimes@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        60,
        9,
        Channel.EMAIL,
        Gravity.INCIVILITY,
        Category.WRITTEN_ONLINE,
        AuthorKind.IDENTIFIED_USER,
        "Courriel injurieux reçu après un refus de prime d'activité.",
        set(),
        set(),
        "acknowledged",
    ),
    (
        "agent.protege@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        45,
        16,
        Channel.ONLINE,
        Gravity.THREAT,
        Category.DEFAMATION,
        AuthorKind.OTHER,
        "Mon nom et ma photo publiés sur un réseau social avec des accusations fausses.",
        set(),
        set(),
        "",
    ),
    (
        "agent.nimes@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        30,
        15,
        Channel.COUNTER,
        Gravity.INCIVILITY,
        Category.PROPERTY_DAMAGE,
        AuthorKind.UNKNOWN,
        "Affiche de la charte d'accueil arrachée et chaise renversée dans la salle d'attente.",
        {"property_damage"},
        set(),
        "",
    ),
    (
        "agent.protege@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        20,
        10,
        Channel.COUNTER,
        Gravity.INCIVILITY,
        Category.DISCRIMINATION_HARASSMENT,
        AuthorKind.IDENTIFIED_USER,
        "Remarques répétées sur mon origine par un usager qui refuse d'être reçu par moi.",
        set(),
        set(),
        "",
    ),
    (
        "agent.nimes@demo.bonnefoi.test",
        "DEMO-CAF30-NIM",
        8,
        11,
        Channel.COUNTER,
        Gravity.INCIVILITY,
        Category.VERBAL,
        AuthorKind.IDENTIFIED_USER,
        "Usager impatient qui a haussé le ton et tapé sur le comptoir.",
        set(),
        set(),
        "",
    ),
    (
        "agent.ales@demo.bonnefoi.test",
        "DEMO-CAF30-ALE",
        70,
        10,
        Channel.LETTER,
        Gravity.THREAT,
        Category.WRITTEN_ONLINE,
        AuthorKind.UNKNOWN,
        "Lettre anonyme de menaces déposée dans la boîte de l'accueil.",
        set(),
        set(),
        "prosecutor",
    ),
    (
        "agent.ales@demo.bonnefoi.test",
        "DEMO-CAF30-ALE",
        25,
        17,
        Channel.OUTSIDE,
        Gravity.INCIVILITY,
        Category.VERBAL,
        AuthorKind.UNKNOWN,
        "Insultes sur le parking à la fermeture de l'accueil.",
        set(),
        set(),
        "",
    ),
]


def _officer(created: list[str]) -> User:
    agent = Agent.objects.filter(user__email=OFFICER_EMAIL).select_related("user").first()
    if agent is not None:
        return agent.user
    first, last, position, sp_code = OFFICER
    agent = structure_services.agent_create(
        actor=None,
        structure=Structure.objects.get(sp_code=sp_code),
        email=OFFICER_EMAIL,
        first_name=first,
        last_name=last,
        position=position,
        password=structures_demo.DEMO_PASSWORD,
        role=Role.INCIDENT_OFFICER,
    )
    created.append(f"référente incivilités {first} {last} (CAF du Gard)")
    return agent.user


def _follow_up(report: IncidentReport, officer: User, stage: str) -> None:
    if not stage:
        return
    today = timezone.localdate()
    start = timezone.localtime(report.occurred_at).date()

    def day(offset: int) -> dt.date:
        return min(start + dt.timedelta(days=offset), today)

    services.incident_report_acknowledge(report=report, actor=officer, on=day(1))
    services.incident_support_offer(
        report=report, actor=officer, kind=SupportKind.INTERVIEW, on=day(2)
    )
    if stage == "complaint":
        services.incident_complaint_record(
            report=report, actor=officer, complainant=Complainant.AGENT, on=day(2)
        )
        services.incident_support_offer(
            report=report, actor=officer, kind=SupportKind.PSYCHOLOGICAL, on=day(3)
        )
        services.incident_prosecutor_report(report=report, actor=officer, on=day(4))
    if stage == "protection":
        services.incident_protection_request(report=report, actor=officer, on=day(3))
    if stage == "prosecutor":
        services.incident_prosecutor_report(report=report, actor=officer, on=day(3))
    if stage == "closed":
        services.incident_report_close(
            report=report,
            actor=officer,
            answer="Nous avons reçu l'usager avec la responsable de l'accueil et lui avons "
            "rappelé les règles de respect mutuel. Vous pouvez revenir vers moi à tout moment.",
        )


def load_demo_incidents() -> list[str]:
    """Create what is missing; returns one French line per object created."""
    created: list[str] = []
    officer = _officer(created)
    now = timezone.localtime()
    for (
        email,
        sp_code,
        days_ago,
        hour,
        channel,
        gravity,
        category,
        author_kind,
        narrative,
        consequences,
        measures,
        stage,
    ) in REPORTS:
        reporter = User.objects.get(email=email)
        if IncidentReport.objects.filter(reporter=reporter, narrative=narrative).exists():
            continue
        occurred_at = (now - dt.timedelta(days=days_ago)).replace(
            hour=hour, minute=15, second=0, microsecond=0
        )
        report = services.incident_report_create(
            reporter=reporter,
            structure=Structure.objects.get(sp_code=sp_code),
            occurred_at=occurred_at,
            channel=channel,
            gravity=gravity,
            category=category,
            narrative=narrative,
            author_kind=author_kind,
            consequences=consequences,
            measures=measures,
        )
        _follow_up(report, officer, stage)
        created.append(f"signalement d'incivilité n° {report.pk} ({report.structure.name})")
    return created


def login_line() -> str:
    """The officer's line in load_demo's list of demo accounts."""
    return f"  {OFFICER_EMAIL:<40} {Role.INCIDENT_OFFICER.label} (CAF du Gard)"
