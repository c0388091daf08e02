"""Bar charts as inline SVG, drawn on the server: no script and nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_GAP = 0.2


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    width: int = 640,
    height: int = 180,
) -> Markup:
    """Vertical bars with a value over each and its label under it; `title` names the chart
    for screen readers."""
    count = max(len(values), 1)
    top = max(max(values, default=0), 1)
    plot_top, plot_bottom = 18, height - 22
    step = width / count
    bar = step * (1 - BAR_GAP)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="axis" x1="0" x2="{width}" y1="{plot_bottom}" y2="{plot_bottom}"/>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = index * step + (step - bar) / 2
        bar_height = (plot_bottom - plot_top) * value / top
        y = plot_bottom - bar_height
        middle = x + bar / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bar_height:.1f}">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
        )
        if value:
            parts.append(f'<text class="value" x="{middle:.1f}" y="{y - 4:.1f}">{value:g}</text>')
        parts.append(
            f'<text class="label" x="{middle:.1f}" y="{height - 6}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
