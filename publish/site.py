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
from publish import site_pages
from publish.catalog import ReleaseFolder, checksums, release_folders
from publish.disclosure import EU_AGGREGATE, MISSING, PRIMARY, SECONDARY, series_key
from publish.exports import RELEASE_FILE, flags_legend
from transforms.files import write_atomic

_CONTRACT = load_contract()
REPORTS = _CONTRACT.key_figures["reports"]
CONVICTED = _CONTRACT.key_figures["convicted"]
_SEX = _CONTRACT.series_dimensions.index("sex")
CHILDREN = {key[_SEX]: key for key in _CONTRACT.breakdown_of(_CONTRACT.key_figures["children"])}
CHILDREN_TOTAL, *_CHILDREN_PARTS = CHILDREN  # the total by sex first, then its parts
SEX_COLOURS = dict(zip(_CHILDREN_PARTS, ["#b2182b", "#2166ac", "#999999"], strict=True))
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
        eu=EU_AGGREGATE,
        primary=PRIMARY,
        secondary=SECONDARY,
        missing=MISSING,
    )
    pages = {
        "index.html": env.from_string(site_pages.BASE + site_pages.INDEX).render(
            title="Article 8 statistics", grid=_completeness(years, contract), charts=_index_charts(years)
        ),
        "methodology.html": env.from_string(site_pages.BASE + site_pages.METHODOLOGY).render(
            title="Methodology", legend=flags_legend(contract)
        ),
    }
    for y in years:
        pages[f"{y.year}.html"] = env.from_string(site_pages.BASE + site_pages.YEAR).render(
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
    """A published figure as text: '1,234', its confidentiality status when hidden, or its
    observation status when not available."""
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
    parts = [(SEX_COLOURS[s], (y.cells.get((geo, CHILDREN[s])) or {}).get("obs_value")) for s in SEX_COLOURS]
    if all(v is not None for _, v in parts):
        return Bar(geo, sum(v for _, v in parts), "", parts)
    total = y.cells.get((geo, CHILDREN[CHILDREN_TOTAL]))
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
                "what": RELEASE_FILE[name].description if name in RELEASE_FILE else "",
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
