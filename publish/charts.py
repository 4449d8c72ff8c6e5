"""Horizontal bar charts as inline SVG, for the site and the national reports: no script, no CDN.

A bar that has no value shows the marking that says why (hidden, not available, not
collected) in words instead; a bar may carry a note (a partial year, partial coverage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

BAR_COLOUR = "#35739b"
LABEL_WIDTH, BAR_AREA, ROW_HEIGHT, TEXT_WIDTH = 130, 440, 20, 300


@dataclass
class Bar:
    label: str
    value: int | None
    text: str  # what is written after the bar: the figure, or why there is none
    parts: list[tuple[str, int]] = field(default_factory=list)  # stacked parts (colour, value)


def svg(title: str, bars: list[Bar], label_width: int = LABEL_WIDTH) -> str:
    """The chart as an <svg> element, titled for screen readers."""
    top = max((b.value or 0 for b in bars), default=0) or 1
    width = label_width + BAR_AREA + TEXT_WIDTH
    height = max(1, len(bars)) * ROW_HEIGHT + 6
    out = [
        f'<svg class="chart" role="img" aria-label={quoteattr(title)} xmlns="http://www.w3.org/2000/svg"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y, x = i * ROW_HEIGHT, float(label_width)
        out.append(f'<text x="0" y="{y + 14}">{escape(bar.label)}</text>')
        for colour, value in bar.parts or [(BAR_COLOUR, bar.value)]:
            if value:
                w = max(1.0, value / top * BAR_AREA)
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="12" fill="{colour}"></rect>'
                )
                x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{escape(bar.text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
