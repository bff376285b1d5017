"""Geometry of the dashboard charts, drawn as inline SVG by the templates (no JavaScript).

Pure Python, no Django: the templates only place what is computed here. Coordinates are in SVG
user units inside a fixed ``viewBox``; the SVG then scales to the width of its container.
Colours follow the DSFR palette (blue France and its lighter variant, greys) and are written as
SVG presentation attributes, which the strict Content Security Policy allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BLUE_FRANCE = "#000091"
BLUE_FRANCE_LIGHT = "#6a6af4"
GRID_GREY = "#dddddd"
# Text and axes take the colour of the surrounding text: DSFR's grey in the light scheme,
# and still readable when the reader chose the dark scheme.
TEXT_COLOUR = "currentColor"
FONT = "Marianne, arial, sans-serif"

# At most this many labels under the horizontal axis of a line chart: more would overlap.
MAX_X_LABELS = 12


def number(value: int | float) -> str:
    """A French rendering of a whole number: « 12 345 » (narrow no-break space)."""
    return f"{round(value):,}".replace(",", "\u202f")


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Whole-number ticks from 0 to a round top at or above `maximum`, about `count` steps.

    The step is 1, 2 or 5 times a power of ten, never below 1 (the charts count cases). An
    empty or all-zero series still gets an axis: [0, 1].
    """
    if maximum <= 0:
        return [0, 1]
    raw = maximum / max(count, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(
        (m * power for m in (1, 2, 5, 10) if m * power >= raw),
        10 * power,
    )
    step = max(int(step), 1)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


@dataclass(frozen=True)
class Tick:
    value: int
    label: str
    position: float  # y of a vertical axis, x of a horizontal one


@dataclass(frozen=True)
class Box:
    """The plot area inside the SVG (axes excluded)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _scale(value: float, top: int, length: float) -> float:
    return 0.0 if top <= 0 else round(length * value / top, 2)


# ---------------------------------------------------------------------------------------------
# Horizontal bar chart (rankings, breakdowns): long French labels read best on their own line.


@dataclass(frozen=True)
class Bar:
    label: str  # shortened for the chart; the table that follows has the full text
    value: int
    value_label: str
    x: float
    y: float
    width: float
    height: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    box: Box
    bars: list[Bar]
    ticks: list[Tick]
    tick_label_y: float
    colour: str = BLUE_FRANCE
    grid: str = GRID_GREY
    text: str = TEXT_COLOUR
    font: str = FONT


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:  # drop the word cut in the middle
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    width: int = 720,
    bar_height: int = 18,
    row_gap: int = 34,
    label_chars: int = 90,
) -> BarChart:
    """One horizontal bar per (label, value), in the given order, the label above its bar."""
    left, right_margin, top_margin, axis_room = 8, 56, 24, 28
    box = Box(
        left=left,
        top=top_margin,
        right=width - right_margin,
        bottom=top_margin + len(items) * (bar_height + row_gap),
    )
    values = [max(int(value), 0) for _, value in items]
    tick_values = nice_ticks(max(values, default=0))
    top = tick_values[-1]
    bars = []
    for index, (label, value) in enumerate(zip((label for label, _ in items), values, strict=True)):
        row_top = box.top + index * (bar_height + row_gap)
        bar_y = row_top + row_gap - 12
        length = _scale(value, top, box.width)
        bars.append(
            Bar(
                label=shorten(label, label_chars),
                value=value,
                value_label=number(value),
                x=box.left,
                y=bar_y,
                width=length,
                height=bar_height,
                label_y=bar_y - 6,
                value_x=round(box.left + length + 6, 2),
                value_y=bar_y + bar_height - 4,
            )
        )
    ticks = [
        Tick(value=v, label=number(v), position=round(box.left + _scale(v, top, box.width), 2))
        for v in tick_values
    ]
    return BarChart(
        width=width,
        height=int(box.bottom + axis_room),
        box=box,
        bars=bars,
        ticks=ticks,
        tick_label_y=box.bottom + 18,
    )


# ---------------------------------------------------------------------------------------------
# Line chart (trend over periods), one or more series sharing the vertical axis.


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    label: str

    @property
    def corner_x(self) -> float:
        """Left of the square marker (6 units wide) centred on the point."""
        return round(self.x - 3, 2)

    @property
    def corner_y(self) -> float:
        return round(self.y - 3, 2)


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]
    colour: str
    dash: str  # stroke-dasharray ("" for a solid line): series differ by more than colour
    marker: str  # "circle" or "square"

    @property
    def path(self) -> str:
        """The ``points`` attribute of the SVG polyline."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    box: Box
    series: list[Series]
    ticks: list[Tick]
    x_labels: list[XLabel]
    tick_label_x: float
    x_label_y: float
    grid: str = GRID_GREY
    text: str = TEXT_COLOUR
    font: str = FONT


_STYLES = ((BLUE_FRANCE, "", "circle"), (BLUE_FRANCE_LIGHT, "6 4", "square"))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    axis_labels: Sequence[str] | None = None,
    width: int = 720,
    height: int = 320,
) -> LineChart:
    """A line per (name, values); values[i] belongs to labels[i]. `axis_labels` (shorter, same
    length) are written under the axis, slanted. A single period is drawn as a point in the
    middle of the plot."""
    box = Box(left=56, top=16, right=width - 24, bottom=height - 84)
    values = [max(int(v), 0) for _, serie in series for v in serie]
    tick_values = nice_ticks(max(values, default=0))
    top = tick_values[-1]
    count = len(labels)

    def x_of(index: int) -> float:
        if count <= 1:
            return round(box.left + box.width / 2, 2)
        return round(box.left + box.width * index / (count - 1), 2)

    def y_of(value: int) -> float:
        return round(box.bottom - _scale(value, top, box.height), 2)

    drawn = []
    for number_, (name, serie) in enumerate(series):
        colour, dash, marker = _STYLES[number_ % len(_STYLES)]
        points = [
            Point(x=x_of(i), y=y_of(max(int(v), 0)), value=int(v), label=labels[i])
            for i, v in enumerate(serie)
        ]
        drawn.append(Series(name=name, points=points, colour=colour, dash=dash, marker=marker))
    step = max(1, math.ceil(count / MAX_X_LABELS))
    shown = list(axis_labels) if axis_labels is not None else list(labels)
    x_labels = [XLabel(x=x_of(i), label=shown[i]) for i in range(0, count, step)]
    ticks = [Tick(value=v, label=number(v), position=y_of(v)) for v in tick_values]
    return LineChart(
        width=width,
        height=height,
        box=box,
        series=drawn,
        ticks=ticks,
        x_labels=x_labels,
        tick_label_x=box.left - 8,
        x_label_y=box.bottom + 16,
    )
