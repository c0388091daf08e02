"""A scenario drawn as a graph: operations as boxes in layers from the start, exits as
labelled arrows. Made on the server as SVG, so the page needs no script or library."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

BOX_W, BOX_H = 176, 48
GAP_X, GAP_Y = 36, 64
MARGIN = 16


def links(operation: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, target) of every way out of an operation: its exits and menu keys."""
    found = [(name, target) for name, target in (operation.get("exits") or {}).items()]
    found += [(f"key {key}", target) for key, target in (operation.get("keys") or {}).items()]
    return [(label, target) for label, target in found if target]


def layers(scenario: dict[str, Any]) -> tuple[list[list[str]], set[str]]:
    """Operation ids by distance from the start; the unreachable ones in a last layer."""
    operations = scenario.get("operations") or {}
    start = str(scenario.get("start", ""))
    depth: dict[str, int] = {}
    if start in operations:
        depth[start] = 0
        queue: list[str] = [start]
        while queue:
            current = queue.pop(0)
            for _label, target in links(operations[current]):
                if target in operations and target not in depth:
                    depth[target] = depth[current] + 1
                    queue.append(target)
    rows: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name, level in depth.items():
        rows[level].append(name)
    unreachable = {name for name in operations if name not in depth}
    if unreachable:
        rows.append(sorted(unreachable))
    return rows, unreachable


def draw(scenario: dict[str, Any], faulty: set[str], describe: Callable[[str], str]) -> str:
    """The SVG of `scenario`; `faulty` operations are outlined red, unreachable ones grey.

    `describe(type)` gives the translated name of an operation type.
    """
    operations = scenario.get("operations") or {}
    rows, unreachable = layers(scenario)
    width = max((len(row) for row in rows), default=1) * (BOX_W + GAP_X) + 2 * MARGIN
    height = len(rows) * (BOX_H + GAP_Y) + 2 * MARGIN
    place: dict[str, tuple[float, float]] = {}
    for level, row in enumerate(rows):
        offset = (width - len(row) * (BOX_W + GAP_X) + GAP_X) / 2
        for position, name in enumerate(row):
            place[name] = (offset + position * (BOX_W + GAP_X), MARGIN + level * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5d6776"/></marker>'
        "</defs>",
    ]
    for name, operation in operations.items():
        for label, target in links(operation):
            if target not in place or name not in place:
                continue
            x1, y1 = place[name][0] + BOX_W / 2, place[name][1] + BOX_H
            x2, y2 = place[target][0] + BOX_W / 2, place[target][1]
            if y2 <= y1:  # back to an earlier layer: go around the side
                side = place[name][0] + BOX_W + 8
                bends = f"{side:.0f},{y1 + 40:.0f} {side:.0f},{y2 - 40:.0f}"
                path = f"M{x1:.0f},{y1:.0f} C{bends} {x2:.0f},{y2:.0f}"
            else:
                bends = f"{x1:.0f},{y1 + 30:.0f} {x2:.0f},{y2 - 30:.0f}"
                path = f"M{x1:.0f},{y1:.0f} C{bends} {x2:.0f},{y2:.0f}"
            parts.append(f'<path d="{path}" class="edge" marker-end="url(#arrow)"/>')
            parts.append(
                f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2:.0f}" class="edge-label">'
                f"{escape(label)}</text>"
            )
    for name, (x, y) in place.items():
        kind = str(operations[name].get("type", ""))
        classes = ["node"]
        if name in faulty:
            classes.append("faulty")
        if name in unreachable:
            classes.append("unreachable")
        if name == scenario.get("start"):
            classes.append("start")
        parts.append(
            f'<g class="{" ".join(classes)}" data-operation="{escape(name)}">'
            f'<a href="#op-{escape(name)}"><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8"/>'
            f'<text x="{x + 10:.0f}" y="{y + 20:.0f}" class="node-id">{escape(name)}</text>'
            f'<text x="{x + 10:.0f}" y="{y + 38:.0f}" class="node-type">{escape(describe(kind))}'
            "</text></a></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
