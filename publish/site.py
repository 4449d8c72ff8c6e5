"""The static site people read: public/index.html, one page per year, methodology, PDFs.

Built from the release folders alone (the latest version of each year for figures, every
version for downloads), so the same releases give the same bytes. Charts are inline SVG
drawn here: no script, no CDN.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, select_autoescape

from contracts.contract import load_contract
from publish.catalog import DISTRIBUTIONS, ReleaseFolder, checksums, release_folders
from publish.disclosure import EU_AGGREGATE, PRIMARY, SECONDARY, series_key
from publish.exports import flags_legend
from transforms.files import write_atomic

_CONTRACT = load_contract()
REPORTS = _CONTRACT.key_figures["reports"]
CONVICTED = _CONTRACT.key_figures["convicted"]
_SEX = _CONTRACT.series_dimensions.index("sex")
CHILDREN = {key[_SEX]: key for key in _CONTRACT.breakdown_of(_CONTRACT.key_figures["children"])}
SEX_COLOURS = {"F": "#b2182b", "M": "#2166ac", "U": "#999999"}
BAR_COLOUR = "#35739b"
CAVEAT = (
    "These are counts of reports, cases, children identified and convictions as recorded by "
    "national authorities, not measures of prevalence: they depend on how much providers detect "
    "and report, and on national counting rules, so they are not comparable across states or years "
    "without reading the national definitions."
)


@dataclass
class Year:
    year: int
    release: ReleaseFolder  # latest version of the Union release
    versions: list[ReleaseFolder]
    cells: dict  # (geo, series key) -> published row
    submissions: dict  # geo -> submission


def build_site(public_dir: Path) -> list[Path]:
    """Write index.html, <year>.html, methodology.html and reports/<year>/<GEO>.pdf."""
    public_dir = Path(public_dir)
    years = _years(public_dir)
    contract = load_contract()
    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        states=contract.code_lists["geo"],
        years=years,
        figure=_figure,
        caveat=CAVEAT,
        contract=contract,
        reports=REPORTS,
        convicted=CONVICTED,
        children=CHILDREN,
    )
    pages = {
        "index.html": env.from_string(_BASE + _INDEX).render(
            title="Article 8 statistics", grid=_completeness(years, contract), charts=_index_charts(years)
        ),
        "methodology.html": env.from_string(_BASE + _METHODOLOGY).render(
            title="Methodology", legend=flags_legend(contract)
        ),
    }
    for y in years:
        pages[f"{y.year}.html"] = env.from_string(_BASE + _YEAR).render(
            title=f"Article 8 statistics {y.year}",
            y=y,
            charts=_year_charts(y),
            downloads=_downloads(y.versions, public_dir),
            pdfs=sorted(g for g in y.submissions),
        )
    written = []
    for name, html in pages.items():
        written.append(write_atomic(public_dir / name, html, only_if_changed=True))
    for y in years:
        for geo in sorted(y.submissions):
            pdf = public_dir / "reports" / str(y.year) / f"{geo}.pdf"
            written.append(write_atomic(pdf, national_pdf(y, geo), only_if_changed=True))
    return written


def _years(public_dir: Path) -> list[Year]:
    union = [r for r in release_folders(public_dir) if r.geo == EU_AGGREGATE]
    years = []
    for year in sorted({r.year for r in union}):
        versions = [r for r in union if r.year == year]
        latest = versions[-1]
        observations = json.loads((latest.path / "observations.json").read_text(encoding="utf-8"))
        submissions = json.loads((latest.path / "submissions.json").read_text(encoding="utf-8"))
        cells = {(r["geo"], series_key(r)): r for r in observations["observations"]}
        years.append(Year(year, latest, versions, cells, {s["geo"]: s for s in submissions}))
    return years


def _figure(row: dict | None) -> str:
    """A published figure as text: '1,234', 'C' or 'D' (hidden), 'm' (not available)."""
    if row is None:
        return ""
    if row["conf_status"] in (PRIMARY, SECONDARY):
        return row["conf_status"]
    if row["obs_value"] is None:
        return row["obs_status"] or ""
    flag = f" {row['obs_status']}" if row["obs_status"] else ""
    return f"{row['obs_value']:,}{flag}"


def _completeness(years: list[Year], contract) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per state, per year: (css class, text) — complete, partial (n figures not given), none."""
    grid = []
    for geo in contract.code_lists["geo"]:
        row = []
        for y in years:
            if geo not in y.submissions:
                row.append(("none", "not received"))
                continue
            gaps = [r for (g, _), r in y.cells.items() if g == geo and r["obs_value"] is None]
            missing = [r for r in gaps if r["conf_status"] not in (PRIMARY, SECONDARY)]
            revision = y.submissions[geo].get("revision")
            text = f"R{revision}" + (f", {len(missing)} not available" if missing else "")
            row.append(("partial" if missing else "complete", text))
        grid.append((geo, row))
    return grid


@dataclass
class Bar:
    label: str
    value: int | None
    note: str  # shown instead of a bar when the figure is hidden or not available
    parts: list[tuple[str, int]] | None = None  # stacked parts (colour, value)


def _year_charts(y: Year) -> list[dict]:
    states = sorted(g for g in y.submissions)
    return [
        _chart("Reports forwarded to law enforcement, per state", [_bar(y, g, REPORTS) for g in states]),
        _chart("Children identified, by sex", [_sex_bar(y, g) for g in states], legend=SEX_COLOURS),
        _chart("Perpetrators convicted", [_bar(y, g, CONVICTED) for g in states]),
    ]


def _index_charts(years: list[Year]) -> list[dict]:
    return [
        _chart(
            "EU total of reports forwarded, per year (sum of the states that gave it)",
            [_bar(y, EU_AGGREGATE, REPORTS, label=str(y.year)) for y in years],
        )
    ]


def _bar(y: Year, geo: str, key: tuple, label: str | None = None) -> Bar:
    row = y.cells.get((geo, key))
    value = row["obs_value"] if row else None
    return Bar(label or geo, value, "" if value is not None else _figure(row) or "n/a")


def _sex_bar(y: Year, geo: str) -> Bar:
    """Girls, boys and unknown stacked; the total alone where the breakdown is not published."""
    parts = [(SEX_COLOURS[s], (y.cells.get((geo, CHILDREN[s])) or {}).get("obs_value")) for s in "FMU"]
    if all(v is not None for _, v in parts):
        return Bar(geo, sum(v for _, v in parts), "", parts)
    total = y.cells.get((geo, CHILDREN["T"]))
    value = total["obs_value"] if total else None
    if value is None:
        return Bar(geo, None, _figure(total) or "n/a")
    return Bar(geo, value, f"{value:,} (breakdown not published)")


def _chart(title: str, bars: list[Bar], legend: dict | None = None) -> dict:
    """Geometry of a horizontal bar chart, for the SVG template."""
    label_width, bar_area, row_height = 90, 520, 18
    top = max((b.value or 0 for b in bars), default=0) or 1
    rows = []
    for i, bar in enumerate(bars):
        y = i * row_height
        segments, x = [], label_width
        for colour, value in bar.parts or [(BAR_COLOUR, bar.value)]:
            if value:
                width = max(1.0, value / top * bar_area)
                segments.append({"x": round(x, 1), "width": round(width, 1), "colour": colour})
                x += width
        text = f"{bar.value:,}" if bar.value is not None and not bar.note else bar.note
        rows.append(
            {"y": y, "label": bar.label, "segments": segments, "text": text, "text_x": round(x + 4, 1)}
        )
    height = max(1, len(bars)) * row_height + 6
    return {
        "title": title,
        "rows": rows,
        "height": height,
        "width": label_width + bar_area + 260,
        "legend": legend,
    }


def _downloads(versions: list[ReleaseFolder], public_dir: Path) -> list[dict]:
    """Every version of the year, newest first, with its files and their SHA-256."""
    listing = []
    for release in reversed(versions):
        sums = checksums(release.path)
        files = [
            {
                "name": name,
                "href": f"{release.relative}/{name}",
                "sha256": sums[name],
                "size": (release.path / name).stat().st_size,
                "what": DISTRIBUTIONS.get(name, ("", "", ""))[0],
            }
            for name in sorted(sums)
        ]
        files.append(
            {"name": "SHA256SUMS", "href": f"{release.relative}/SHA256SUMS", "sha256": "", "size": 0}
        )
        changelog = (release.path / "CHANGELOG.md").read_text(encoding="utf-8")
        listing.append({"version": release.version, "files": files, "changelog": changelog})
    return listing


def national_pdf(y: Year, geo: str) -> bytes:
    """The national report of one state for one year, as published in the Union release."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    contract = load_contract()
    styles = getSampleStyleSheet()
    submission = y.submissions[geo]
    name = contract.code_lists["geo"].get(geo, geo)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=True,  # no creation date or random id: same figures, same bytes
        title=f"Article 8 statistics {y.year}: {name}",
        author=str(submission.get("reporting_authority") or geo),
        creator="csa-stats",
    )
    header = ["indicator", "sex", "reporter", "service", "value", "status"]
    table = [header]
    for key in contract.series_keys():
        row = y.cells.get((geo, key))
        status = (
            " ".join(filter(None, [row and row["obs_status"], row and row["conf_status"]])) if row else ""
        )
        table.append([*key, _figure(row) if row and row["obs_value"] is not None else "", status])
    grid = Table(table, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (4, 1), (4, -1), "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
            ]
        )
    )
    legend = "; ".join(
        f"{attribute} {code}: {label}"
        for attribute, (_list, codes) in flags_legend(contract).items()
        for code, label in codes.items()
    )
    story = [
        Paragraph(f"Article 8 statistics {y.year}: {name} ({geo})", styles["Title"]),
        Paragraph(
            f"Regulation (EU) 2021/1232. Release v{y.release.version}, submission "
            f"{submission['submission_id']} (revision {submission.get('revision')}), "
            f"reporting authority: {escape(submission.get('reporting_authority') or 'not stated')}.",
            styles["Normal"],
        ),
        Spacer(1, 8),
        grid,
        Spacer(1, 8),
        Paragraph("National definitions", styles["Heading3"]),
        # Paragraph reads mini-HTML: text from a submission must not become markup.
        Paragraph(escape(str(submission.get("national_definitions") or "None given.")), styles["Normal"]),
        Paragraph("Reading the figures", styles["Heading3"]),
        Paragraph(CAVEAT, styles["Normal"]),
        Paragraph(f"Flags: {legend}.", styles["Normal"]),
    ]
    doc.build(story)
    return buffer.getvalue()


_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}
nav a{margin-right:1rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.num{text-align:right}
.complete{background:#dff0d8}.partial{background:#fcf8e3}.none{background:#f2dede}
.caveat{border-left:4px solid #c90;padding:.5rem 1rem;background:#fffbea}
code{font-size:.8rem;word-break:break-all}svg text{font-size:12px}
</style></head><body>
<nav><a href="index.html">Overview</a>
{% for y in years %}<a href="{{ y.year }}.html">{{ y.year }}</a>{% endfor %}
<a href="methodology.html">Methodology</a><a href="catalog.ttl">DCAT-AP catalogue</a></nav>
<h1>{{ title }}</h1>
{% macro bar_chart(chart) %}
<figure>
<figcaption>{{ chart.title }}</figcaption>
<svg class="chart" role="img" aria-label="{{ chart.title }}" xmlns="http://www.w3.org/2000/svg"
 width="{{ chart.width }}" height="{{ chart.height }}" viewBox="0 0 {{ chart.width }} {{ chart.height }}">
{% for r in chart.rows %}
<text x="0" y="{{ r.y + 13 }}">{{ r.label }}</text>
{% for s in r.segments %}
<rect x="{{ s.x }}" y="{{ r.y + 3 }}" width="{{ s.width }}" height="12" fill="{{ s.colour }}"></rect>
{% endfor %}
<text x="{{ r.text_x }}" y="{{ r.y + 13 }}">{{ r.text }}</text>
{% endfor %}
</svg>
{% if chart.legend %}<p>{% for sex, colour in chart.legend.items() %}
<span style="color:{{ colour }}">&#9632;</span>
 {{ contract.code_lists.sex[sex] }} {% endfor %}</p>{% endif %}
</figure>
{% endmacro %}
"""

_INDEX = """
<p>The yearly statistics that Article 8 of Regulation (EU) 2021/1232 asks of every Member State:
(a) reports of online child sexual abuse forwarded to law enforcement, (b) children identified, by
gender, (c) perpetrators convicted. Every release is immutable, versioned and checksummed; the
<a href="catalog.ttl">DCAT-AP catalogue</a> (also as <a href="catalog.jsonld">JSON-LD</a>) lists every
version for open-data portals.</p>
<p class="caveat">{{ caveat }}</p>
{% for chart in charts %}{{ bar_chart(chart) }}{% endfor %}
<h2>Releases</h2>
<table><tr><th>year</th><th>latest version</th><th>states</th><th>data as of</th></tr>
{% for y in years %}<tr><td><a href="{{ y.year }}.html">{{ y.year }}</a></td><td>v{{ y.release.version }}</td>
<td class="num">{{ y.submissions|length }}</td>
<td>{{ y.submissions.values()|map(attribute="received_at")|max|truncate(10, True, "") }}</td></tr>
{% endfor %}</table>
<h2>Completeness: submissions received, per state and year</h2>
<table class="grid"><tr><th>state</th>{% for y in years %}<th>{{ y.year }}</th>{% endfor %}</tr>
{% for geo, row in grid %}<tr><th>{{ geo }} {{ states[geo] }}</th>
{% for css, text in row %}<td class="{{ css }}">{{ text }}</td>{% endfor %}</tr>
{% endfor %}</table>
"""

_YEAR = """
<p>Release v{{ y.release.version }} of reporting year {{ y.year }}: {{ y.submissions|length }} Member States.
Hidden figures show their confidentiality status (C small count, D hidden to protect another);
m means not available. See the <a href="methodology.html">methodology</a>.</p>
<p class="caveat">{{ caveat }}</p>
{% for chart in charts %}{{ bar_chart(chart) }}{% endfor %}
<h2>Figures</h2>
<table><tr><th>state</th><th>reports forwarded</th><th>children identified (total)</th>
<th>girls</th><th>boys</th><th>unknown</th><th>perpetrators convicted</th><th>national report</th></tr>
{% for geo in pdfs + ["EU27_2020"] %}<tr><th>{{ geo }} {{ states.get(geo, "European Union (27)") }}</th>
<td class="num">{{ figure(y.cells.get((geo, reports))) }}</td>
{% for sex in "TFMU" %}<td class="num">{{ figure(y.cells.get((geo, children[sex]))) }}</td>{% endfor %}
<td class="num">{{ figure(y.cells.get((geo, convicted))) }}</td>
<td>{% if geo in y.submissions %}<a href="reports/{{ y.year }}/{{ geo }}.pdf">PDF</a>{% endif %}</td></tr>
{% endfor %}</table>
<h2>Downloads</h2>
{% for v in downloads %}
<h3 id="v{{ v.version }}">Version {{ v.version }}{% if loop.first %} (latest){% endif %}</h3>
<pre>{{ v.changelog }}</pre>
<table><tr><th>file</th><th>content</th><th>bytes</th><th>SHA-256</th></tr>
{% for f in v.files %}<tr><td><a href="{{ f.href }}">{{ f.name }}</a></td><td>{{ f.what }}</td>
<td class="num">{{ f.size or "" }}</td><td><code>{{ f.sha256 }}</code></td></tr>
{% endfor %}</table>
{% endfor %}
"""

_METHODOLOGY = """
<h2>What is counted</h2>
<p>{{ contract.doc.description.purpose }}</p>
<ul>{% for code, label in contract.code_lists.indicator.items() %}<li><b>{{ code }}</b>: {{ label }}</li>
{% endfor %}</ul>
<p class="caveat">{{ caveat }}</p>
<p>{{ contract.doc.description.limitations }}</p>
<h2>Flags</h2>
{% for attribute, (code_list, codes) in legend.items() %}
<h3>{{ attribute }}</h3><table>{% for code, label in codes.items() %}<tr><td><b>{{ code }}</b></td>
<td>{{ label }}</td></tr>{% endfor %}</table>
{% endfor %}
<h2>Disclosure control</h2>
<p>Non-zero counts below the threshold are hidden (C). Further figures are hidden (D) so that no
hidden figure can be worked back from totals: within a state, parts and totals by sex, reporter
and type of service; across states, the EU aggregate is hidden where it would reveal a state's
figure. A state's figures are hidden as in its own national release. Zero is a real value and
is never hidden.</p>
<h2>National definitions</h2>
{% for y in years %}<h3>{{ y.year }}</h3><table><tr><th>state</th><th>authority</th><th>reference period</th>
<th>definitions</th></tr>
{% for geo, s in y.submissions|dictsort %}<tr><td>{{ geo }}</td><td>{{ s.reporting_authority }}</td>
<td>{{ s.ref_period_start }} to {{ s.ref_period_end }}</td><td>{{ s.national_definitions }}</td></tr>
{% endfor %}</table>{% endfor %}
<h2 id="contact">Contact</h2>
<p>European Commission, for the Union release; each Member State's reporting authority for its figures.</p>
"""
