"""Every write of the training app, atomic and audited; callers pass keyword arguments only."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bonnefoi.accounts.models import User
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.models import Agent, Structure
from bonnefoi.structures.services import agent_update
from bonnefoi.training.models import Completion, ImportBatch, TrainingModule

# Evidence files: an attestation scanned or exported by the provider.
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
EARLIEST_COMPLETION = dt.date(2000, 1, 1)
DUPLICATE_MESSAGE = "Cette formation est déjà enregistrée pour cet agent à cette date."


def _require(user, permission: str, structure: Structure, message: str) -> None:
    if user is not None and permission not in permissions_on(user, structure):
        raise PermissionDenied(message)


def evidence_file_errors(upload: UploadedFile | None) -> list[str]:
    """A PDF, PNG or JPEG of at most 5 Mo whose first bytes match its extension."""
    if upload is None:
        return []
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in EVIDENCE_SIGNATURES:
        return ["L'attestation doit être un fichier PDF, PNG ou JPEG."]
    if upload.size > EVIDENCE_MAX_BYTES:
        return ["L'attestation dépasse 5 Mo : réduisez-la ou indiquez sa référence."]
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(EVIDENCE_SIGNATURES[extension]):
        return [f"Le contenu du fichier ne correspond pas à un {extension.upper()}."]
    return []


def completion_errors(
    *,
    agent: Agent,
    module: TrainingModule,
    completed_on: dt.date,
    evidence_reference: str = "",
    evidence_file: UploadedFile | None = None,
    from_import: bool = False,
) -> dict[str, str]:
    """The checks ``completion_record`` makes, by field (forms and the CSV import show them)."""
    errors: dict[str, str] = {}
    if (
        not module.is_active
        or not TrainingModule.objects.available_to(agent.structure).filter(pk=module.pk).exists()
    ):
        errors["module"] = "Ce module n'est pas proposé à la structure de l'agent."
    if completed_on > timezone.localdate():
        errors["completed_on"] = "La date de la formation est dans le futur."
    elif completed_on < EARLIEST_COMPLETION:
        errors["completed_on"] = "La date de la formation est antérieure à 2000 : vérifiez-la."
    elif Completion.objects.filter(agent=agent, module=module, completed_on=completed_on).exists():
        errors["completed_on"] = DUPLICATE_MESSAGE
    if not from_import and not evidence_reference.strip() and evidence_file is None:
        errors["evidence_reference"] = "Joignez l'attestation ou indiquez sa référence."
    file_errors = evidence_file_errors(evidence_file)
    if file_errors:
        errors["evidence_file"] = file_errors[0]
    return errors


@transaction.atomic
def completion_record(
    *,
    actor: User | None,
    agent: Agent,
    module: TrainingModule,
    completed_on: dt.date,
    provider: str,
    evidence_reference: str = "",
    evidence_file: UploadedFile | None = None,
    import_batch: ImportBatch | None = None,
) -> Completion:
    """Record that ``agent`` completed ``module``; ``actor=None`` is a system import."""
    _require(
        actor,
        "training.record",
        agent.structure,
        "Vous ne pouvez pas enregistrer de formation pour cet agent.",
    )
    errors = completion_errors(
        agent=agent,
        module=module,
        completed_on=completed_on,
        evidence_reference=evidence_reference,
        evidence_file=evidence_file,
        from_import=import_batch is not None,
    )
    if not provider.strip():
        errors["provider"] = "Indiquez l'organisme de formation."
    if errors:
        raise ValidationError(errors)
    completion = Completion(
        agent=agent,
        module=module,
        completed_on=completed_on,
        provider=provider.strip(),
        evidence_reference=evidence_reference.strip(),
        import_batch=import_batch,
        recorded_by=actor,
    )
    try:
        # A savepoint: a concurrent record of the same agent, module and date can pass the check
        # above and commit first; the unique constraint then stops this one, and the outer
        # transaction stays usable.
        with transaction.atomic():
            if evidence_file is not None:
                completion.evidence_file.save(evidence_file.name, evidence_file, save=False)
            completion.save()
    except Exception as exc:
        if completion.evidence_file:
            completion.evidence_file.delete(save=False)  # no file without its record
        if isinstance(exc, IntegrityError) and (
            Completion.objects.filter(
                agent=agent, module=module, completed_on=completed_on
            ).exists()
        ):
            raise ValidationError({"completed_on": DUPLICATE_MESSAGE}) from None
        raise
    if import_batch is None:  # an import writes one audit entry for the whole file
        audit_log(
            actor=actor,
            action="training.completion_recorded",
            obj=completion,
            structure=agent.structure,
            details={"module": module.code, "completed_on": str(completed_on)},
        )
    return completion


def module_errors(*, code: str, owner: Structure | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if TrainingModule.objects.filter(code=code).exists():
        errors["code"] = "Un module porte déjà ce code : choisissez-en un autre."
    return errors


@transaction.atomic
def module_create(*, actor: User, owner: Structure, **fields) -> TrainingModule:
    """Add a module to the catalogue of ``owner``'s subtree (platform modules come from data)."""
    _require(
        actor,
        "training.catalogue",
        owner,
        "Vous ne pouvez pas ajouter de module pour cette structure.",
    )
    errors = module_errors(code=fields.get("code", ""), owner=owner)
    if errors:
        raise ValidationError(errors)
    module = TrainingModule(owner=owner, **fields)
    module.full_clean()
    module.save()
    audit_log(
        actor=actor,
        action="training.module_created",
        obj=module,
        structure=owner,
        details={"code": module.code, "mandatory": module.mandatory},
    )
    return module


def agent_populations_update(
    *, actor: User | None, agent: Agent, front_line: bool, manager: bool
) -> Agent:
    """Set whether the agent counts as front-line and/or manager (through ``agent_update``)."""
    changed = [
        name
        for name, value in (("front_line", front_line), ("manager", manager))
        if getattr(agent, name) != value
    ]
    if not changed:
        return agent
    agent.front_line, agent.manager = front_line, manager
    return agent_update(actor=actor, agent=agent, changed_fields=changed)


def evidence_record_access(*, actor: User, completion: Completion) -> None:
    """Write to the audit log that ``actor`` opened an agent's attestation."""
    audit_log(
        actor=actor,
        action="training.evidence_viewed",
        obj=completion,
        structure=completion.agent.structure,
    )
