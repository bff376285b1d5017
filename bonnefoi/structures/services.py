"""Every write on structures, agents, roles and anonymity exceptions. Each one is atomic and
audited; callers pass keyword arguments only."""

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role, User
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.abilities import agent_abilities, permissions_on
from bonnefoi.structures.models import (
    Agent,
    AnonymityException,
    AnonymityGround,
    Structure,
    StructureKind,
)

# Crockford-like alphabet: no I, O (confusable with 1, 0) in pseudonyms read aloud on the phone.
PSEUDONYM_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MIN_JUSTIFICATION_LENGTH = 30


def _path_for(structure: Structure) -> str:
    prefix = structure.parent.path if structure.parent_id else ""
    return f"{prefix}{structure.pk:09d}/"


def _require(user, permission: str, structure: Structure, message: str) -> None:
    if user is not None and permission not in permissions_on(user, structure):
        raise PermissionDenied(message)


@transaction.atomic
def structure_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    parent: Structure | None = None,
    sp_code: str | None = None,
    street_address: str = "",
    postal_code: str = "",
    city: str = "",
    commune_insee: str = "",
) -> Structure:
    """Create a structure under ``parent``. ``actor=None`` is reserved for system commands."""
    if parent is not None:
        # The caller's copy may predate a move of the parent: the child path needs the stored one.
        parent.refresh_from_db(fields=["path", "kind"])
    if actor is not None:
        if parent is None and not actor.is_superuser:
            raise PermissionDenied("Seul un super-administrateur peut créer un réseau.")
        if parent is not None:
            _require(
                actor, "structure.manage", parent, "Vous ne pouvez pas créer de structure ici."
            )
    structure = Structure(
        kind=kind,
        name=name,
        parent=parent,
        sp_code=sp_code or None,
        street_address=street_address,
        postal_code=postal_code,
        city=city,
        commune_insee=commune_insee,
        path=f"pending-{secrets.token_hex(8)}",
    )
    structure.full_clean()
    structure.save()
    structure.path = _path_for(structure)
    structure.save(update_fields=["path"])
    audit_log(actor=actor, action="structure.created", obj=structure, structure=structure)
    return structure


@transaction.atomic
def structure_move(*, actor: User | None, structure: Structure, new_parent: Structure) -> Structure:
    """Attach a structure (and its whole subtree) to another parent, rewriting the paths."""
    _require(actor, "structure.manage", structure, "Vous ne pouvez pas déplacer cette structure.")
    _require(
        actor, "structure.manage", new_parent, "Vous ne pouvez pas rattacher de structure ici."
    )
    # Work from the stored paths: a copy loaded before an earlier move would rewrite nothing (stale
    # subtree prefix) or let a loop through (stale new parent path in the descendant check).
    structure.refresh_from_db(fields=["path"])
    new_parent.refresh_from_db(fields=["path", "kind"])
    old_path = structure.path
    structure.parent = new_parent
    structure.full_clean()
    new_path = _path_for(structure)
    Structure.objects.filter(path__tree_prefix=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    structure.save(update_fields=["parent", "updated_at"])
    structure.refresh_from_db(fields=["path"])
    audit_log(
        actor=actor,
        action="structure.moved",
        obj=structure,
        structure=structure,
        details={"from_parent_path": old_path, "to_parent": new_parent.pk},
    )
    return structure


def _new_pseudonym() -> str:
    return "Agent " + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(4))


def agent_create_errors(*, structure: Structure, email: str, role: str = Role.AGENT) -> dict:
    """The checks ``agent_create`` makes before writing, by field; forms show them on the field."""
    errors: dict[str, str] = {}
    if structure.kind == StructureKind.NETWORK and role == Role.AGENT:
        errors["structure"] = (
            "Un agent d'accueil est rattaché à une administration, un service ou un site, "
            "pas à un réseau."
        )
    if User.objects.filter(email=User.objects.normalize_email(email).lower()).exists():
        errors["email"] = "Un compte existe déjà avec cette adresse e-mail."
    return errors


@transaction.atomic
def agent_create(
    *,
    actor: User | None,
    structure: Structure,
    email: str,
    first_name: str,
    last_name: str,
    position: str,
    password: str | None = None,
    role: str = Role.AGENT,
) -> Agent:
    """Create the account, the agent profile (with its stable pseudonym) and a first role."""
    _require(
        actor, "agent.manage", structure, "Vous ne pouvez pas créer d'agent dans cette structure."
    )
    errors = agent_create_errors(structure=structure, email=email, role=role)
    if errors:
        raise ValidationError(errors)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.create_user(email=email, password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    agent = Agent(
        user=user,
        structure=structure,
        first_name=first_name,
        last_name=last_name,
        position=position,
    )
    agent.full_clean(exclude=["user", "pseudonym"])
    for _attempt in range(20):
        agent.pseudonym = _new_pseudonym()
        try:
            with transaction.atomic():
                agent.save()
            break
        except IntegrityError:
            if not Agent.objects.filter(pseudonym=agent.pseudonym).exists():
                raise
            agent.pk = None
    else:  # pragma: no cover - 34**4 = 1.3 million pseudonyms
        raise RuntimeError("Impossible de générer un pseudonyme unique.")
    audit_log(actor=actor, action="agent.created", obj=agent, structure=structure)
    membership_grant(actor=actor, user=user, structure=structure, role=role)
    return agent


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, structure: Structure, role: str
) -> Membership:
    """Give ``user`` a role on ``structure`` (and its subtree)."""
    _require(actor, "membership.manage", structure, "Vous ne pouvez pas attribuer de rôle ici.")
    if role == Role.NATIONAL_ADMINISTRATOR and structure.kind != StructureKind.NETWORK:
        raise ValidationError(
            {"role": "Le rôle d'administrateur national s'attribue sur un réseau."}
        )
    if (
        actor is not None
        and role == Role.NATIONAL_ADMINISTRATOR
        and "structure.manage" not in permissions_on(actor, structure)
    ):
        raise PermissionDenied(
            "Seul un administrateur national peut nommer un administrateur national."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, structure=structure, role=role, defaults={"granted_by": actor}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.granted_by = actor
        membership.save(update_fields=["is_active", "granted_by", "updated_at"])
    audit_log(
        actor=actor,
        action="membership.granted",
        obj=membership,
        structure=structure,
        details={"role": role, "user": user.pk},
    )
    return membership


def anonymity_exception_errors(
    *, ground: str, justification: str, valid_from: dt.date, valid_until: dt.date
) -> dict:
    """The checks ``anonymity_exception_grant`` makes on the request itself, by field."""
    errors: dict[str, str] = {}
    if ground not in AnonymityGround.values:
        errors["ground"] = (
            "Choisissez le motif légal : sécurité publique ou sécurité des personnes."
        )
    if len(justification.strip()) < MIN_JUSTIFICATION_LENGTH:
        errors["justification"] = (
            f"La justification écrite doit décrire les faits en au moins "
            f"{MIN_JUSTIFICATION_LENGTH} caractères."
        )
    if valid_until < valid_from:
        errors["valid_until"] = "La date de fin doit suivre la date de début."
    return errors


@transaction.atomic
def anonymity_exception_grant(
    *,
    actor: User,
    agent: Agent,
    ground: str,
    justification: str,
    valid_from: dt.date,
    valid_until: dt.date,
    requested_by: User | None = None,
) -> AnonymityException:
    """Record an approved exception to the identification rule (CRPA L111-2).

    ``actor`` is the approving administrator; they may not approve their own exception.
    """
    if not agent_abilities(actor, agent)["grant_anonymity"]:
        raise PermissionDenied(
            "Seul un administrateur de la structure de l'agent, autre que l'agent lui-même, "
            "peut approuver une exception d'anonymat."
        )
    errors = anonymity_exception_errors(
        ground=ground, justification=justification, valid_from=valid_from, valid_until=valid_until
    )
    if errors:
        raise ValidationError(errors)
    exception = AnonymityException.objects.create(
        agent=agent,
        ground=ground,
        justification=justification.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        requested_by=requested_by or actor,
        approved_by=actor,
    )
    audit_log(
        actor=actor,
        action="anonymity_exception.granted",
        obj=exception,
        structure=agent.structure,
        details={"ground": ground, "from": str(valid_from), "until": str(valid_until)},
    )
    return exception


def anonymity_exception_revoke_errors(
    *, exception: AnonymityException, reason: str, effective_on: dt.date
) -> dict:
    """The checks ``anonymity_exception_revoke`` makes on the request itself, by field."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if exception.revoked_at is not None:
        errors["__all__"] = "Cette exception est déjà levée."
    if not reason.strip():
        errors["revocation_reason"] = "Indiquez le motif de la levée."
    if effective_on < today:
        # Letters and badges already issued under the pseudonym cannot be named after the fact.
        errors["revoked_from"] = (
            "La levée ne peut pas être antidatée : choisissez aujourd'hui ou plus tard."
        )
    elif effective_on > exception.valid_until:
        errors["revoked_from"] = (
            "L'exception prend déjà fin d'elle-même le "
            f"{exception.valid_until:%d/%m/%Y} : choisissez une date antérieure ou égale."
        )
    return errors


@transaction.atomic
def anonymity_exception_revoke(
    *,
    actor: User,
    exception: AnonymityException,
    reason: str,
    effective_on: dt.date | None = None,
) -> AnonymityException:
    """End an exception before its end date; the agent is named again from ``effective_on``
    (today by default, never in the past)."""
    if actor.pk == exception.agent.user_id:
        raise PermissionDenied("Un agent ne peut pas lever sa propre exception d'anonymat.")
    _require(
        actor,
        "anonymity.approve",
        exception.agent.structure,
        "Vous ne pouvez pas lever cette exception.",
    )
    effective_on = effective_on or timezone.localdate()
    errors = anonymity_exception_revoke_errors(
        exception=exception, reason=reason, effective_on=effective_on
    )
    if "__all__" in errors:
        raise ValidationError(errors["__all__"])
    if errors:
        raise ValidationError(errors)
    exception.revoked_at = timezone.now()
    exception.revoked_by = actor
    exception.revocation_reason = reason.strip()
    exception.revoked_from = effective_on
    exception.save(
        update_fields=[
            "revoked_at",
            "revoked_by",
            "revocation_reason",
            "revoked_from",
            "updated_at",
        ]
    )
    audit_log(
        actor=actor,
        action="anonymity_exception.revoked",
        obj=exception,
        structure=exception.agent.structure,
        # The reason may describe facts about the agent: like the justification, it stays out.
        details={"effective_on": str(effective_on)},
    )
    return exception


@transaction.atomic
def structure_update(
    *, actor: User | None, structure: Structure, changed_fields: list[str]
) -> Structure:
    """Save edited fields of a structure (not its parent: see ``structure_move``), audited."""
    _require(actor, "structure.manage", structure, "Vous ne pouvez pas modifier cette structure.")
    if "parent" in changed_fields:
        raise ValidationError(
            {"parent": "Utilisez le déplacement pour changer de structure parente."}
        )
    structure.full_clean()
    structure.save()
    audit_log(
        actor=actor,
        action="structure.updated",
        obj=structure,
        structure=structure,
        details={"fields": sorted(changed_fields)},
    )
    return structure


@transaction.atomic
def agent_update(*, actor: User | None, agent: Agent, changed_fields: list[str]) -> Agent:
    """Save edited fields of an agent profile (names, position, structure), audited."""
    _require(actor, "agent.manage", agent.structure, "Vous ne pouvez pas modifier cet agent.")
    agent.full_clean()
    agent.save()
    audit_log(
        actor=actor,
        action="agent.updated",
        obj=agent,
        structure=agent.structure,
        details={"fields": sorted(changed_fields)},
    )
    return agent


@transaction.atomic
def membership_revoke(*, actor: User | None, membership: Membership) -> Membership:
    """Withdraw a role (kept inactive for the record, never deleted)."""
    _require(
        actor, "membership.manage", membership.structure, "Vous ne pouvez pas retirer ce rôle."
    )
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    audit_log(
        actor=actor,
        action="membership.revoked",
        obj=membership,
        structure=membership.structure,
        details={"role": membership.role, "user": membership.user_id},
    )
    return membership


def agents_record_listing(*, actor: User, structure_ids: list[int], channel: str) -> None:
    """Write to the audit log that ``actor`` listed agents (names are personal data)."""
    audit_log(
        actor=actor,
        action="agent.listed",
        details={"channel": channel, "structures": sorted(set(structure_ids))},
    )


def agent_record_access(*, actor: User, agent: Agent, channel: str) -> None:
    """Write to the audit log that ``actor`` read an agent's personal data (back office or API)."""
    audit_log(
        actor=actor,
        action="agent.viewed",
        obj=agent,
        structure=agent.structure,
        details={"channel": channel},
    )
