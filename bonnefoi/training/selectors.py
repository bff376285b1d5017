"""Reads of the training app, the coverage of a subtree first (used by the yearly reception report).

Definitions (docs/adr/0009-kit-d-identification-et-formation.md):

- the populations are the agents of the subtree whose account is active and who existed on the
  date: *front-line* agents (``Agent.front_line``) and *managers* (``Agent.manager``); an agent
  may be in both;
- an agent is *trained* on a module on a date when their latest completion on or before that date
  is still valid (no refresher, or ``completed_on`` + refresher period not yet passed);
- a *refresher is overdue* when the latest completion has expired; *never trained* otherwise.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from bonnefoi.structures.models import Agent, Structure
from bonnefoi.training.models import Completion, TrainingModule

POPULATIONS = (("front_line", "Agents de premier accueil"), ("managers", "Encadrants"))


def modules_available_to(structure: Structure) -> QuerySet[TrainingModule]:
    return TrainingModule.objects.available_to(structure).filter(is_active=True)


def modules_for_user(structures) -> QuerySet[TrainingModule]:
    """Platform modules plus those added by any of ``structures`` or their ancestors."""
    owner_ids: set[int] = set()
    for structure in structures:
        owner_ids.update([*structure.ancestor_ids, structure.pk])
    return TrainingModule.objects.filter(
        Q(owner__isnull=True) | Q(owner_id__in=owner_ids), is_active=True
    )


def population_agents(structure: Structure, on_date: dt.date) -> QuerySet[Agent]:
    return Agent.objects.filter(
        structure__in=Structure.objects.subtree_of(structure),
        user__is_active=True,
        created_at__date__lte=on_date,
    )


def _latest_completions(agents, modules, on_date: dt.date) -> dict[tuple[int, int], dt.date]:
    rows = (
        Completion.objects.filter(agent__in=agents, module__in=modules, completed_on__lte=on_date)
        .values("agent_id", "module_id")
        .annotate(last=Max("completed_on"))
    )
    return {(row["agent_id"], row["module_id"]): row["last"] for row in rows}


def _status(module: TrainingModule, last: dt.date | None, on_date: dt.date) -> str:
    if last is None:
        return "never"
    until = module.valid_until(last)
    return "trained" if until is None or until >= on_date else "overdue"


@dataclass
class _Counts:
    total: int = 0
    trained: int = 0
    overdue: int = 0
    never: int = 0

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "trained": self.trained,
            "overdue": self.overdue,
            "never_trained": self.never,
            "share": round(self.trained / self.total, 4) if self.total else None,
        }


def coverage(structure: Structure, on_date: dt.date) -> dict:
    """Share of front-line agents and of managers trained on each mandatory module of
    ``structure``'s subtree on ``on_date``, with overdue refreshers. Aggregates only: no name."""
    agents = [
        agent
        for agent in population_agents(structure, on_date).values("pk", "front_line", "manager")
        if agent["front_line"] or agent["manager"]
    ]
    modules = list(modules_available_to(structure).filter(mandatory=True).order_by("title"))
    latest = _latest_completions([a["pk"] for a in agents], modules, on_date)
    module_rows = []
    overdue_total = 0
    for module in modules:
        counts = {"front_line": _Counts(), "managers": _Counts()}
        for agent in agents:
            status = _status(module, latest.get((agent["pk"], module.pk)), on_date)
            overdue_total += status == "overdue"
            for key, member in (
                ("front_line", agent["front_line"]),
                ("managers", agent["manager"]),
            ):
                if not member:
                    continue
                counts[key].total += 1
                setattr(counts[key], status, getattr(counts[key], status) + 1)
        module_rows.append(
            {
                "code": module.code,
                "title": module.title,
                "refresher_months": module.refresher_months,
                "basis_label": module.basis_label,
                "basis_url": module.basis_url,
                "basis_verified": module.basis_verified,
                "front_line": counts["front_line"].as_dict(),
                "managers": counts["managers"].as_dict(),
            }
        )
    return {
        "structure_id": structure.pk,
        "structure": structure.name,
        "on_date": on_date,
        "front_line_agents": sum(1 for a in agents if a["front_line"]),
        "managers": sum(1 for a in agents if a["manager"]),
        "modules": module_rows,
        "overdue_refreshers": overdue_total,
    }


def overdue_refreshers(structure: Structure, on_date: dt.date) -> list[dict]:
    """Agents of the subtree whose mandatory training has expired, oldest expiry first (names:
    personal data, for the coverage page only; callers audit the listing)."""
    agents = population_agents(structure, on_date).select_related("structure")
    by_pk = {agent.pk: agent for agent in agents if agent.front_line or agent.manager}
    modules = {m.pk: m for m in modules_available_to(structure).filter(mandatory=True)}
    rows = []
    for (agent_id, module_id), last in _latest_completions(
        list(by_pk), list(modules.values()), on_date
    ).items():
        module = modules[module_id]
        if _status(module, last, on_date) == "overdue":
            rows.append(
                {
                    "agent": by_pk[agent_id],
                    "module": module,
                    "last_completed_on": last,
                    "expired_on": module.valid_until(last) + dt.timedelta(days=1),
                }
            )
    return sorted(rows, key=lambda row: (row["expired_on"], row["agent"].last_name))


def agent_completions(agent: Agent) -> QuerySet[Completion]:
    return agent.training_completions.select_related("module", "import_batch", "recorded_by")


def agent_training_status(agent: Agent, on_date: dt.date) -> list[dict]:
    """Each module available to the agent with their status on ``on_date`` (mandatory first)."""
    modules = list(modules_available_to(agent.structure))
    latest = _latest_completions([agent.pk], modules, on_date)
    rows = []
    for module in modules:
        last = latest.get((agent.pk, module.pk))
        rows.append(
            {
                "module": module,
                "last_completed_on": last,
                "valid_until": module.valid_until(last) if last else None,
                "status": _status(module, last, on_date),
            }
        )
    return rows
