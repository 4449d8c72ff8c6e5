"""The static site people read: public/index.html, one page per year, methodology, PDFs.

Built from the release folders alone (the latest version of each year for figures, every
version for downloads), so the same releases give the same bytes. Charts are inline SVG
drawn here: no script, no CDN.
"""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import Markup

from contracts.contract import load_contract
from contracts.vocabulary import TrackerStatus
from publish import charts, notes
from publish.catalog import RIGHTS
from publish.disclosure import EU_AGGREGATE, MISSING, PUBLIC_HIDDEN, series_key
from publish.exports import RELEASE_FILE, flags_legend, publication_order
from publish.folders import ReleaseFolder, checksums
from publish.national_report import CAVEAT, environment, write_national_reports
from publish.published import (
    SYMBOLS,
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

# Okabe-Ito colours (girls, boys, unknown), safe for colour-blind readers; the part of a total
# not shown by sex (orange) is far from every one of them.
SEX_COLOURS = ["#cc79a7", "#0072b2", "#999999"]
NO_BREAKDOWN_COLOUR = "#e69f00"
TRACKER_CLASS = {
    TrackerStatus.ON_TIME: "complete",
    TrackerStatus.LATE: "late",
    TrackerStatus.REJECTED: "none",
    TrackerStatus.MISSING: "none",
}


def build_site(public_dir: Path, tracker: list[dict] | None = None, contract=None) -> list[Path]:
    """Write index.html, <year>.html, methodology.html and reports/<year>/<GEO>.html and .pdf.

    `tracker` is the warehouse's submission tracker (what `csa-stats status` shows); without
    it the completeness table says only what was received."""
    public_dir = Path(public_dir)
    contract = contract or load_contract()
    years = read_years(public_dir)
    keys = _keys(contract)
    members = len(contract.code_lists["geo"])
    env = environment()
    env.globals.update(
        states=contract.code_lists["geo"],
        years=years,
        figure=lambda row, coverage=True: _cell(row, contract, coverage),
        caveat=CAVEAT,
        contract=contract,
        markings=marking_legend(contract),
        members=members,
        eu=EU_AGGREGATE,
        hidden=PUBLIC_HIDDEN,
        missing=MISSING,
        partial=lambda year: partial_period(contract, year),
        **keys,
    )
    thresholds = sorted({str(y.release_info.get("suppression_threshold")) for y in years} - {"None"})
    headline = [_eu_headline(y, contract) for y in years]
    pages = {
        "index.html": env.get_template("index.html.j2").render(
            title="Article 8 statistics",
            headline=headline,
            legend=notes.legend([f["row"] for h in headline for f in h["figures"]], contract, SYMBOLS),
            notes=[n for h in headline for n in h["notes"]],
            grid=_completeness(years, contract, tracker),
            charts=_index_charts(years, contract, keys["reports"]),
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
        shown = [y.row(g, k) for g in [*sorted(y.submissions), EU_AGGREGATE] for k in _table_keys(keys)]
        pages[f"{y.year}.html"] = env.get_template("year.html.j2").render(
            title=f"Article 8 statistics {y.year}",
            y=y,
            period=partial_period(contract, y.year),
            law=law_lines(contract, y.year),
            comparability=comparability_lines(contract, [o.year for o in years if o.year <= y.year]),
            coverage=y.coverage(keys["reports"]),
            charts=_year_charts(y, contract, keys),
            legend=notes.legend(shown, contract, SYMBOLS),
            notes=_notes(y, contract, _table_keys(keys)),
            downloads=_downloads(y.versions, public_dir, contract),
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


def _keys(contract) -> dict:
    """The headline series of the pages: reports, children by sex (total first), convicted."""
    sex = contract.series_dimensions.index("sex")
    children = {key[sex]: key for key in contract.breakdown_of(contract.key_figures["children"])}
    return {
        "reports": contract.key_figures["reports"],
        "children": children,
        "convicted": contract.key_figures["convicted"],
    }


def _table_keys(keys: dict) -> list[tuple]:
    return [keys["reports"], *keys["children"].values(), keys["convicted"]]


def _cell(row: dict | None, contract, coverage: bool = True) -> Markup:
    """A table cell's content: the figure, or its marking with the reason as a tooltip; a
    partial EU figure says over how many states unless the table states it beside it."""
    text = figure(row, len(contract.code_lists["geo"]) if coverage else None)
    why = marking(row)
    if why is None:
        return Markup("{}").format(text)
    label = contract.markings[why]["label"]
    return Markup('<abbr class="{}" title="{}">{}</abbr>').format(why, label, text)


def _notes(y: Year, contract, keys: list[tuple]) -> list[str]:
    """'France, Perpetrators convicted (Art. 8(c)): 2,052 d: conviction stage: ...' for every
    figure of the table that has a reason from the data, states first, then the EU; a reason
    every figure of a state shares (its reference period) is said once for the state."""
    why = y.reasons(contract)
    out = []
    for geo in [*sorted(y.submissions), EU_AGGREGATE]:
        state = contract.code_lists["geo"].get(geo, "European Union")
        reasons = {key: why[geo, key] for key in keys if (geo, key) in why}
        shared = set(reasons.values()) if len(reasons) == len(keys) else set()
        if len(shared) == 1:
            out.append(f"{state}, every figure: {shared.pop()}")
            continue
        for key, reason in reasons.items():
            out.append(f"{state}, {notes.series_label(contract, key)}: {figure(y.row(geo, key))}: {reason}")
    return out


def _eu_headline(y: Year, contract) -> dict:
    """The EU figures of a year with how many states they cover, the period, the reasons."""
    figures, reasons = [], []
    why = y.reasons(contract)
    for spec in contract.article_points.values():
        key = contract.key_figures[spec["figure"]]
        row = y.row(EU_AGGREGATE, key)
        figures.append(
            {
                "title": spec["title"],
                "cell": _cell(row, contract, coverage=False),
                "given": y.coverage(key),
                "row": row,
            }
        )
        if (EU_AGGREGATE, key) in why:
            reasons.append(f"{y.year}, {spec['title']}: {figure(row)}: {why[EU_AGGREGATE, key]}")
    return {"year": y.year, "period": partial_period(contract, y.year), "figures": figures, "notes": reasons}


def _completeness(years: list[Year], contract, tracker: list[dict] | None) -> list[tuple[str, list]]:
    """Per state, per year: (css class, text): the tracker's status, the revision, and by label
    the figures required of every state that are not available; optional series (a figure
    only some states can give, such as convictions linked to a report) are not counted."""
    status = {(r["geo"], int(r["time_period"])): r for r in tracker or []}
    required = {contract.series_key(s) for s in contract.series if not s.get("optional")}
    grid = []
    for geo in contract.code_lists["geo"]:
        row = []
        for y in years:
            tracked = status.get((geo, y.year))
            if geo not in y.submissions:
                text = tracked["status"] if tracked else "not received"
                row.append(("none", text))
                continue
            gaps = [
                notes.series_label(contract, k)
                for (g, k), r in y.cells.items()
                if g == geo and k in required and marking(r) == "not_available"
            ]
            revision = y.submissions[geo].get("revision")
            text = f"R{revision}" + (f"; not available: {'; '.join(gaps)}" if gaps else "")
            if tracked:
                received = str(tracked.get("first_received_at") or "")[:10]
                text = f"{tracked['status']} ({received}), {text}"
                css = TRACKER_CLASS.get(tracked["status"], "none")
            else:
                css = "complete"
            row.append(("partial" if gaps and css == "complete" else css, text))
        grid.append((geo, row))
    return grid


def _year_charts(y: Year, contract, keys: dict) -> list[dict]:
    states = sorted(g for g in y.submissions)
    period = partial_period(contract, y.year)
    when = f"{y.year}" + (f", partial year: {periods_text(period)}" if period else "")
    total, *parts = keys["children"]
    return [
        _chart(
            f"Reports forwarded to law enforcement, per state, {when}",
            [_bar(y, g, keys["reports"], contract) for g in states],
        ),
        _chart(
            f"Children identified, by sex, {when}",
            [_sex_bar(y, g, keys["children"], contract) for g in states],
            legend={
                **{contract.code_lists["sex"][s]: c for s, c in zip(parts, SEX_COLOURS, strict=True)},
                "not shown by sex": NO_BREAKDOWN_COLOUR,
            },
        ),
        _chart(
            f"Perpetrators convicted, per state, {when}",
            [_bar(y, g, keys["convicted"], contract) for g in states],
        ),
    ]


def _index_charts(years: list[Year], contract, reports: tuple) -> list[dict]:
    members = len(contract.code_lists["geo"])
    bars = []
    for y in years:
        period = partial_period(contract, y.year)
        label = str(y.year) + (" (partial year)" if period else "")
        bar = _bar(y, EU_AGGREGATE, reports, contract, label=label)
        given = y.coverage(reports)
        if given < members:
            bar.text += f" ({given} of {members} states)"
        bars.append(bar)
    title = "EU total of reports forwarded, per year: the sum of the states that gave it"
    return [_chart(title, bars)]


def _bar(y: Year, geo: str, key: tuple, contract, label: str | None = None) -> charts.Bar:
    label = label or contract.code_lists["geo"].get(geo, geo)
    row = y.row(geo, key)
    why = marking(row)
    if why is None:
        return charts.Bar(label, row["obs_value"], figure(row))
    return charts.Bar(label, None, f"{figure(row)}, {contract.markings[why]['label']}")


def _sex_bar(y: Year, geo: str, children: dict, contract) -> charts.Bar:
    """Girls, boys and unknown stacked, each part that is shown in its colour; what the total
    holds beyond the parts shown is one segment in its own colour, and the text names each part
    that is not shown with its marking."""
    total_code, *codes = children
    total = y.row(geo, children[total_code])
    if marking(total) is not None:
        return _bar(y, geo, children[total_code], contract)
    stacked, words = [], []
    for code, colour in zip(codes, SEX_COLOURS, strict=True):
        row, name = y.row(geo, children[code]), contract.code_lists["sex"][code].lower()
        why = marking(row)
        if why is None:
            stacked.append((colour, row["obs_value"]))
            words.append(f"{name} {figure(row)}")
        else:
            words.append(f"{name} {contract.markings[why]['label']}")
    rest = total["obs_value"] - sum(v for _, v in stacked)
    if rest > 0:
        stacked.append((NO_BREAKDOWN_COLOUR, rest))
    text = f"{figure(total)} ({', '.join(words)})"
    return charts.Bar(contract.code_lists["geo"][geo], total["obs_value"], text, stacked)


def _chart(title: str, bars: list[charts.Bar], legend: dict | None = None) -> dict:
    return {"title": title, "svg": Markup(charts.svg(title, bars)), "legend": legend}


def _downloads(versions: list[ReleaseFolder], public_dir: Path, contract) -> list[dict]:
    """Every version of the year, newest first, with its files and their SHA-256, and the
    figures it changed against the version before, in labels."""
    listing, previous = [], None
    for release in versions:
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
        files.append(
            {"name": "CHANGELOG.md", "href": f"{release.relative}/CHANGELOG.md", "sha256": "", "size": 0}
        )
        cells = _observations(release)
        changes = _changes(previous, cells, contract) if previous is not None else None
        listing.append({"version": release.version, "files": files, "changes": changes})
        previous = cells
    return listing[::-1]


def _observations(release: ReleaseFolder) -> dict:
    document = json.loads((release.path / "observations.json").read_text(encoding="utf-8"))
    return {(r["geo"], series_key(r)): r for r in document["observations"]}


def _changes(old: dict, new: dict, contract) -> list[str]:
    """'Austria, Perpetrators convicted (Art. 8(c)): 40 → 45', in the publication order."""
    out = []
    for cell in sorted(old.keys() | new.keys(), key=lambda c: publication_order(*c)):
        was = figure(old[cell]) if cell in old else None
        now = figure(new[cell]) if cell in new else None
        if was != now:
            geo, key = cell
            state = contract.code_lists["geo"].get(geo, "European Union")
            out.append(f"{state}, {notes.series_label(contract, key)}: {was or 'added'} → {now or 'removed'}")
    return out
