"""Demo of the observatory (called by `manage.py load_demo` after the demo cases): old tagged
cases in the CAF du Gard (written by ``bonnefoi.cases.demo.load_demo_history``: the one place
where observatory work causes cases to be written, for the demo only), an action plan with a
completed action (public summary) and one in progress, the filing volume of the procedure, then
a rebuild of the aggregates and a spike detection, so that `make run` shows real figures: the
impact of the completed action per 1,000 filings and a spike alert.

Dates are relative to the day of loading. Idempotent: the cases come from keyed drafts, the
plan is looked up by its title and structure, the volume by its days.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone

from bonnefoi.accounts.models import User
from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.cases import demo as cases_demo
from bonnefoi.observatory import refresh, services
from bonnefoi.observatory.models import ActionKind, ActionPlan, ActionStatus, FilingVolume
from bonnefoi.observatory.periods import period_start
from bonnefoi.observatory.spikes import detect_spikes
from bonnefoi.structures.models import Agent, Structure

STRUCTURE = "DEMO-CAF30"
POSTAL_CODE = "30000"
PROCEDURE = "caf-declaration-trimestrielle-ressources"
PLAN_ENTRY = "montant-net-social-mal-declare"
SPIKE_ENTRY = "ressources-non-preremplies-oubliees-caf"
MANAGER = "qualite.caf30@demo.bonnefoi.test"
ACTION_OWNER = "agent.nimes@demo.bonnefoi.test"
PLAN_TITLE = "Montant net social mal reporté dans la déclaration trimestrielle"
# Cases a week for the plan's error: 8 weeks before the completion week, that week, 8 after.
BEFORE = [6, 7, 5, 6, 8, 6, 7, 5]
TRANSITION = 4
AFTER = [3, 2, 3, 2, 1, 2, 2, 1]
# The other error: a quiet level for 8 weeks, then a jump in the last complete week.
QUIET = [1, 2, 1, 1, 2, 1, 1, 2]
JUMP = 9
FILINGS_PER_WEEK = 350
WEEK = dt.timedelta(days=7)


def load_observatory_demo(*, today: dt.date | None = None) -> list[str]:
    """Create what is missing; returns one line per thing created."""
    today = today or timezone.localdate()
    structure = Structure.objects.filter(sp_code=STRUCTURE).first()
    procedure = Procedure.objects.filter(slug=PROCEDURE).first()
    manager = User.objects.filter(email=MANAGER).first()
    entry = Entry.objects.published().filter(slug=PLAN_ENTRY).first()
    if None in (structure, procedure, manager, entry):  # catalogue or demo world adapted
        return []
    this_week = period_start("week", today)
    transition = this_week - 9 * WEEK  # 8 full weeks have elapsed after it
    created = cases_demo.load_demo_history(_history(transition, this_week - WEEK))
    created += _plan(structure, procedure, entry, manager, transition + 2 * dt.timedelta(days=1))
    created += _volume(structure, procedure, manager, transition, this_week)
    refresh.rebuild()
    alerts = detect_spikes(today=today)
    created += [f"alerte de hausse « {a.entry.title} »" for a in alerts]
    return created


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _week_rows(prefix: str, entry_slug: str, monday: dt.date, count: int) -> list[tuple]:
    """`count` cases spread over the weekdays of the week starting `monday`."""
    return [
        (
            f"{prefix}-{monday.isoformat()}-{i}",
            PROCEDURE,
            POSTAL_CODE,
            entry_slug,
            _at(monday + dt.timedelta(days=i % 5), 9 + i // 5),
        )
        for i in range(count)
    ]


def _history(transition: dt.date, last_complete: dt.date) -> list[tuple]:
    rows = []
    counts = [*BEFORE, TRANSITION, *AFTER]
    first = transition - len(BEFORE) * WEEK
    for offset, count in enumerate(counts):
        rows += _week_rows("plan", PLAN_ENTRY, first + offset * WEEK, count)
    for offset, count in enumerate(QUIET):
        monday = last_complete - (len(QUIET) - offset) * WEEK
        rows += _week_rows("pic", SPIKE_ENTRY, monday, count)
    rows += _week_rows("pic", SPIKE_ENTRY, last_complete, JUMP)
    return rows


def _plan(structure, procedure, entry, manager, completed_on: dt.date) -> list[str]:
    if ActionPlan.objects.filter(structure=structure, title=PLAN_TITLE).exists():
        return []
    owner = (
        Agent.objects.filter(user__email=ACTION_OWNER).first()
        or Agent.objects.filter(structure__in=Structure.objects.subtree_of(structure))
        .order_by("pk")
        .first()
    )
    if owner is None:
        return []
    plan = services.plan_create(
        actor=manager,
        structure=structure,
        title=PLAN_TITLE,
        problem=(
            "Un dossier de correction sur trois de la déclaration trimestrielle vient d'un "
            "salaire brut reporté à la place du montant net social. Le conseil existe, mais le "
            "formulaire ne renvoie pas vers la bonne ligne du bulletin de salaire."
        ),
        entries=[entry],
        procedure=procedure,
    )
    done = services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.FORM,
        description="Ajouter sous le champ « salaire » une aide qui montre où lire le montant "
        "net social sur le bulletin de salaire.",
        owner=owner,
        due_on=completed_on,
    )
    services.action_update(actor=manager, action=done, status=ActionStatus.IN_PROGRESS)
    services.action_update(
        actor=manager,
        action=done,
        status=ActionStatus.DONE,
        completed_on=completed_on,
        evidence="Mise en production de la version 3 du formulaire en ligne (note de version).",
        public_summary=(
            "Le formulaire de déclaration trimestrielle montre désormais, sous le champ du "
            "salaire, où lire le montant net social sur votre bulletin de salaire."
        ),
    )
    ongoing = services.action_create(
        actor=manager,
        plan=plan,
        kind=ActionKind.TRAINING,
        description="Former les agents d'accueil de Nîmes et d'Alès à repérer l'erreur lors "
        "des rendez-vous.",
        owner=owner,
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    services.action_update(actor=manager, action=ongoing, status=ActionStatus.IN_PROGRESS)
    return [f"plan d'action « {PLAN_TITLE} » (2 actions)"]


def _volume(structure, procedure, manager, transition: dt.date, this_week: dt.date) -> list[str]:
    first = transition - 8 * WEEK
    last = this_week - dt.timedelta(days=1)
    if FilingVolume.objects.filter(structure=structure, procedure=procedure).exists():
        return []
    weeks = (last - first).days // 7 + 1
    services.filing_volume_record(
        actor=manager,
        structure=structure,
        procedure=procedure,
        first_day=first,
        last_day=last,
        filings=FILINGS_PER_WEEK * weeks,
        source="Démonstration : extraction hebdomadaire du système de gestion",
    )
    return [f"volume de dépôts de « {procedure.title} » ({structure.name})"]
