"""The static site people read: public/index.html, one page per year, methodology, PDFs.

Built from the release folders alone (the latest version of each year for figures, every
version for downloads), so the same releases give the same bytes. Charts are inline SVG
drawn here: no script, no CDN.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from contracts.contract import load_contract
from publish import charts
from publish.catalog import RIGHTS, ReleaseFolder, checksums
from publish.disclosure import EU_AGGREGATE, MISSING, NOT_FOR_PUBLICATION, PRIMARY, SECONDARY
from publish.exports import RELEASE_FILE, flags_legend
from publish.national_report import CAVEAT, environment, write_national_reports
from publish.published import (
    Year,
    comparability_lines,
    figure,
    law_lines,
    marking,
    marking_legend,
    national_geos,
    partial_period,
    periods_text,
    read_years,
)
from transforms.files import write_atomic

_CONTRACT = load_contract()
MEMBER_STATES = len(_CONTRACT.code_lists["geo"])
REPORTS = _CONTRACT.key_figures["reports"]
CONVICTED = _CONTRACT.key_figures["convicted"]
_SEX = _CONTRACT.series_dimensions.index("sex")
CHILDREN = {key[_SEX]: key for key in _CONTRACT.breakdown_of(_CONTRACT.key_figures["children"])}
CHILDREN_TOTAL, *_CHILDREN_PARTS = CHILDREN  # the total by sex first, then its parts
# Okabe-Ito colours, safe for colour-blind readers; "no breakdown" (orange) is far from every sex.
SEX_COLOURS = dict(zip(_CHILDREN_PARTS, ["#cc79a7", "#0072b2", "#999999"], strict=True))
NO_BREAKDOWN_COLOUR = "#e69f00"
TRACKER_CLASS = {"on time": "complete", "late": "late", "rejected": "none", "missing": "none"}


def build_site(public_dir: Path, tracker: list[dict] | None = None) -> list[Path]:
    """Write index.html, <year>.html, methodology.html and reports/<year>/<GEO>.html and .pdf.

    `tracker` is the warehouse's submission tracker (what `csa-stats status` shows); without
    it the completeness table says only what was received."""
    public_dir = Path(public_dir)
    years = read_years(public_dir)
    contract = load_contract()
    env = environment()
    env.globals.update(
        states=contract.code_lists["geo"],
        years=years,
        figure=_cell,
        caveat=CAVEAT,
        contract=contract,
        reports=REPORTS,
        convicted=CONVICTED,
        children=CHILDREN,
        markings=marking_legend(contract),
        members=MEMBER_STATES,
        eu=EU_AGGREGATE,
        primary=PRIMARY,
        not_for_publication=NOT_FOR_PUBLICATION,
        secondary=SECONDARY,
        missing=MISSING,
        partial=lambda year: partial_period(contract, year),
    )
    thresholds = sorted({str(y.release_info.get("suppression_threshold")) for y in years} - {"None"})
    pages = {
        "index.html": env.get_template("index.html.j2").render(
            title="Article 8 statistics",
            headline=[_eu_headline(y, contract) for y in years],
            grid=_completeness(years, contract, tracker),
            charts=_index_charts(years, contract),
            comparability=comparability_lines(contract, [y.year for y in years]),
        ),
        "methodology.html": env.get_template("methodology.html.j2").render(
            title="Methodology",
            legend=flags_legend(contract),
            thresholds=thresholds,
            rights=RIGHTS,
            references={r["field"]: r["reference"] for r in contract.reference_definitions},
            comparability=[f.name for f in contract.metadata_fields if f.name.startswith("source_")],
        ),
    }
    for y in years:
        pages[f"{y.year}.html"] = env.get_template("year.html.j2").render(
            title=f"Article 8 statistics {y.year}",
            y=y,
            period=partial_period(contract, y.year),
            law=law_lines(contract, y.year),
            comparability=comparability_lines(contract, [o.year for o in years if o.year <= y.year]),
            coverage=y.coverage(REPORTS),
            charts=_year_charts(y, contract),
            downloads=_downloads(y.versions, public_dir),
            pdfs=sorted(g for g in y.submissions),
        )
    written = []
    for name, html in pages.items():
        written.append(write_atomic(public_dir / name, html.encode("utf-8"), only_if_changed=True))
    written += write_national_reports(public_dir, years, contract)
    # A national office's public folder has its own releases only: its reports come from them.
    for geo in national_geos(public_dir):
        own = [y for y in read_years(public_dir, geo) if not any(u.year == y.year for u in years)]
        written += write_national_reports(public_dir, own, contract)
    return written


def _cell(row: dict | None, coverage: bool = True) -> Markup:
    """A table cell's content: the figure, or its marking with the reason as a tooltip; a
    partial EU figure says over how many states unless the table states it beside it."""
    text = figure(row, MEMBER_STATES if coverage else None)
    why = marking(row)
    if why is None:
        return Markup("{}").format(text)
    label = _CONTRACT.markings[why]["label"]
    return Markup('<abbr class="{}" title="{}">{}</abbr>').format(why, label, text)


def _eu_headline(y: Year, contract) -> dict:
    """The EU figures of a year with how many states they cover and the period covered."""
    figures = []
    for spec in contract.article_points.values():
        key = contract.key_figures[spec["figure"]]
        given = y.coverage(key)
        figures.append(
            {"title": spec["title"], "cell": _cell(y.row(EU_AGGREGATE, key), coverage=False), "given": given}
        )
    return {"year": y.year, "period": partial_period(contract, y.year), "figures": figures}


def _completeness(years: list[Year], contract, tracker: list[dict] | None) -> list[tuple[str, list]]:
    """Per state, per year: (css class, text): the tracker's status, the revision, the gaps."""
    status = {(r["geo"], int(r["time_period"])): r for r in tracker or []}
    grid = []
    for geo in contract.code_lists["geo"]:
        row = []
        for y in years:
            tracked = status.get((geo, y.year))
            if geo not in y.submissions:
                text = tracked["status"] if tracked else "not received"
                row.append(("none", text))
                continue
            gaps = [k for (g, k), r in y.cells.items() if g == geo and marking(r) == "not_available"]
            revision = y.submissions[geo].get("revision")
            text = f"R{revision}" + (f", {len(gaps)} not available" if gaps else "")
            if tracked:
                received = str(tracked.get("first_received_at") or "")[:10]
                text = f"{tracked['status']} ({received}), {text}"
                css = TRACKER_CLASS.get(tracked["status"], "none")
            else:
                css = "complete"
            row.append(("partial" if gaps and css == "complete" else css, text))
        grid.append((geo, row))
    return grid


def _year_charts(y: Year, contract) -> list[dict]:
    states = sorted(g for g in y.submissions)
    period = partial_period(contract, y.year)
    when = f"{y.year}" + (f", partial year: {periods_text(period)}" if period else "")
    return [
        _chart(
            f"Reports forwarded to law enforcement, per state, {when}", [_bar(y, g, REPORTS) for g in states]
        ),
        _chart(
            f"Children identified, by sex, {when}",
            [_sex_bar(y, g) for g in states],
            legend={
                **{contract.code_lists["sex"][s]: c for s, c in SEX_COLOURS.items()},
                "no breakdown by sex": NO_BREAKDOWN_COLOUR,
            },
        ),
        _chart(f"Perpetrators convicted, per state, {when}", [_bar(y, g, CONVICTED) for g in states]),
    ]


def _index_charts(years: list[Year], contract) -> list[dict]:
    bars = []
    for y in years:
        period = partial_period(contract, y.year)
        bar = _bar(y, EU_AGGREGATE, REPORTS, label=str(y.year) + (" (partial year)" if period else ""))
        given = y.coverage(REPORTS)
        if given < MEMBER_STATES:
            bar.text += f" ({given} of {MEMBER_STATES} states)"
        bars.append(bar)
    title = "EU total of reports forwarded, per year: the sum of the states that gave it"
    return [_chart(title, bars)]


def _bar(y: Year, geo: str, key: tuple, label: str | None = None) -> charts.Bar:
    label = label or _CONTRACT.code_lists["geo"].get(geo, geo)
    row = y.row(geo, key)
    why = marking(row)
    if why is None:
        return charts.Bar(label, row["obs_value"], f"{row['obs_value']:,}")
    return charts.Bar(label, None, f"{figure(row)}: {_CONTRACT.markings[why]['label']}")


def _sex_bar(y: Year, geo: str) -> charts.Bar:
    """Girls, boys and unknown stacked; the total alone, in its own colour, where the
    breakdown is not published, with the reason."""
    parts = {s: y.row(geo, CHILDREN[s]) for s in SEX_COLOURS}
    if all(marking(r) is None for r in parts.values()):
        stacked = [(SEX_COLOURS[s], r["obs_value"]) for s, r in parts.items()]
        total = sum(v for _, v in stacked)
        return charts.Bar(_CONTRACT.code_lists["geo"][geo], total, f"{total:,}", stacked)
    total = y.row(geo, CHILDREN[CHILDREN_TOTAL])
    if marking(total) is not None:
        return _bar(y, geo, CHILDREN[CHILDREN_TOTAL])
    reasons = sorted({_CONTRACT.markings[marking(r)]["label"] for r in parts.values() if marking(r)})
    value = total["obs_value"]
    text = f"{value:,} (no breakdown by sex: {', '.join(reasons)})"
    return charts.Bar(_CONTRACT.code_lists["geo"][geo], value, text, [(NO_BREAKDOWN_COLOUR, value)])


def _chart(title: str, bars: list[charts.Bar], legend: dict | None = None) -> dict:
    return {"title": title, "svg": Markup(charts.svg(title, bars)), "legend": legend}


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
