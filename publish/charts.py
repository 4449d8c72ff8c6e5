"""Horizontal bar charts as inline SVG, for the site and the national reports: no script, no CDN.

Each bar has its label and its figure on a line of their own above it, so no text can cover a
bar, and the chart is narrow enough to stay readable on a 320 px screen (WCAG 1.4.10 reflow):
a long text wraps onto a second line instead of widening the chart. A bar that has no value
says why (hidden, not available, not collected) in words instead; a bar may be stacked.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

BAR_COLOUR = "#35739b"
WIDTH, LINE, BAR, GAP = 300, 15, 10, 8
CHARACTERS = 46  # per text line at 12 px in WIDTH (DejaVu Sans averages 6.5 px)


@dataclass
class Bar:
    label: str
    value: int | None
    text: str  # what is written after the label: the figure, or why there is none
    parts: list[tuple[str, int]] = field(default_factory=list)  # stacked parts (colour, value)


def svg(title: str, bars: list[Bar]) -> str:
    """The chart as an <svg> element, titled for screen readers."""
    top = max((b.value or 0 for b in bars), default=0) or 1
    rows = [textwrap.wrap(f"{b.label}: {b.text}", CHARACTERS) or [""] for b in bars]
    height = sum(len(lines) * LINE + BAR + GAP for lines in rows) + 4
    out = [
        f'<svg class="chart" role="img" aria-label={quoteattr(title)} xmlns="http://www.w3.org/2000/svg"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    y = 0
    for bar, lines in zip(bars, rows, strict=True):
        for line in lines:
            y += LINE
            out.append(f'<text x="0" y="{y - 3}">{escape(line)}</text>')
        x = 0.0
        for colour, value in bar.parts or [(BAR_COLOUR, bar.value)]:
            if value:
                w = max(1.0, value / top * WIDTH)
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{colour}"></rect>'
                )
                x += w
        y += BAR + GAP
    out.append("</svg>")
    return "\n".join(out)
