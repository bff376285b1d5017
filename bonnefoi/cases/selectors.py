"""Reads of correction cases, always within what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bonnefoi.cases.models import OPEN_STATES, Case, CaseState, Decision, Invitation
from bonnefoi.structures.abilities import ROLE_PERMISSIONS
from bonnefoi.structures.selectors import structures_visible_to


def roles_with(permission: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if permission in perms}


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases of every structure in the subtrees where the user may view cases."""
    if not user.is_authenticated:
        return Case.objects.none()
    structures = structures_visible_to(user, roles_with("case.view"))
    return Case.objects.filter(structure__in=structures)


def target_days() -> int:
    return getattr(settings, "CASE_TARGET_DAYS", 30)


def with_overdue(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate `overdue`: an open case older than the target (CASE_TARGET_DAYS, not waiting
    for the person), or waiting for the person past the invitation's deadline (the agent must
    now decide)."""
    today = timezone.localdate()
    late_answer = Invitation.objects.filter(
        case=OuterRef("pk"), answered_at__isnull=True, deadline__lt=today
    )
    limit = timezone.now() - timedelta(days=target_days())
    return queryset.annotate(
        deadline_passed=Exists(late_answer),
    ).annotate(
        overdue=Q(state__in=[CaseState.SUBMITTED, CaseState.IN_REVIEW], submitted_at__lt=limit)
        | Q(state=CaseState.AWAITING_PERSON, deadline_passed=True)
    )


def queue(
    user,
    *,
    state: str | None = None,
    structure_id: int | None = None,
    search: str = "",
    overdue_only: bool = False,
    include_closed: bool = False,
) -> QuerySet[Case]:
    """The agent's queue: open cases of their subtrees, oldest first."""
    cases = cases_visible_to(user).select_related("structure", "procedure", "assignee")
    if state:
        cases = cases.filter(state=state)
    elif not include_closed:
        cases = cases.filter(state__in=OPEN_STATES)
    if structure_id:
        cases = cases.filter(structure_id=structure_id)
    search = search.strip()
    if search:
        cases = cases.filter(
            Q(reference__iexact=search)
            | Q(procedure__title__icontains=search)
            | Q(declared_value__icontains=search)
            | Q(correct_value__icontains=search)
        )
    cases = with_overdue(cases)
    if overdue_only:
        cases = cases.filter(overdue=True)
    return cases.order_by("submitted_at", "pk")


@dataclass(frozen=True)
class PriorOutcome:
    decided_at: object
    outcome: str
    outcome_label: str
    rule: str
    structure_name: str
    reference: str | None  # only when the viewer may open that case


def prior_outcomes(case: Case, viewer, rule: str | None = None) -> list[PriorOutcome]:
    """Earlier right-to-error decisions for the same file identifier in the same network
    (compared by keyed hash only), newest first; `rule` narrows to the same engine rule."""
    if not case.identifier_hmac:
        return []
    decisions = (
        Decision.objects.filter(case__identifier_hmac=case.identifier_hmac)
        .exclude(case=case)
        .select_related("case__structure")
        .order_by("-decided_at")
    )
    if rule:
        decisions = decisions.filter(rule=rule)
    visible = set(cases_visible_to(viewer).values_list("pk", flat=True))
    return [
        PriorOutcome(
            decided_at=d.decided_at,
            outcome=d.outcome,
            outcome_label=d.get_outcome_display(),
            rule=d.rule,
            structure_name=d.case.structure.name,
            reference=d.case.reference if d.case_id in visible else None,
        )
        for d in decisions
    ]
