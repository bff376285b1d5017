"""Geometry of the dashboard charts (bonnefoi/observatory/charts.py): pure functions."""

import pytest

from bonnefoi.observatory import charts


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (0, [0, 1]),
        (-3, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (12, [0, 5, 10, 15]),
        (10, [0, 2, 4, 6, 8, 10]),
        (100, [0, 20, 40, 60, 80, 100]),
        (101, [0, 50, 100, 150]),
        (4321, [0, 1000, 2000, 3000, 4000, 5000]),
    ],
)
def test_nice_ticks(maximum, expected):
    """Ticks start at 0, step by 1, 2 or 5 times a power of ten and reach the maximum."""
    assert charts.nice_ticks(maximum) == expected


def test_number_uses_french_grouping():
    """Large numbers are grouped by thousands with a narrow no-break space."""
    assert charts.number(1234567) == "1\u202f234\u202f567"
    assert charts.number(12) == "12"


def test_bar_lengths_are_proportional_to_the_axis_top():
    """A bar's length is its value over the top tick times the plot width; order is kept."""
    chart = charts.bar_chart([("Première", 12), ("Deuxième", 6), ("Troisième", 0)], width=720)
    assert [tick.value for tick in chart.ticks] == [0, 5, 10, 15]
    plot = chart.box.width
    assert [bar.width for bar in chart.bars] == [
        round(plot * 12 / 15, 2),
        round(plot * 6 / 15, 2),
        0,
    ]
    assert [bar.label for bar in chart.bars] == ["Première", "Deuxième", "Troisième"]
    assert chart.bars[0].y < chart.bars[1].y < chart.bars[2].y
    assert chart.ticks[-1].position == chart.box.right
    assert chart.height > chart.bars[-1].y + chart.bars[-1].height


def test_bar_labels_are_shortened_at_a_word():
    """A long label is cut at a word boundary with an ellipsis; the value label is French."""
    chart = charts.bar_chart([("mot " * 40, 2500)], label_chars=20)
    assert chart.bars[0].label == "mot mot mot mot mot…"
    assert chart.bars[0].value_label == "2\u202f500"


def test_zero_only_series_draws_on_the_axis():
    """All-zero values still give an axis (0 to 1) and points on the bottom line, bars of 0."""
    line = charts.line_chart(["a", "b", "c"], [("Reçus", [0, 0, 0])])
    assert [tick.value for tick in line.ticks] == [0, 1]
    assert {point.y for point in line.series[0].points} == {line.box.bottom}
    bars = charts.bar_chart([("a", 0)])
    assert bars.bars[0].width == 0


def test_single_period_is_centred():
    """A line chart of one period places its point in the middle of the plot."""
    line = charts.line_chart(["mars 2026"], [("Reçus", [4])])
    point = line.series[0].points[0]
    assert point.x == round(line.box.left + line.box.width / 2, 2)
    assert [tick.value for tick in line.ticks] == [0, 1, 2, 3, 4]
    assert point.y == line.box.top
    assert line.series[0].path == f"{point.x},{point.y}"


def test_line_scaling_and_series_styles():
    """Points scale against the top tick; the second series differs by dash and marker."""
    line = charts.line_chart(
        ["jan", "fév", "mars"], [("Reçus", [0, 5, 10]), ("Accordés", [0, 1, 2])]
    )
    received, granted = line.series
    assert [p.x for p in received.points] == [
        line.box.left,
        line.box.left + line.box.width / 2,
        line.box.right,
    ]
    assert received.points[2].y == line.box.top  # 10 is the top tick
    assert received.points[0].y == line.box.bottom
    assert received.dash == ""
    assert granted.dash != ""
    assert received.colour == charts.BLUE_FRANCE
    assert granted.colour == charts.BLUE_FRANCE_LIGHT
    assert received.marker != granted.marker


def test_axis_labels_are_thinned():
    """At most MAX_X_LABELS labels are written under the axis; the short labels are used."""
    labels = [f"semaine {i}" for i in range(52)]
    short = [f"s{i}" for i in range(52)]
    line = charts.line_chart(labels, [("Reçus", list(range(52)))], axis_labels=short)
    assert len(line.x_labels) <= charts.MAX_X_LABELS
    assert line.x_labels[0].label == "s0"
    assert len(line.series[0].points) == 52
