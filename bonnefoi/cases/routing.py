"""Which structure receives a declaration: from the procedure (its owning administrations) and
the person's postal code (their département).

Among the structures under the procedure's owners, the administration (or service) located in
the person's département is chosen; the first by tree order when several are; failing that,
the owner itself (a national queue, which may redirect the case). docs/adr/0010-signaler-une-erreur.md."""

from django.db.models import Q

from bonnefoi.advice.models import Procedure
from bonnefoi.structures.models import Structure, StructureKind

ROUTABLE_KINDS = (StructureKind.ADMINISTRATION, StructureKind.SERVICE)


def department_of_postal_code(postal_code: str) -> str:
    """ "30000" -> "30"; "97300" -> "973"; "20000" -> "2A", "20200" -> "2B" (Corsica: 200xx and
    201xx are Corse-du-Sud, 202xx and 206xx Haute-Corse)."""
    if postal_code.startswith("97") or postal_code.startswith("98"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if postal_code[:3] in ("200", "201") else "2B"
    return postal_code[:2]


def department_of_structure(structure: Structure) -> str:
    if structure.commune_insee:
        code = structure.commune_insee
        return code[:3] if code.startswith("97") else code[:2]
    if structure.postal_code:
        return department_of_postal_code(structure.postal_code)
    return ""


def root_id(structure: Structure) -> int:
    """The id of the network at the root of `structure`'s tree (first step of its path)."""
    return int(structure.path.split("/")[0])


def route(procedure: Procedure, postal_code: str) -> Structure:
    """The structure in charge of a declaration about `procedure` from `postal_code`."""
    owners = list(procedure.owners.order_by("path"))
    if not owners:
        raise ValueError(f"La démarche « {procedure.title} » n'a pas d'administration responsable.")
    department = department_of_postal_code(postal_code)
    candidates = (
        Structure.objects.subtrees_of(owners)
        .filter(kind__in=ROUTABLE_KINDS)
        .filter(
            Q(commune_insee__startswith=department) | Q(postal_code__startswith=postal_code[:2])
        )
        .order_by("path")
    )
    for structure in candidates:
        if department_of_structure(structure) == department:
            return structure
    return owners[0]
