"""Statistical secret of the public indicators, on the cells and lines themselves (no database):
no count from 1 to 9 is published, and no line lets a subtraction give a hidden count back."""

import time
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from bonnefoi.core.disclosure import suppressed_cells
from bonnefoi.observatory.models import Measure
from bonnefoi.observatory.publication import (
    _OWN,
    _SUB,
    NATIONAL,
    _Counts,
    cells_and_lines,
    top_errors,
)

K = 10


def build(parents: list[int | None], own: dict) -> _Counts:
    """Subtree counts of a tree given as `parents` (structure i's parent index, or None) and
    each structure's own cases: own[i] = {"errors": {entry: n}, "untagged": n, "decided": n,
    "granted": n, "waived": n}."""
    by_scope = defaultdict(
        lambda: dict.fromkeys(
            (
                Measure.RECEIVED,
                Measure.DECIDED,
                Measure.GRANTED,
                Measure.NOT_GRANTED,
                Measure.WAIVED,
            ),
            0,
        )
    )
    errors = defaultdict(lambda: defaultdict(int))
    untagged = defaultdict(int)

    def ancestors(i):
        while i is not None:
            yield i + 1  # structure ids start at 1
            i = parents[i]
        yield NATIONAL

    for i, mine in own.items():
        received = sum(mine["errors"].values()) + mine["untagged"]
        for scope in ancestors(i):
            c = by_scope[scope]
            c[Measure.RECEIVED] += received
            c[Measure.DECIDED] += mine["decided"]
            c[Measure.GRANTED] += mine["granted"]
            c[Measure.WAIVED] += mine["waived"]
            c[Measure.NOT_GRANTED] += mine["decided"] - mine["granted"]
            untagged[scope] += mine["untagged"]
            for entry, n in mine["errors"].items():
                if n:
                    errors[scope][entry] += n
    by_scope = {scope: c for scope, c in by_scope.items() if any(c.values())}
    parent = {
        i + 1: (None if p is None else p + 1) for i, p in enumerate(parents) if i + 1 in by_scope
    }
    return _Counts(
        by_scope=by_scope,
        errors={scope: dict(e) for scope, e in errors.items()},
        untagged=dict(untagged),
        delays={},
        parent=parent,
    )


def assert_no_disclosure(values, lines, hidden, threshold):
    for key, value in values.items():
        if 0 < value < threshold:
            assert key in hidden, f"{key}={value} published"
    for line in lines:
        if line.total in hidden:
            assert any(m in hidden for m in line.members), f"{line}: hidden total adds up"
            continue
        hidden_members = [m for m in line.members if m in hidden]
        rest = values[line.total] - sum(values[m] for m in line.members if m not in hidden)
        if not hidden_members:
            assert rest == 0
        else:
            assert len(hidden_members) >= 2, f"{line}: one hidden member is given back"
            assert rest >= threshold, f"{line}: the hidden members add up to {rest}"


@st.composite
def trees(draw):
    size = draw(st.integers(1, 7))
    parents = [None]
    for i in range(1, size):
        parents.append(draw(st.one_of(st.none(), st.integers(0, i - 1))))
    count = st.integers(0, 30)
    own = {}
    for i in range(size):
        decided = draw(count)
        granted = draw(st.integers(0, decided))
        own[i] = {
            "errors": {entry: draw(count) for entry in range(draw(st.integers(0, 4)))},
            "untagged": draw(st.integers(0, 12)),
            "decided": decided,
            "granted": granted,
            "waived": draw(st.integers(0, granted)),
        }
    return parents, own


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(1, 4))
def test_random_trees_never_disclose_a_small_count(tree, limit):
    """For random trees and counts, every published count is 0 or at least 10, and in every
    line with a published total, the total minus its published members is either 0 with
    nothing hidden or at least 10 spread over at least two hidden members."""
    counts = build(*tree)
    values, lines, unpublished, top = cells_and_lines(counts, limit, K)
    hidden = suppressed_cells(values, lines, K, unpublished=unpublished)
    assert unpublished <= hidden
    assert_no_disclosure(values, lines, hidden, K)
    for scope, entries in top.items():
        assert len(entries) <= limit
        assert all(counts.errors[scope][entry] >= K for entry in entries)


def published_value(values, hidden, key):
    return None if key in hidden else values[key]


def run(parents, own, limit=10):
    counts = build(parents, own)
    values, lines, unpublished, _ = cells_and_lines(counts, limit, K)
    hidden = suppressed_cells(values, lines, K, unpublished=unpublished)
    assert_no_disclosure(values, lines, hidden, K)
    return values, hidden


def mine(received=0, decided=0, granted=0, waived=0, errors=None):
    return {
        "errors": errors or {},
        "untagged": received,
        "decided": decided,
        "granted": granted,
        "waived": waived,
    }


def test_a_small_site_is_not_given_back_by_its_parent_total():
    """An administration (0) with two sites: one with 3 cases, the other with 25. The parent
    shows 28 at most if the 25 is hidden too: 28 - 25 would give the 3 back."""
    values, hidden = run([None, 0, 0], {1: mine(received=3), 2: mine(received=25)})
    small, big, parent = (
        (Measure.RECEIVED, _SUB, 2),
        (Measure.RECEIVED, _SUB, 3),
        (Measure.RECEIVED, _SUB, 1),
    )
    assert small in hidden
    if parent not in hidden:
        assert big in hidden
    assert published_value(values, hidden, parent) in (None, 28)


def test_a_small_network_is_not_given_back_by_the_national_total():
    """Two networks, 4 and 40 cases: the national figure minus the big network's must not
    give the small one back."""
    _values, hidden = run([None, None], {0: mine(received=4), 1: mine(received=40)})
    national, big = (Measure.RECEIVED, _SUB, NATIONAL), (Measure.RECEIVED, _SUB, 2)
    assert (Measure.RECEIVED, _SUB, 1) in hidden
    assert national in hidden or big in hidden


def test_own_cases_are_never_published_and_protect_the_tree():
    """A service handling 5 cases itself above a site with 30: the service total (35) minus
    the site (30) would give its own 5 back, so one of them is hidden."""
    _values, hidden = run([None, 0], {0: mine(received=5), 1: mine(received=30)})
    assert (Measure.RECEIVED, _OWN, 1) in hidden
    assert (Measure.RECEIVED, _SUB, 1) in hidden or (Measure.RECEIVED, _SUB, 2) in hidden


def test_granted_and_not_granted_add_up_to_decided():
    """25 decisions, 22 granted: "not granted" (3) is hidden, and so is granted, else
    decided - granted gives it back."""
    _values, hidden = run([None], {0: mine(decided=25, granted=22, waived=22)})
    assert (Measure.NOT_GRANTED, _SUB, 1) in hidden
    assert (Measure.GRANTED, _SUB, 1) in hidden or (Measure.DECIDED, _SUB, 1) in hidden


def test_an_error_count_cannot_be_deduced_from_the_received_total():
    """Received 40 = 30 for one error + 10 untagged: the untagged cases are never published,
    so the error (30) beside the total (40) would give them back; one more cell goes."""
    _values, hidden = run([None], {0: {**mine(received=10), "errors": {7: 30}}})
    error, received = (Measure.ERRORS, 7, _SUB, 1), (Measure.RECEIVED, _SUB, 1)
    assert error in hidden or received in hidden


def test_top_errors_keep_the_ten_largest_at_or_above_the_threshold():
    """Entries below the threshold are not "frequent"; ties are broken by entry id."""
    counts = {entry: 10 + entry % 3 for entry in range(20)} | {99: 9}
    top = top_errors(counts, 10, K)
    assert len(top) == 10
    assert 99 not in top
    assert top[:3] == [2, 5, 8]


def test_a_few_thousand_structures_are_checked_quickly():
    """3,000 structures (30 networks × 10 administrations × 9 sites), five errors each: the
    cells, lines and suppression take a few seconds at most."""
    parents, own = [], {}
    for _n in range(30):
        parents.append(None)
        network = len(parents) - 1
        for _ in range(10):
            parents.append(network)
            admin = len(parents) - 1
            for _s in range(9):
                parents.append(admin)
                site = len(parents) - 1
                own[site] = {
                    "errors": {entry: (site * 7 + entry) % 23 for entry in range(5)},
                    "untagged": site % 13,
                    "decided": site % 31,
                    "granted": site % 31 // 2,
                    "waived": site % 31 // 4,
                }
    counts = build(parents, own)
    started = time.perf_counter()
    values, lines, unpublished, _ = cells_and_lines(counts, 10, K)
    hidden = suppressed_cells(values, lines, K, unpublished=unpublished)
    elapsed = time.perf_counter() - started
    assert_no_disclosure(values, lines, hidden, K)
    assert elapsed < 20, f"{elapsed:.1f} s for {len(values)} cells"
