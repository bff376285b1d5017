"""Writes: recording an audit, corrective actions and their follow-up, all audited."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.reception.models import ActionStatus, Audit, AuditPhoto, CriterionResult
from bonnefoi.reception.photos import clean_photo, photo_storage
from bonnefoi.reception.services import (
    ResultInput,
    audit_record,
    corrective_action_create,
    corrective_action_update,
)
from tests.reception.factories import all_met, jpeg_with_gps, record_audit, upload
from tests.structures.factories import AgentFactory


def test_audit_is_recorded_with_its_score_and_logged(tree, member, current):
    """An audit stores one result per criterion of its version, the score of the rule, and an
    audit-log line without free text."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    audit = record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        toilets=("not_met", "Fermées pour travaux."),
        seating=("partly_met", "Trop peu de chaises."),
        right_to_error_information=("not_applicable", ""),
    )
    assert audit.results.count() == current.criteria.count() == 13
    # 10 met + 0.5 + 0 over 12 applicable criteria
    assert audit.score == Decimal("87.5")
    entry = AuditLogEntry.objects.get(action="reception.audit.recorded")
    assert entry.structure == tree.nimes
    assert entry.details["score"] == "87.5"
    assert "travaux" not in str(entry.details)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"toilets": ("not_met", "  ")}, "toilets", "Dites ce qui manque"),
        ({"seating": ("partly_met", "")}, "seating", "Dites ce qui manque"),
        ({"lighting": ("excellent", "")}, "lighting", "Choisissez une appréciation"),
    ],
)
def test_invalid_results_are_refused(tree, member, current, overrides, field, message):
    """A missing or unknown rating, or a partly/not met criterion without a comment, is refused
    with a French message on that criterion; nothing is written."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    with pytest.raises(ValidationError) as caught:
        record_audit(actor=quality, site=tree.nimes, checklist=current, **overrides)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Audit.objects.exists()


def test_every_criterion_must_be_rated(tree, member, current):
    """Leaving out a criterion is refused."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    results = all_met(current)
    del results["toilets"]
    with pytest.raises(ValidationError) as caught:
        audit_record(
            actor=quality,
            site=tree.nimes,
            checklist=current,
            kind="self_assessment",
            visited_on=timezone.localdate(),
            results=results,
        )
    assert "toilets" in caught.value.message_dict


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "ne peut pas être à venir"), (-(365 * 40), "ne s'applique qu'aux visites")],
)
def test_visit_date_is_checked(tree, member, current, days, message):
    """A visit in the future, or before the version came into force, is refused."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    with pytest.raises(ValidationError, match=message):
        record_audit(
            actor=quality,
            site=tree.nimes,
            checklist=current,
            visited_on=timezone.localdate() + dt.timedelta(days=days),
        )


def test_only_sites_are_audited(tree, current, member):
    """An administration or a service is not a reception site: no audit."""
    national = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    with pytest.raises((ValidationError, PermissionDenied)):
        record_audit(actor=national, site=tree.gard_service, checklist=current)


def test_files_are_removed_when_the_audit_fails(tree, member, current, monkeypatch):
    """If writing fails after a photo was stored, the file is deleted with the rolled-back rows."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    photo = clean_photo(upload(jpeg_with_gps()))

    def boom(**kwargs):
        raise RuntimeError("panne du journal")

    monkeypatch.setattr("bonnefoi.reception.services.audit_log", boom)
    with pytest.raises(RuntimeError):
        record_audit(
            actor=quality,
            site=tree.nimes,
            checklist=current,
            toilets=ResultInput("not_met", "Fermées.", [photo]),
        )
    assert not AuditPhoto.objects.exists()
    root = Path(photo_storage().location)
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert not CriterionResult.objects.exists()


def test_corrective_action_lifecycle(tree, member, current):
    """A quality manager opens an action for an agent of the administration; the owner moves it
    to "en cours" then "faite" (dated today); every step is in the audit log."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    owner = AgentFactory(structure=tree.ales)
    audit = record_audit(
        actor=quality, site=tree.nimes, checklist=current, toilets=("not_met", "Fermées.")
    )
    action = corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes du rez-de-chaussée.",
        owner=owner,
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    corrective_action_update(actor=owner.user, action=action, status=ActionStatus.IN_PROGRESS)
    corrective_action_update(
        actor=owner.user, action=action, status=ActionStatus.DONE, follow_up="Réparées."
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.completed_on == timezone.localdate()
    assert list(
        AuditLogEntry.objects.filter(action__startswith="reception.corrective_action")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "reception.corrective_action.created",
        "reception.corrective_action.updated",
        "reception.corrective_action.updated",
    ]
    # Closed: the owner can no longer change it; the quality manager may only reopen it.
    with pytest.raises(PermissionDenied):
        corrective_action_update(actor=owner.user, action=action, status=ActionStatus.OPEN)
    with pytest.raises(ValidationError, match="rouverte"):
        corrective_action_update(actor=quality, action=action, status=ActionStatus.CANCELLED)
    corrective_action_update(actor=quality, action=action, status=ActionStatus.OPEN)
    action.refresh_from_db()
    assert action.completed_on is None


@pytest.mark.parametrize("problem", ["owner", "criterion", "due_on"])
def test_corrective_action_checks(tree, member, checklists, current, problem):
    """The owner belongs to the site's administration, the criterion to the audit's version,
    and the due date does not precede the visit."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    audit = record_audit(actor=quality, site=tree.nimes, checklist=current)
    kwargs = {
        "criterion": current.criteria.get(key="toilets"),
        "owner": AgentFactory(structure=tree.ales),
        "due_on": audit.visited_on,
    }
    if problem == "owner":
        kwargs["owner"] = AgentFactory(structure=tree.metz)  # other administration
    elif problem == "criterion":
        kwargs["criterion"] = checklists[1].criteria.get(key="toilets")
    else:
        kwargs["due_on"] = audit.visited_on - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        corrective_action_create(actor=quality, audit=audit, description="Réparer.", **kwargs)
    assert problem in caught.value.message_dict
