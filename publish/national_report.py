"""The national report of one Member State for one year: HTML and a tagged PDF, same content.

What a journalist, a parliament or an ombudsperson reads: the three Article 8 points, each
opening with a sentence that states the figure, its breakdown with the contract's labels
(never raw codes), footnote marks on figures that carry a status with a legend below, a
chart of the state's headline figures over every published year, the reference periods,
the national definitions, the caveat and a short methodology. Built from the release
folders alone. The PDF comes from the same HTML through WeasyPrint as PDF/UA-1 (structure
tree, document language, title), dated with the release's data date, so the same releases
give the same bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from publish import charts, notes
from publish.disclosure import EU_AGGREGATE, PRIMARY, SECONDARY
from publish.published import SYMBOLS, Year, figure, marking, marking_legend, partial_period, period_text
from transforms.files import write_atomic

CAVEAT = (
    "These are counts of reports, cases, children identified and convictions as recorded by "
    "national authorities, not measures of prevalence: they depend on how much providers detect "
    "and report, and on national counting rules, so they are not comparable across states or years "
    "without reading the national definitions."
)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("publish", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["period"] = lambda p: period_text(*p)
    return env


def report_context(years: list[Year], year: int, geo: str, contract) -> dict:
    """Everything the national report template shows, in words and labels."""
    y = next(y for y in years if y.year == year)
    submission = y.submissions[geo]
    state = contract.code_lists["geo"][geo]
    marks = Footnotes(contract, y.reasons(contract), geo)
    # The years up to this one: a later release leaves the report of an earlier year unchanged.
    published = [other for other in years if geo in other.submissions and other.year <= year]
    return {
        "year": year,
        "geo": geo,
        "state": state,
        "title": f"Article 8 statistics {year}: {state}",
        "release": y.release,
        "eu": EU_AGGREGATE,
        "primary": PRIMARY,
        "secondary": SECONDARY,
        "data_date": y.data_date,
        "submission": submission,
        "legal_basis": contract.code_lists["legal_basis"].get(submission.get("legal_basis"), ""),
        "period": (submission["ref_period_start"], submission["ref_period_end"]),
        "sections": [
            _section(y, geo, state, point, spec, contract, marks)
            for point, spec in contract.article_points.items()
        ],
        "footnotes": marks.legend(),
        "history": [_history_row(other, geo, contract) for other in published],
        "charts": [
            _history_chart(published, geo, spec, contract) for spec in contract.article_points.values()
        ],
        "markings": marking_legend(contract),
        "history_legend": notes.legend(
            [
                o.row(geo, contract.key_figures[s["figure"]])
                for o in published
                for s in contract.article_points.values()
            ],
            contract,
            SYMBOLS,
        ),
        "links": _links(y, geo),
        "partial_years": [(o.year, p) for o in published if (p := partial_period(contract, o.year))],
        "caveat": CAVEAT,
        "threshold": y.release_info.get("suppression_threshold"),
        "definitions": submission.get("national_definitions") or "None given.",
        "generator": f"csa-stats, WeasyPrint {_weasyprint_version()}",
    }


def _links(y: Year, geo: str) -> dict:
    """Where the HTML report leads (reports/<year>/<GEO>.html): the site, the year's page when
    it is a Union release, this report's PDF and the data files of its release."""
    data = f"../../{y.release.relative}"
    return {
        "site": "../../index.html",
        "year": f"../../{y.year}.html" if y.release.geo == EU_AGGREGATE else None,
        "pdf": f"{geo}.pdf",
        "csv": f"{data}/observations.csv",
        "xlsx": f"{data}/observations.xlsx",
    }


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The HTML as a tagged PDF/UA-1. The dates come from the page's dcterms meta (the data
    date) and the identifier from its content, so the same page gives the same bytes."""
    from weasyprint import HTML

    identifier = hashlib.sha256(html.encode("utf-8")).digest()[:16]
    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier)


def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


class Footnotes:
    """Footnote marks (1, 2, ...) in order of first use, one per meaning."""

    def __init__(self, contract, reasons: dict, geo: str):
        self.contract = contract
        self.reasons, self.geo = reasons, geo  # why each figure carries its status (publish.notes)
        self.marks: dict[str, int] = {}

    def mark(self, meaning: str) -> int:
        return self.marks.setdefault(meaning, len(self.marks) + 1)

    def for_row(self, row: dict | None) -> list[int]:
        why = marking(row)
        lists = self.contract.code_lists
        if why == "hidden":
            return [self.mark(f"Hidden: {lists['conf_status'][row['conf_status']]}.")]
        if why == "not_collected":
            return [self.mark(f"Not collected: {_sentence(self.contract.markings['not_collected'])}")]
        status = row["obs_status"]
        if not status:
            return []
        why = self.reasons.get((self.geo, self.contract.series_key(row)))
        return [self.mark(f"{lists['obs_status'][status]}" + (f": {why}." if why else "."))]

    def legend(self) -> list[tuple[int, str]]:
        return [(number, meaning) for meaning, number in self.marks.items()]


def _sentence(spec: dict) -> str:
    return " ".join(spec["explanation"].split())


def _section(y: Year, geo: str, state: str, point: str, spec: dict, contract, marks: Footnotes) -> dict:
    keys = [contract.series_key(s) for s in contract.series if s["point"] == point]
    dimensions = contract.series_dimensions
    varying = [i for i, d in enumerate(dimensions) if len({k[i] for k in keys}) > 1] or [0]
    fields = {f.name: f for f in contract.observation_fields}
    rows = []
    for key in keys:
        row = y.row(geo, key)
        rows.append(
            {
                "labels": [[_label(contract, dimensions[i], key[i]), 1] for i in varying],
                "value": _value_text(row, contract),
                "marks": marks.for_row(row),
                "comment": (row or {}).get("comment") or "",
            }
        )
    _merge_repeated_labels(rows)
    return {
        "point": point,
        "title": spec["title"],
        "sentence": _headline(y, geo, state, spec, contract),
        "columns": [fields[dimensions[i]].label for i in varying],
        "rows": rows,
    }


def _merge_repeated_labels(rows: list[dict]) -> None:
    """A label repeated on the rows below it spans them (rowspan; 0 = covered by the one above),
    so the table reads as a breakdown, not the same words again and again."""
    for column in range(len(rows[0]["labels"]) if rows else 0):
        head = None
        for row in rows:
            cell = row["labels"][column]
            same_parents = head is not None and all(
                row["labels"][c][0] == head["labels"][c][0] and row["labels"][c][1] == 0
                for c in range(column)
            )
            if head is not None and cell[0] == head["labels"][column][0] and same_parents:
                head["labels"][column][1] += 1
                cell[1] = 0
            else:
                head = row


def _label(contract, dimension: str, code: str) -> str:
    return "" if code == contract.not_applicable else contract.code_lists[dimension][code]


def _value_text(row: dict | None, contract) -> str:
    why = marking(row)
    if why is None:
        return f"{row['obs_value']:,}"
    return contract.markings[why]["label"]


def _headline(y: Year, geo: str, state: str, spec: dict, contract) -> str:
    """The sentence that states the headline figure, or says in words why there is none."""
    row = y.row(geo, contract.key_figures[spec["figure"]])
    submission = y.submissions[geo]
    year = str(y.year)
    start, end = submission["ref_period_start"][:10], submission["ref_period_end"][:10]
    if (start[5:], end[5:]) != ("01-01", "12-31"):
        year = f"{y.year} (from {period_text(start, end)})"
    why = marking(row)
    if why is None:
        return " ".join(spec["sentence"].split()).format(
            year=year, state=state, value=f"{row['obs_value']:,}"
        )
    if why == "hidden":
        reason = contract.code_lists["conf_status"][row["conf_status"]].lower()
        return f"The number of {spec['counts']} in {state} in {year} is not published: {reason}."
    if why == "not_available":
        return f"{state} did not give the number of {spec['counts']} for {year}: it is not available."
    return f"No number of {spec['counts']} was collected from {state} for {year}."


def _history_row(y: Year, geo: str, contract) -> dict:
    submission = y.submissions[geo]
    partial = partial_period(contract, y.year)
    return {
        "year": y.year,
        "period": (submission["ref_period_start"], submission["ref_period_end"]),
        "legal_period": partial,
        "figures": [
            figure(y.row(geo, contract.key_figures[s["figure"]])) for s in contract.article_points.values()
        ],
        "version": y.release.version,
        "revision": submission.get("revision"),
    }


def _history_chart(years: list[Year], geo: str, spec: dict, contract) -> tuple[str, Markup]:
    key = contract.key_figures[spec["figure"]]
    bars = []
    for y in years:
        row = y.row(geo, key)
        partial = partial_period(contract, y.year)
        label = f"{y.year}" + (f" (from {partial[0]:%-d %b})" if partial and partial[0].month > 1 else "")
        label += f" (to {partial[1]:%-d %b})" if partial and partial[1].month < 12 else ""
        shown = marking(row) is None
        bars.append(charts.Bar(label, row["obs_value"] if shown else None, _value_text(row, contract)))
    title = f"{spec['title']} in {contract.code_lists['geo'][geo]}, per reporting year"
    return title, Markup(charts.svg(title, bars))


def write_national_reports(public_dir: Path, years: list[Year], contract) -> list[Path]:
    """reports/<year>/<GEO>.html and .pdf for every state and year of the Union releases.

    The PDF is a function of the HTML (whose generator line names the WeasyPrint version), so
    it is rendered again only when the HTML beside it changed: a release re-renders only the
    reports it touches."""
    written, template = [], environment().get_template("national_report.html.j2")  # compiled once
    for y in years:
        for geo in sorted(y.submissions):
            html = template.render(**report_context(years, y.year, geo, contract)).encode("utf-8")
            folder = Path(public_dir) / "reports" / str(y.year)
            html_path, pdf_path = folder / f"{geo}.html", folder / f"{geo}.pdf"
            unchanged = pdf_path.exists() and html_path.exists() and html_path.read_bytes() == html
            if not unchanged:
                # PDF first: an HTML file that matches is the promise that its PDF is there.
                _write(pdf_path, render_pdf(html.decode("utf-8")))
            written += [pdf_path, _write(html_path, html)]
    return written


def _write(path: Path, data: bytes) -> Path:
    return write_atomic(path, data, only_if_changed=True)  # an unchanged file keeps its mtime
