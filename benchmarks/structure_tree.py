"""Benchmark: subtree reads on the structure tree at national scale.

Builds a tree of the size the product targets (networks > administrations > services > sites,
about 11 000 structures and 22 000 agents) in a scratch database, then measures, in the same run:

- the materialised-path subtree query used by the platform (``Structure.objects.subtree_of``),
  against a baseline: the recursive CTE an adjacency-list design would need;
- ``agents_visible_to`` for an administrator of one administration (count + first page);
- ``structure_move`` of one administration's subtree.

Run:  python3 -m uv run --group bench python benchmarks/structure_tree.py
      scripts/with-postgres.sh python3 -m uv run --group bench python benchmarks/structure_tree.py
Figures are medians of repeated runs; the ratio compares both ways of reading the same subtree.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

import django

django.setup()

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bonnefoi.accounts.models import Membership, Role, User  # noqa: E402
from bonnefoi.structures import services  # noqa: E402
from bonnefoi.structures.models import Agent, Structure, StructureKind  # noqa: E402
from bonnefoi.structures.selectors import agents_visible_to  # noqa: E402

SHAPE = {"networks": 5, "administrations": 20, "services": 10, "sites": 10, "agents_per_site": 2}
REPEAT = 30


def build_tree() -> dict:
    """Bulk-insert the tree with explicit ids so paths are known up front."""
    rows, next_id = [], 1

    def add(kind, name, parent):
        nonlocal next_id
        pk = next_id
        next_id += 1
        path = (parent.path if parent else "") + f"{pk:09d}/"
        row = Structure(id=pk, kind=kind, name=name, parent=parent, path=path, sp_code=f"B-{pk}")
        rows.append(row)
        return row

    sites = []
    for n in range(SHAPE["networks"]):
        network = add(StructureKind.NETWORK, f"Réseau {n}", None)
        for a in range(SHAPE["administrations"]):
            administration = add(StructureKind.ADMINISTRATION, f"Admin {n}.{a}", network)
            for s in range(SHAPE["services"]):
                service = add(StructureKind.SERVICE, f"Service {n}.{a}.{s}", administration)
                for t in range(SHAPE["sites"]):
                    sites.append(add(StructureKind.SITE, f"Site {n}.{a}.{s}.{t}", service))
    Structure.objects.bulk_create(rows, batch_size=2000)

    users, agents = [], []
    for index, site in enumerate(s for s in sites for _ in range(SHAPE["agents_per_site"])):
        user = User(
            id=index + 1, email=f"agent{index}@bench.test", password=UNUSABLE_PASSWORD_PREFIX
        )
        users.append(user)
        agents.append(
            Agent(
                user=user,
                structure=site,
                first_name="Prénom",
                last_name=f"Nom{index:06d}",
                position="Conseiller",
                pseudonym=f"B{index:06d}",
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    Agent.objects.bulk_create(agents, batch_size=2000)
    # Explicit ids do not advance PostgreSQL sequences: move them past the inserted rows.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Structure, User, Agent]):
            cursor.execute(statement)
        # Fresh planner statistics, as autovacuum would have them on a live database.
        cursor.execute("ANALYZE")
    return {"structures": len(rows), "agents": len(agents)}


def median_ms(func, repeat: int = REPEAT) -> float:
    func()  # warm-up (query plans, caches)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def recursive_cte_count(root_id: int) -> int:
    table = Structure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE subtree(id) AS (
                SELECT id FROM {table} WHERE id = %s
                UNION ALL
                SELECT s.id FROM {table} s JOIN subtree ON s.parent_id = subtree.id
            )
            SELECT COUNT(*) FROM subtree
            """,  # noqa: S608 - table name from model metadata, value parametrised
            [root_id],
        )
        return cursor.fetchone()[0]


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0, run_syncdb=True)
    if connection.vendor == "sqlite":
        vendor = f"SQLite {connection.Database.sqlite_version}"
    else:
        vendor = f"{connection.vendor} {connection.pg_version}"
    start = time.perf_counter()
    sizes = build_tree()
    build_s = time.perf_counter() - start

    administration = Structure.objects.filter(kind=StructureKind.ADMINISTRATION).order_by("path")[7]
    network = administration.parent
    expected = Structure.objects.subtree_of(administration).count()
    assert recursive_cte_count(administration.pk) == expected

    admin_user = User.objects.create_user(email="admin@bench.test")
    Membership.objects.create(user=admin_user, structure=administration, role=Role.ADMINISTRATOR)

    figures: dict[str, float] = {}
    for scope, root in (("administration", administration), ("network", network)):
        path_ms = median_ms(lambda root=root: Structure.objects.subtree_of(root).count())
        cte_ms = median_ms(lambda root=root: recursive_cte_count(root.pk))
        figures[f"{scope} subtree, materialised path (ms)"] = path_ms
        figures[f"{scope} subtree, recursive CTE baseline (ms)"] = cte_ms
        figures[f"{scope} subtree, ratio CTE / path"] = cte_ms / path_ms

    def visible_first_page():
        admin_user.__dict__.pop("_bonnefoi_memberships", None)
        queryset = agents_visible_to(admin_user)
        return queryset.count(), list(queryset[:50])

    figures["agents_visible_to: count + first page of 50 (ms)"] = median_ms(visible_first_page)

    networks = list(Structure.objects.filter(kind=StructureKind.NETWORK).order_by("path")[:2])
    targets = iter(networks * (REPEAT + 1))

    def move():
        services.structure_move(actor=None, structure=administration, new_parent=next(targets))

    figures["structure_move of an administration subtree (ms)"] = median_ms(move)

    print(f"Database: {vendor}")
    print(
        f"Tree: {sizes['structures']} structures, {sizes['agents']} agents "
        f"(built in {build_s:.1f} s); administration subtree = {expected} structures"
    )
    for label, value in figures.items():
        print(f"  {label:<55} {value:8.2f}")


if __name__ == "__main__":
    main()
