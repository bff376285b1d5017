"""Builders for the observatory: cases written straight into the table at chosen local times
(the observatory only reads cases, so the correction channel's services are not needed), and
decisions with a chosen outcome."""

import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal

from django.conf import settings

from bonnefoi.cases.models import Case, CaseState, Decision, Outcome
from tests.structures.factories import AgentFactory

_numbers = itertools.count(1)


def local(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware datetime at `hour`:`minute` local time (Europe/Paris) on `day`."""
    return dt.datetime.combine(
        day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )


def case_row(
    *,
    structure,
    procedure,
    submitted: dt.datetime,
    entry=None,
    decided: dt.datetime | None = None,
    outcome: str = Outcome.GRANTED,
    sanction: Decimal | None = None,
) -> Case:
    """One case of `structure`, submitted at `submitted`; with `decided`, also its decision."""
    number = next(_numbers)
    case = Case.objects.create(
        reference=f"BF-T{number:03d}-{number % 10000:04d}"[:14],
        tracking_nonce=f"nonce{number}",
        structure=structure,
        procedure=procedure,
        postal_code="30000",
        state=CaseState.DECIDED if decided else CaseState.SUBMITTED,
        state_changed_at=decided or submitted,
        declared_value="Un montant déclaré par erreur.",
        declared_on=submitted.date() - dt.timedelta(days=30),
        correct_value="Le montant exact.",
        correct_since=submitted.date() - dt.timedelta(days=30),
        contact_email="personne@exemple.test",
        consent_at=submitted,
        entry=entry,
        submitted_at=submitted,
        decided_at=decided,
    )
    # As if written at the time: the incremental rebuild looks at `updated_at`.
    Case.objects.filter(pk=case.pk).update(created_at=submitted, updated_at=decided or submitted)
    if decided:
        Decision.objects.create(
            case=case,
            agent=_decider(structure),
            outcome=outcome,
            situation={},
            engine={},
            engine_applies=outcome == Outcome.GRANTED,
            follows_engine=True,
            evidence="" if outcome in (Outcome.GRANTED, Outcome.NOT_APPLICABLE) else "Preuves.",
            motivation="Motivation de la décision.",
            sanction_amount_eur=sanction,
        )
    return case


_deciders: dict[int, object] = {}


def _decider(structure):
    agent = _deciders.get(structure.pk)
    if agent is None or not type(agent).objects.filter(pk=agent.pk).exists():
        agent = AgentFactory(structure=structure)
        _deciders[structure.pk] = agent
    return agent
