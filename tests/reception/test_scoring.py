"""The audit score rule (met 1, partly 0.5, not met 0, "sans objet" left out)."""

from decimal import Decimal

import pytest

from bonnefoi.reception.scoring import audit_score

M, P, N, NA = "met", "partly_met", "not_met", "not_applicable"


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([M, M, M, M], Decimal("100.0")),
        ([N, N], Decimal("0.0")),
        ([M, P], Decimal("75.0")),
        ([M, N, NA], Decimal("50.0")),
        ([M, M, N], Decimal("66.7")),  # 66.666… rounded half up
        ([P, P, N], Decimal("33.3")),
        ([M, P, P, N, N, NA, NA, NA], Decimal("40.0")),
        ([P], Decimal("50.0")),
        ([M] * 7 + [P], Decimal("93.8")),  # 93.75 rounds up, not to even
        ([NA, NA], None),
        ([], None),
    ],
)
def test_score_table(ratings, expected):
    """Score = points / applicable criteria x 100, one decimal rounded half up; nothing
    applicable gives no score."""
    assert audit_score(ratings) == expected


def test_unknown_rating_is_refused():
    """A rating outside the four values is a programming error, not a zero."""
    with pytest.raises(ValueError, match="inconnue"):
        audit_score(["met", "excellent"])


def test_not_applicable_changes_nothing():
    """Adding "sans objet" criteria leaves the score unchanged."""
    assert audit_score([M, P, N]) == audit_score([NA, M, NA, P, N, NA])
