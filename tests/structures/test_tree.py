"""The structure tree: materialised paths, subtree reads, allowed parents, moves and their audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from bonnefoi.accounts.models import Role
from bonnefoi.core.deadlines import Zone
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures import services
from bonnefoi.structures.models import Structure, StructureKind
from bonnefoi.structures.selectors import (
    administration_of,
    structure_ancestors,
    structure_subtree,
)
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

K = StructureKind


def _names(structures) -> list[str]:
    return [structure.name for structure in structures]


def test_path_of_every_node_is_its_parent_path_plus_its_own_padded_id(tree):
    """A node's path is its parent's path followed by its own zero-padded id, so depth is readable."""
    for structure in Structure.objects.all():
        own = f"{structure.pk:09d}/"
        expected = (structure.parent.path if structure.parent else "") + own
        assert structure.path == expected
    assert [tree.network.depth, tree.gard.depth, tree.gard_service.depth, tree.nimes.depth] == [
        1,
        2,
        3,
        4,
    ]
    assert tree.nimes.ancestor_ids == [tree.network.pk, tree.gard.pk, tree.gard_service.pk]


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        (
            "network",
            [
                "Réseau CAF",
                "CAF du Gard",
                "Service relation allocataires",
                "Accueil de Nîmes",
                "Accueil d'Alès",
                "CAF de la Moselle",
                "Accueil de Metz",
            ],
        ),
        (
            "gard",
            ["CAF du Gard", "Service relation allocataires", "Accueil de Nîmes", "Accueil d'Alès"],
        ),
        ("moselle", ["CAF de la Moselle", "Accueil de Metz"]),
        ("nimes", ["Accueil de Nîmes"]),
        ("other_network", ["Réseau Urssaf", "Urssaf Île-de-France", "Accueil de Montreuil"]),
    ],
)
def test_subtree_is_the_structure_and_all_its_descendants_only(tree, root, expected):
    """structure_subtree holds the structure and everything below it, never a sibling or parent."""
    subtree = list(structure_subtree(getattr(tree, root)))
    assert sorted(_names(subtree)) == sorted(expected)
    assert subtree[0] == getattr(tree, root), "the subtree starts at its root"
    paths = [structure.path for structure in subtree]
    assert paths == sorted(paths), "tree order: a parent always comes before its children"


def test_subtree_does_not_catch_a_structure_whose_id_merely_starts_alike(tree):
    """Ids are zero-padded, so structure 1 does not capture structures 10, 11… as descendants."""
    for structure in Structure.objects.all():
        for other in structure_subtree(structure):
            assert other == structure or structure.pk in other.ancestor_ids


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("network", []),
        ("gard", ["Réseau CAF"]),
        ("gard_service", ["Réseau CAF", "CAF du Gard"]),
        ("nimes", ["Réseau CAF", "CAF du Gard", "Service relation allocataires"]),
        ("metz", ["Réseau CAF", "CAF de la Moselle"]),
    ],
)
def test_ancestors_run_from_the_root_down_to_the_parent(tree, node, expected):
    """structure_ancestors lists the ancestors root first, the node itself excluded."""
    assert _names(structure_ancestors(getattr(tree, node))) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("network", None),
        ("gard", "gard"),
        ("gard_service", "gard"),
        ("nimes", "gard"),
        ("ales", "gard"),
        ("metz", "moselle"),
        ("other_site", "other_administration"),
    ],
)
def test_administration_of_is_the_nearest_administration_at_or_above(tree, node, expected):
    """administration_of returns the node if it is an administration, else the nearest one above."""
    result = administration_of(getattr(tree, node))
    assert result == (getattr(tree, expected) if expected else None)


def test_administration_of_prefers_the_nearest_of_nested_administrations(tree):
    """With an administration inside another, a site belongs to the inner (nearest) one."""
    inner = StructureFactory(kind=K.ADMINISTRATION, name="Direction territoriale", parent=tree.gard)
    site = StructureFactory(kind=K.SITE, parent=inner)
    assert administration_of(site) == inner


PARENT_KIND_TABLE = [
    # (kind, parent kind or None, allowed)
    (K.NETWORK, None, True),
    (K.NETWORK, K.NETWORK, False),
    (K.NETWORK, K.ADMINISTRATION, False),
    (K.NETWORK, K.SERVICE, False),
    (K.NETWORK, K.SITE, False),
    (K.ADMINISTRATION, None, False),
    (K.ADMINISTRATION, K.NETWORK, True),
    (K.ADMINISTRATION, K.ADMINISTRATION, True),
    (K.ADMINISTRATION, K.SERVICE, False),
    (K.ADMINISTRATION, K.SITE, False),
    (K.SERVICE, None, False),
    (K.SERVICE, K.NETWORK, False),
    (K.SERVICE, K.ADMINISTRATION, True),
    (K.SERVICE, K.SERVICE, True),
    (K.SERVICE, K.SITE, False),
    (K.SITE, None, False),
    (K.SITE, K.NETWORK, False),
    (K.SITE, K.ADMINISTRATION, True),
    (K.SITE, K.SERVICE, True),
    (K.SITE, K.SITE, False),
]
PARENT_OF_KIND = {
    K.NETWORK: "network",
    K.ADMINISTRATION: "gard",
    K.SERVICE: "gard_service",
    K.SITE: "nimes",
}


@pytest.mark.parametrize(("kind", "parent_kind", "allowed"), PARENT_KIND_TABLE)
def test_allowed_parent_kinds(tree, kind, parent_kind, allowed):
    """Only a network sits at the root; administrations hang under a network or an administration,
    services under an administration or a service, sites under an administration or a service;
    any other combination is refused with a French message and nothing is written."""
    parent = getattr(tree, PARENT_OF_KIND[parent_kind]) if parent_kind else None
    before = Structure.objects.count()
    if allowed:
        created = services.structure_create(actor=None, kind=kind, name="Nouvelle", parent=parent)
        assert created.parent == parent
        assert created.path.startswith(parent.path if parent else "")
        return
    with pytest.raises(ValidationError) as excinfo:
        services.structure_create(actor=None, kind=kind, name="Nouvelle", parent=parent)
    message = " ".join(excinfo.value.message_dict["parent"])
    if parent is None:
        assert "Seul un réseau peut être à la racine" in message
    else:
        assert "ne peut pas être rattaché(e)" in message
        assert parent.get_kind_display().lower() in message
    assert Structure.objects.count() == before


def test_move_rewrites_the_path_of_the_whole_subtree(tree):
    """Moving a structure carries its whole subtree: every descendant path follows, nothing else."""
    untouched = {
        s.pk: s.path for s in Structure.objects.exclude(path__startswith=tree.gard_service.path)
    }

    services.structure_move(actor=None, structure=tree.gard_service, new_parent=tree.moselle)

    moved = Structure.objects.get(pk=tree.gard_service.pk)
    assert moved.parent == tree.moselle
    assert moved.path == f"{tree.moselle.path}{moved.pk:09d}/"
    for site in (tree.nimes, tree.ales):
        site.refresh_from_db()
        assert site.path == f"{moved.path}{site.pk:09d}/"
    assert set(structure_subtree(tree.moselle)) == {
        tree.moselle,
        tree.metz,
        moved,
        tree.nimes,
        tree.ales,
    }
    assert set(structure_subtree(tree.gard)) == {tree.gard}
    assert {s.pk: s.path for s in Structure.objects.filter(pk__in=untouched)} == untouched


def test_move_one_level_deeper_lengthens_every_descendant_path(tree):
    """Moving an administration under another administration makes its sites one level deeper."""
    services.structure_move(actor=None, structure=tree.moselle, new_parent=tree.gard)
    tree.metz.refresh_from_db()
    assert tree.metz.depth == 4
    assert [s.name for s in structure_ancestors(tree.metz)] == [
        "Réseau CAF",
        "CAF du Gard",
        "CAF de la Moselle",
    ]


def test_move_relies_on_stored_paths_not_on_stale_objects(tree):
    """A second move made with an object loaded before the first one still rewrites the subtree."""
    stale_service = Structure.objects.get(pk=tree.gard_service.pk)
    services.structure_move(actor=None, structure=tree.gard_service, new_parent=tree.moselle)

    services.structure_move(actor=None, structure=stale_service, new_parent=tree.gard)

    tree.nimes.refresh_from_db()
    service = Structure.objects.get(pk=tree.gard_service.pk)
    assert service.path.startswith(tree.gard.path)
    assert tree.nimes.path == f"{service.path}{tree.nimes.pk:09d}/"


def test_creation_under_a_moved_parent_uses_its_stored_path(tree):
    """A child created with a parent object loaded before that parent moved lands in the new place."""
    stale_service = Structure.objects.get(pk=tree.gard_service.pk)
    services.structure_move(actor=None, structure=tree.gard_service, new_parent=tree.moselle)

    site = services.structure_create(
        actor=None, kind=K.SITE, name="Accueil de Thionville", parent=stale_service
    )

    assert site in structure_subtree(tree.moselle)


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_move_under_its_own_subtree_is_refused(tree, target):
    """A structure cannot be attached to itself or to one of its descendants (it would be a loop)."""
    child = StructureFactory(kind=K.SERVICE, name="Pôle accueil", parent=tree.gard_service)
    grandchild = StructureFactory(kind=K.SERVICE, name="Cellule rendez-vous", parent=child)
    new_parent = {"itself": tree.gard_service, "child": child, "grandchild": grandchild}[target]
    paths = {s.pk: s.path for s in Structure.objects.all()}

    with pytest.raises(ValidationError) as excinfo:
        services.structure_move(actor=None, structure=tree.gard_service, new_parent=new_parent)

    assert "sous-structures" in " ".join(excinfo.value.message_dict["parent"])
    assert {s.pk: s.path for s in Structure.objects.all()} == paths
    assert Structure.objects.get(pk=tree.gard_service.pk).parent == tree.gard


def test_move_under_a_descendant_is_refused_even_from_a_stale_copy(tree):
    """The loop check reads the stored path of the new parent, not an out-of-date copy of it."""
    child = StructureFactory(kind=K.SERVICE, name="Pôle accueil", parent=tree.gard_service)
    stale_child = Structure.objects.get(pk=child.pk)
    services.structure_move(actor=None, structure=tree.gard_service, new_parent=tree.moselle)

    with pytest.raises(ValidationError):
        services.structure_move(actor=None, structure=tree.gard_service, new_parent=stale_child)

    assert Structure.objects.get(pk=tree.gard_service.pk).parent == tree.moselle


@pytest.mark.parametrize(
    ("structure", "new_parent"),
    [("nimes", "network"), ("gard", "gard_service"), ("other_network", "network")],
)
def test_move_respects_the_allowed_parent_kinds(tree, structure, new_parent):
    """A move is refused when the new parent's kind cannot hold the structure."""
    paths = {s.pk: s.path for s in Structure.objects.all()}
    with pytest.raises(ValidationError):
        services.structure_move(
            actor=None, structure=getattr(tree, structure), new_parent=getattr(tree, new_parent)
        )
    assert {s.pk: s.path for s in Structure.objects.all()} == paths


def test_move_is_audited_with_its_actor(tree, member):
    """A move by a national administrator is allowed and written to the audit log."""
    national = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    services.structure_move(actor=national, structure=tree.gard_service, new_parent=tree.moselle)
    entry = AuditLogEntry.objects.get(action="structure.moved")
    assert entry.actor == national
    assert entry.object_id == str(tree.gard_service.pk)
    assert entry.details["to_parent"] == tree.moselle.pk


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.QUALITY_MANAGER, Role.AGENT])
def test_move_needs_structure_management_rights(tree, member, role):
    """Without structure.manage on both ends, a move is refused and nothing changes."""
    user = member(role, tree.gard)
    with pytest.raises(PermissionDenied):
        services.structure_move(actor=user, structure=tree.nimes, new_parent=tree.gard)
    assert Structure.objects.get(pk=tree.nimes.pk).parent == tree.gard_service
    assert not AuditLogEntry.objects.filter(action="structure.moved").exists()


def test_creation_through_the_service_is_audited(tree, member):
    """structure_create writes a structure.created entry naming the actor and the structure."""
    national = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    created = services.structure_create(
        actor=national, kind=K.ADMINISTRATION, name="CAF de la Guyane", parent=tree.network
    )
    entry = AuditLogEntry.objects.get(action="structure.created", object_id=str(created.pk))
    assert entry.actor == national
    assert entry.structure == created
    assert entry.object_type == "structures.structure"


def test_system_creation_is_audited_without_actor(db):
    """A structure made by a system command (actor=None) is still audited, with no actor."""
    network = services.structure_create(actor=None, kind=K.NETWORK, name="Réseau France Travail")
    entry = AuditLogEntry.objects.get(action="structure.created", object_id=str(network.pk))
    assert entry.actor is None


@pytest.mark.parametrize(
    ("who", "parent", "allowed"),
    [
        ("superuser", None, True),
        ("national_administrator", None, False),
        ("national_administrator", "network", True),
        ("national_administrator", "other_network", False),
        ("administrator", "gard", False),
    ],
)
def test_who_may_create_a_structure(tree, member, who, parent, allowed):
    """Only a superuser creates a network; below it, structure.manage on the parent is needed."""
    if who == "superuser":
        actor = UserFactory(superuser=True)
    elif who == "national_administrator":
        actor = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    else:
        actor = member(Role.ADMINISTRATOR, tree.gard)
    parent_structure = getattr(tree, parent) if parent else None
    kind = K.ADMINISTRATION if parent_structure else K.NETWORK
    if parent == "gard":
        kind = K.SERVICE
    before = AuditLogEntry.objects.count()
    if allowed:
        services.structure_create(actor=actor, kind=kind, name="Nouvelle", parent=parent_structure)
        assert AuditLogEntry.objects.count() == before + 1
        return
    with pytest.raises(PermissionDenied):
        services.structure_create(actor=actor, kind=kind, name="Nouvelle", parent=parent_structure)
    assert not Structure.objects.filter(name="Nouvelle").exists()
    assert AuditLogEntry.objects.count() == before


@pytest.mark.parametrize(
    ("node", "new_kind", "allowed"),
    [
        ("gard", K.SITE, False),  # a site cannot hang under a network
        ("gard_service", K.SITE, False),  # its sites would hang under a site
        ("gard_service", K.ADMINISTRATION, True),  # an administration may hold sites
        ("moselle", K.SERVICE, False),  # a service cannot hang under a network
        ("nimes", K.SERVICE, True),  # a leaf may change kind if its parent allows it
    ],
)
def test_changing_kind_keeps_the_tree_valid(tree, node, new_kind, allowed):
    """A structure's kind may change only if its parent may hold the new kind and the new kind
    may hold its children; a site stays a leaf."""
    structure = Structure.objects.get(pk=getattr(tree, node).pk)
    structure.kind = new_kind
    if allowed:
        structure.full_clean()
        return
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert excinfo.value.message_dict.keys() & {"kind", "parent"}


@pytest.mark.parametrize(
    ("insee", "zone"),
    [
        ("", Zone.METROPOLE),
        ("30189", Zone.METROPOLE),
        ("57463", Zone.ALSACE_MOSELLE),
        ("67482", Zone.ALSACE_MOSELLE),
        ("97302", Zone.GUYANE),
        ("97411", Zone.REUNION),
        ("2A004", Zone.METROPOLE),
    ],
)
def test_structure_deadlines_follow_the_calendar_of_its_commune(db, insee, zone):
    """A structure's holiday zone comes from its commune INSEE code (metropole when absent), so a
    Moselle site counts Good Friday and 26 December as holidays, a Guyane site 10 June."""
    network = StructureFactory(commune_insee="")
    structure = StructureFactory(
        kind=K.ADMINISTRATION, parent=network, commune_insee=insee, postal_code=""
    )
    assert structure.holiday_zone == zone


@pytest.mark.parametrize("insee", ["97501", "98735"])
def test_commune_without_holiday_calendar_is_refused(db, insee):
    """A well-formed commune code with no supported calendar (Saint-Pierre-et-Miquelon, Pacific)
    is refused with a French message instead of failing later in a deadline."""
    network = StructureFactory(commune_insee="")
    with pytest.raises(ValidationError) as excinfo:
        StructureFactory(kind=K.ADMINISTRATION, parent=network, commune_insee=insee)
    assert "calendrier des jours fériés" in str(excinfo.value.message_dict["commune_insee"])


@pytest.mark.parametrize("bad", ["", "12/", "000000001/%", "000000001/*", "../"])
def test_tree_prefix_lookup_refuses_anything_but_a_path(db, bad):
    """The prefix lookup accepts only well-formed paths, so no LIKE/GLOB wildcard slips in."""
    with pytest.raises(ValueError, match="Chemin de structure invalide"):
        list(Structure.objects.filter(path__tree_prefix=bad))


def test_subtree_query_is_served_by_the_path_index(tree):
    """The subtree query reads the path index instead of scanning the table (both backends)."""
    queryset = Structure.objects.subtree_of(tree.gard)
    plan = queryset.explain()
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # tiny test tables: force the choice
            plan = queryset.explain()
            cursor.execute("RESET enable_seqscan")
        assert "Index" in plan, plan
