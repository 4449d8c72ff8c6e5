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

from contracts.law import parse_periods
from publish import charts, notes
from publish.disclosure import EU_AGGREGATE, PUBLIC_HIDDEN
from publish.i18n import SOURCE, Translator, languages
from publish.pdf_ids import with_id_tree
from publish.published import (
    SYMBOLS,
    Year,
    comparability_lines,
    figure,
    law_lines,
    marking,
    marking_legend,
    partial_period,
    periods_text,
)
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
    env.filters["period"] = periods_text
    return env


def report_context(years: list[Year], year: int, geo: str, contract, t: Translator | None = None) -> dict:
    """Everything the national report template shows, in words and labels of `t`'s language."""
    t = t or Translator()
    y = next(y for y in years if y.year == year)
    submission = y.submissions[geo]
    state = t(contract.code_lists["geo"][geo])
    own = [r for (g, _k), r in y.cells.items() if g == geo]
    reasons = notes.reasons(own, y.submissions, contract, t, t.period)
    marks = Footnotes(contract, reasons, geo, t)
    # The years up to this one: a later release leaves the report of an earlier year unchanged.
    published = [other for other in years if geo in other.submissions and other.year <= year]
    points = contract.article_points.values()
    headlines = [o.row(geo, contract.key_figures[s["figure"]]) for o in published for s in points]
    return {
        "_": t,
        "lang": t.lang,
        "year": year,
        "geo": geo,
        "state": state,
        "title": t("Article 8 statistics {year}: {state}").format(year=year, state=state),
        "release": y.release,
        "eu": EU_AGGREGATE,
        "hidden": PUBLIC_HIDDEN,
        "data_date": y.data_date,
        "submission": submission,
        "legal_basis": _bases(submission, contract, t),
        "period": (submission["ref_period_start"], submission["ref_period_end"]),
        "period_note": notes.reference_period_note(year, submission, contract, t, t.period),
        "law": law_lines(contract, year, t),
        "comparability": comparability_lines(contract, [o.year for o in published], t),
        "sections": [
            _section(y, geo, state, point, spec, contract, marks, t)
            for point, spec in contract.article_points.items()
        ],
        "footnotes": marks.legend(),
        "history": [_history_row(other, geo, contract, t) for other in published],
        "charts": [_history_chart(published, geo, spec, contract, t) for spec in points],
        "markings": [(symbol, t(label), t(text)) for symbol, label, text in marking_legend(contract)],
        "history_legend": notes.legend(headlines, contract, SYMBOLS, t),
        "links": _links(y, geo, t.lang),
        "translations": [
            (lang, t.language_name(lang), _file(geo, lang)) for lang in _languages(contract, geo)
        ],
        "partial_years": [
            (o.year, t(" and ").join(t.period(*q) for q in p))
            for o in published
            if (p := partial_period(contract, o.year))
        ],
        "caveat": t(CAVEAT),
        "threshold": y.release_info.get("suppression_threshold"),
        "definitions": submission.get("national_definitions") or t("None given."),
        "generator": f"csa-stats, WeasyPrint {_weasyprint_version()}",
        "untranslated": lambda: sorted(t.missing),
    }


def _languages(contract, geo: str) -> list[str]:
    return [SOURCE, *languages(contract, geo)]


def _file(geo: str, lang: str, suffix: str = "html") -> str:
    """AT.html in English, AT.de.html in German."""
    return f"{geo}.{suffix}" if lang == SOURCE else f"{geo}.{lang}.{suffix}"


def _links(y: Year, geo: str, lang: str) -> dict:
    """Where the HTML report leads (reports/<year>/<GEO>.html): the site, the year's page when
    it is a Union release, this report's PDF and the data files of its release."""
    data = f"../../{y.release.relative}"
    return {
        "site": "../../index.html",
        "year": f"../../{y.year}.html" if y.release.geo == EU_AGGREGATE else None,
        "pdf": _file(geo, lang, "pdf"),
        "csv": f"{data}/observations.csv",
        "xlsx": f"{data}/observations.xlsx",
    }


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The HTML as a tagged PDF/UA-1 with the ID tree its table headers need. The dates come
    from the page's dcterms meta (the data date) and the identifier from its content, so the
    same page gives the same bytes."""
    from weasyprint import HTML

    identifier = hashlib.sha256(html.encode("utf-8")).digest()[:16]
    pdf = HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier)
    return with_id_tree(pdf)


def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


class Footnotes:
    """Footnote marks (1, 2, ...) in order of first use, one per meaning."""

    def __init__(self, contract, reasons: dict, geo: str, t: Translator):
        self.contract, self.t = contract, t
        self.reasons, self.geo = reasons, geo  # why each figure carries its status (publish.notes)
        self.marks: dict[str, int] = {}

    def mark(self, meaning: str) -> int:
        return self.marks.setdefault(meaning, len(self.marks) + 1)

    def for_row(self, row: dict | None) -> list[int]:
        why, t = marking(row), self.t
        lists = self.contract.code_lists
        if why == "hidden":
            return [
                self.mark(
                    t("Hidden: {reason}.").format(
                        reason=t(self.contract.disclosure.public_labels[PUBLIC_HIDDEN])
                    )
                )
            ]
        if why == "not_collected":
            text = t(" ".join(self.contract.markings["not_collected"]["explanation"].split()))
            return [self.mark(t("Not collected: {reason}").format(reason=text))]
        status = row["obs_status"]
        if not status:
            return []
        reason = self.reasons.get((self.geo, self.contract.series_key(row)))
        label = t(lists["obs_status"][status])
        return [self.mark(f"{label}: {reason.rstrip('.')}." if reason else f"{label}.")]

    def legend(self) -> list[tuple[int, str]]:
        return [(number, meaning) for meaning, number in self.marks.items()]


def _section(y: Year, geo: str, state: str, point: str, spec: dict, contract, marks: Footnotes, t) -> dict:
    keys = [contract.series_key(s) for s in contract.series if s["point"] == point]
    dimensions = contract.series_dimensions
    varying = [i for i, d in enumerate(dimensions) if len({k[i] for k in keys}) > 1] or [0]
    fields = {f.name: f for f in contract.observation_fields}
    rows = []
    for key in keys:
        row = y.row(geo, key)
        rows.append(
            {
                "labels": [[_label(contract, dimensions[i], key[i], t), 1] for i in varying],
                "value": _value_text(row, contract, t),
                "marks": marks.for_row(row),
                "comment": (row or {}).get("comment") or "",
            }
        )
    _merge_repeated_labels(rows)
    return {
        "point": point,
        "title": t(spec["title"]),
        "sentence": _headline(y, geo, state, spec, contract, t),
        "columns": [t(fields[dimensions[i]].label) for i in varying],
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


def _label(contract, dimension: str, code: str, t) -> str:
    return "" if code == contract.not_applicable else t(contract.code_lists[dimension][code])


def _bases(submission: dict, contract, t) -> str:
    """The legal basis a submission names, or the one of each period it declares (ref_periods)."""
    labels = contract.code_lists["legal_basis"]
    if submission.get("ref_periods"):
        declared = parse_periods(submission["ref_periods"])
        return "; ".join(f"{t(labels.get(code, code))} ({t.period(a, b)})" for (a, b), code in declared)
    return t(labels.get(submission.get("legal_basis"), ""))


def _value_text(row: dict | None, contract, t) -> str:
    why = marking(row)
    if why is None:
        return t.number(row["obs_value"])
    return t(contract.markings[why]["label"])


def _figure(row: dict | None, t) -> str:
    """publish.published.figure with the number in the report's language: '1.870 d', 'm', '–'."""
    if marking(row) is not None:
        return figure(row)
    return t.number(row["obs_value"]) + (f" {row['obs_status']}" if row["obs_status"] else "")


def _headline(y: Year, geo: str, state: str, spec: dict, contract, t) -> str:
    """The sentence that states the headline figure, or says in words why there is none."""
    row = y.row(geo, contract.key_figures[spec["figure"]])
    submission = y.submissions[geo]
    year = str(y.year)
    start, end = submission["ref_period_start"][:10], submission["ref_period_end"][:10]
    if (start[5:], end[5:]) != ("01-01", "12-31"):
        year = t("{year} (from {period})").format(year=y.year, period=t.period(start, end))
    why = marking(row)
    counts = t(spec["counts"])
    if why is None:
        sentence = t(" ".join(spec["sentence"].split()))
        return sentence.format(year=year, state=state, value=t.number(row["obs_value"]))
    if why == "hidden":
        reason = t(contract.disclosure.public_labels[PUBLIC_HIDDEN]).lower()
        text = t("The number of {counts} in {state} in {year} is not published: {reason}.")
        return text.format(counts=counts, state=state, year=year, reason=reason)
    if why == "not_available":
        text = t("{state} did not give the number of {counts} for {year}: it is not available.")
        return text.format(counts=counts, state=state, year=year)
    return t("No number of {counts} was collected from {state} for {year}.").format(
        counts=counts, state=state, year=year
    )


def _history_row(y: Year, geo: str, contract, t) -> dict:
    submission = y.submissions[geo]
    partial = partial_period(contract, y.year)
    return {
        "year": y.year,
        "period": t.period(submission["ref_period_start"], submission["ref_period_end"]),
        "legal_period": t(" and ").join(t.period(*p) for p in partial) if partial else None,
        "figures": [
            _figure(y.row(geo, contract.key_figures[s["figure"]]), t)
            for s in contract.article_points.values()
        ],
        "version": y.release.version,
        "revision": submission.get("revision"),
    }


def _history_chart(years: list[Year], geo: str, spec: dict, contract, t) -> tuple[str, Markup]:
    key = contract.key_figures[spec["figure"]]
    bars = []
    for y in years:
        row = y.row(geo, key)
        partial = partial_period(contract, y.year)
        label = str(y.year) + (f" ({t('partial year')})" if partial else "")
        shown = marking(row) is None
        bars.append(charts.Bar(label, row["obs_value"] if shown else None, _value_text(row, contract, t)))
    title = t("{what} in {state}, per reporting year").format(
        what=t(spec["title"]), state=t(contract.code_lists["geo"][geo])
    )
    return title, Markup(charts.svg(title, bars))


def write_national_reports(public_dir: Path, years: list[Year], contract) -> list[Path]:
    """reports/<year>/<GEO>.html and .pdf for every state and year of the Union releases, and
    <GEO>.<lang>.html and .pdf in each of the state's languages a catalogue is shipped for.

        The PDF is a function of the HTML (whose generator line names the WeasyPrint version), so
        it is rendered again only when the HTML beside it changed: a release re-renders only the
        reports it touches."""
    written, template = [], environment().get_template("national_report.html.j2")  # compiled once
    for y in years:
        for geo, lang in ((g, lang) for g in sorted(y.submissions) for lang in _languages(contract, g)):
            context = report_context(years, y.year, geo, contract, Translator(lang))
            html = template.render(**context).encode("utf-8")
            folder = Path(public_dir) / "reports" / str(y.year)
            html_path, pdf_path = folder / _file(geo, lang), folder / _file(geo, lang, "pdf")
            unchanged = pdf_path.exists() and html_path.exists() and html_path.read_bytes() == html
            if not unchanged:
                # PDF first: an HTML file that matches is the promise that its PDF is there.
                _write(pdf_path, render_pdf(html.decode("utf-8")))
            written += [pdf_path, _write(html_path, html)]
    return written


def _write(path: Path, data: bytes) -> Path:
    return write_atomic(path, data, only_if_changed=True)  # an unchanged file keeps its mtime
