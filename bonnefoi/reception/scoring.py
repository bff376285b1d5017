"""The audit score, in pure Python (docs/adr/0007-locaux-et-audits.md).

Rule: respected = 1 point, partly respected = 0.5, not respected = 0; "sans objet" criteria are
left out of both the points and the maximum. Score = points / applicable criteria x 100, rounded
half up to one decimal. An audit where every criterion is "sans objet" has no score (None).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

POINTS = {
    "met": Decimal(1),
    "partly_met": Decimal("0.5"),
    "not_met": Decimal(0),
}
NOT_APPLICABLE = "not_applicable"
SCORE_RULE = (
    "Respecté : 1 point ; partiellement respecté : 0,5 point ; non respecté : 0 point. "
    "Les critères sans objet ne comptent pas. Score = points obtenus / critères applicables "
    "× 100, arrondi au dixième."
)


def audit_score(ratings: Iterable[str]) -> Decimal | None:
    """Score in percent (one decimal) of a list of ratings; None when nothing applies."""
    points = Decimal(0)
    applicable = 0
    for rating in ratings:
        if rating == NOT_APPLICABLE:
            continue
        if rating not in POINTS:
            raise ValueError(f"Appréciation inconnue : {rating!r}.")
        points += POINTS[rating]
        applicable += 1
    if applicable == 0:
        return None
    return (points * 100 / applicable).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
