"""Builders for the public indicators: cases in the publication window, completed actions."""

import datetime as dt

from django.utils import timezone

from bonnefoi.cases.models import Outcome
from bonnefoi.observatory import refresh
from bonnefoi.observatory.models import Action, ActionKind, ActionPlan, ActionStatus
from bonnefoi.observatory.publication import Window, publish
from tests.accounts.factories import UserFactory
from tests.observatory.factories import case_row, local
from tests.structures.factories import AgentFactory


def window() -> Window:
    return Window.ending_before(timezone.localdate())


def in_window(offset: int = 0) -> dt.date:
    """A day inside the publication window (the 3rd of the window's last month, minus
    `offset` days)."""
    return window().last.replace(day=3) - dt.timedelta(days=offset)


def cases(structure, procedure, count, *, entry=None, granted=0, refused=0, delay=5):
    """`count` cases of `structure` submitted in the window; the first `granted` get a
    decision granting the right to error `delay` days later, the next `refused` a refusal."""
    for n in range(count):
        submitted = local(in_window(offset=n % 20))
        outcome = None
        if n < granted:
            outcome = Outcome.GRANTED
        elif n < granted + refused:
            outcome = Outcome.BAD_FAITH
        case_row(
            structure=structure,
            procedure=procedure,
            submitted=submitted,
            entry=entry,
            decided=submitted + dt.timedelta(days=delay) if outcome else None,
            outcome=outcome or Outcome.GRANTED,
        )


def rebuild_and_publish():
    refresh.rebuild(full=True)
    return publish()


def action(
    structure,
    *,
    status=ActionStatus.DONE,
    summary="Le formulaire a été simplifié.",
    entries=(),
    owner=None,
    completed_on=None,
    kind=ActionKind.FORM,
):
    plan = ActionPlan.objects.create(
        structure=structure,
        title="Trop d'oublis",
        problem="Beaucoup oublient la case.",
        created_by=UserFactory(),
    )
    plan.entries.set(entries)
    done = status == ActionStatus.DONE
    return Action.objects.create(
        plan=plan,
        kind=kind,
        description="Refaire le formulaire.",
        owner=owner or AgentFactory(structure=structure),
        due_on=timezone.localdate(),
        status=status,
        completed_on=(completed_on or timezone.localdate()) if done else None,
        evidence="Nouvelle version en ligne." if done else "",
        public_summary=summary if done else "",
    )


class World:
    """Two networks, hand-counted over the window:

    * « Réseau Nord » → « Administration Nord » → « Site Un » (25 cases: 15 of the published
      error `entry`, 10 untagged; 20 decided, 15 granted and 5 refused) and « Site Deux »
      (3 cases, none decided);
    * « Réseau Sud » → « Administration Sud » (40 cases, 12 decided and granted).

    National: 68 received, 32 decided, 27 granted, 5 not granted; every decision came 5 days
    after the submission."""

    def __init__(self):
        from tests.advice.factories import EntryFactory, ProcedureFactory, publish_entry
        from tests.structures.factories import StructureFactory

        self.procedure = ProcedureFactory()
        self.north = StructureFactory(name="Réseau Nord")
        self.admin = StructureFactory(
            name="Administration Nord", kind="administration", parent=self.north
        )
        self.site_one = StructureFactory(name="Site Un", kind="site", parent=self.admin)
        self.site_two = StructureFactory(name="Site Deux", kind="site", parent=self.admin)
        self.south = StructureFactory(name="Réseau Sud")
        self.south_admin = StructureFactory(
            name="Administration Sud", kind="administration", parent=self.south
        )
        self.empty = StructureFactory(name="Réseau Vide")
        self.entry = publish_entry(
            EntryFactory(owners=[self.north], title="J'oublie de déclarer mon déménagement")
        )
        cases(self.site_one, self.procedure, 15, entry=self.entry, granted=15)
        cases(self.site_one, self.procedure, 10, refused=5)
        cases(self.site_two, self.procedure, 3)
        cases(self.south_admin, self.procedure, 40, granted=12)
