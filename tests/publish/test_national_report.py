"""The national report as a reader gets it: the PDF read back with poppler (pdftotext,
pdfinfo), the HTML beside it, both built from the release folders alone."""

from __future__ import annotations

import contextlib
import re
import subprocess
from html import unescape

import pytest

from contracts.contract import load_contract
from publish.catalog import write_catalog
from publish.release import build_release
from publish.site import build_site

CONTRACT = load_contract()
KEY = CONTRACT.key_figures
YEARS = (2021, 2022, 2023)
# Malta 2023: a hidden small count, a breakdown not available, a provisional figure.
GIRLS, BOYS, UNKNOWN = (("CHILD_IDN", s, "_Z", "_Z") for s in "FMU")
EMAIL = ("REP_LEA", "_Z", "PROVIDER", "EMAIL")


def _value(key: tuple, year: int) -> int | None:
    base = {
        "REP_LEA": 1200,
        "CASE_UNQ": 900,
        "CASE_MULT": 100,
        "CHILD_IDN": 40,
        "PERP_CNV": 12,
        "PERP_CNV_LNK": 9,
    }
    if key == KEY["reports"]:
        return 1870 + year - 2023
    if key[0] == "CHILD_IDN" and key[1] == "T":
        return 40
    if key[0] == "CHILD_IDN":
        return {"F": 25, "M": 13, "U": 2}[key[1]]
    if key[0] == "REP_LEA" and key[2] == "TOTAL" or key[2] == "PIO":
        return 670 if key[2] == "PIO" else 1870
    if key[0] == "REP_LEA":
        return 1200 if key[3] == "TOTAL" else {"EMAIL": 400, "MESSAGING": 500, "VOIP": 100}.get(key[3], 100)
    return base[key[0]]


def _rows(geo: str, year: int) -> list[dict]:
    rows = []
    for series in CONTRACT.series:
        key = CONTRACT.series_key(series)
        row = {
            "geo": geo,
            "time_period": year,
            **{d: series[d] for d in CONTRACT.series_dimensions},
            "obs_value": _value(key, year),
            "obs_status": None,
            "conf_status": None,
            "comment": None,
            "submission_id": f"{geo}-{year}-R1",
        }
        if geo == "MT" and year == 2023 and key == EMAIL:
            row.update(obs_value=None, obs_status="m", comment="Service type not recorded for e-mail")
        if geo == "MT" and year == 2023 and key == KEY["convicted"]:
            row.update(obs_status="p")
        rows.append(row)
    return rows


def _submission(geo: str, year: int) -> dict:
    return {
        "geo": geo,
        "submission_id": f"{geo}-{year}-R1",
        "revision": 1,
        "received_at": f"{year + 1}-06-1{YEARS.index(year)}T10:00:00+00:00",
        "national_definitions": "One report is one referral received by the national police.",
        "reporting_authority": f"Ministry of Justice ({geo})",
        "ref_period_start": "2021-08-02" if year == 2021 else f"{year}-01-01",
        "ref_period_end": f"{year}-12-31",
        "legal_basis": "32021R1232",
    }


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    public = tmp_path_factory.mktemp("public")
    for year in YEARS:
        rows = _rows("MT", year) + _rows("AT", year)
        build_release(rows, [_submission("MT", year), _submission("AT", year)], year, public)
    write_catalog(public, "https://stats.example.eu/csa")
    build_site(public)
    return public


def _text(pdf, *options: str) -> str:
    command = ["pdftotext", *options, str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _line(lines: list[str], *parts: str) -> bool:
    """Some line of the laid-out text holds every part, in this order."""
    pattern = ".*".join(re.escape(p) for p in parts)
    return any(re.search(pattern, line) for line in lines)


def _info(pdf) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def test_the_pdf_states_every_headline_figure_with_its_label_and_no_contract_code(public):
    text = " ".join(_text(public / "reports" / "2023" / "MT.pdf").split())
    codes = {
        code
        for name in ("indicator", "reporter", "service", "sex", "conf_status")
        for code in CONTRACT.code_lists[name]
        if len(code) > 1
    }
    assert "_Z" in codes and "REP_LEA" in codes and "CHILD_IDN" in codes
    assert [code for code in sorted(codes) if re.search(rf"(?<![\w]){re.escape(code)}(?![\w])", text)] == []
    assert "In 2023 the competent law-enforcement authorities of Malta received 1,870 reports" in text
    assert "In 2023 40 children were identified in Malta" in text
    assert "In 2023 12 perpetrators were convicted in Malta" in text
    for spec in CONTRACT.article_points.values():
        assert spec["title"] in text
    lines = _text(public / "reports" / "2023" / "MT.pdf", "-layout").splitlines()
    assert _line(lines, "Web-based e-mail", "not available [1]", "Service")
    assert "Service type not recorded for e-mail" in text
    # one marking, one footnote, whatever the reason (a small count or a cell protecting it)
    assert _line(lines, "Male", "hidden [2]") and _line(lines, "Unknown or other", "hidden [2]")
    assert _line(lines, "Perpetrators convicted", "12 [3]")
    legend = text[text.index("What the footnote marks mean") :]
    assert "[1] Missing (not available)" in legend and "[3] Provisional" in legend
    assert "[2] Hidden: Confidential." in legend
    assert "primary" not in legend and "secondary" not in legend
    assert "not measures of prevalence" in text and "One report is one referral" in text
    assert "Disclosure control: non-zero counts below 3 are hidden" in text


def test_the_pdf_is_tagged_titled_in_english_and_dated_by_its_data(public):
    pdf = public / "reports" / "2023" / "MT.pdf"
    info = _info(pdf)
    assert info["Tagged"].strip() == "yes"
    assert info["Title"].strip() == "Article 8 statistics 2023: Malta"
    assert info["CreationDate"].strip().startswith("2024-06-12"), "the data date: the newest submission"
    html = (public / "reports" / "2023" / "MT.html").read_text(encoding="utf-8")
    assert "data as of 12 June 2024)" in html, "dates as the EU institutions write English"
    assert b"/Lang (en)" in _inflated(pdf)
    structure = subprocess.run(["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True).stdout
    assert "Table" in structure and "H1" in structure and "Figure" in structure


def _inflated(pdf) -> bytes:
    import zlib

    data = pdf.read_bytes()
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"".join(parts)


def test_reference_periods_and_the_partial_first_year_are_stated(public):
    text = " ".join(_text(public / "reports" / "2023" / "MT.pdf").split())
    assert (
        "Reporting year 2021 is a partial year: the Regulation applies from 2 August to 31 December 2021"
        in text
    )
    assert "2 August to 31 December 2021" in text and "1 January to 31 December 2022" in text
    first = " ".join(_text(public / "reports" / "2021" / "MT.pdf").split())
    assert "In 2021 (from 2 August to 31 December 2021) the competent law-enforcement authorities" in first


def test_html_and_pdf_say_the_same_and_a_rebuild_gives_the_same_bytes(public):
    html = (public / "reports" / "2023" / "MT.html").read_text(encoding="utf-8")
    text = " ".join(_text(public / "reports" / "2023" / "MT.pdf").split())
    for sentence in re.findall(r"<p>(In 2023[^<]*)</p>", html):
        assert " ".join(sentence.split()) in text
    before = {p: p.read_bytes() for p in (public / "reports").rglob("*.*")}
    build_site(public)
    assert {p: p.read_bytes() for p in (public / "reports").rglob("*.*")} == before


def test_the_site_marks_the_partial_year_and_leads_with_eu_figures_and_their_coverage(public):
    def text(name: str) -> str:
        return " ".join(
            unescape(re.sub(r"<[^>]+>", " ", (public / name).read_text(encoding="utf-8"))).split()
        )

    index = text("index.html")
    headline = index.split("EU figures per year")[1].split("Releases")[0]
    # two states are below the contract's minimum coverage of the EU aggregate: no sum, status m
    assert "2021 partial year: 2 August to 31 December 2021 m (2 of 27 states: partial coverage)" in headline
    assert "2023 full year m (2 of 27 states: partial coverage)" in headline
    assert index.index("EU figures per year") < index.index("Completeness")
    assert "2021 (partial year)" in (public / "index.html").read_text(encoding="utf-8")
    first = text("2021.html")
    assert "Partial year: the Regulation applies in 2021 from 2 August to 31 December 2021 only" in first
    assert (
        "Reports forwarded to law enforcement, per state, 2021, partial year: 2 August to 31 December"
        in first
    )
    assert "Reference periods 2021: partial year, 2 August to 31 December 2021 2022: full year" in text(
        "methodology.html"
    )


def test_a_national_office_gets_its_report_from_its_own_release(tmp_path):
    """The national pipeline publishes the state's release alone: its report comes from it."""
    for year in (2022, 2023):
        build_release(_rows("AT", year), [_submission("AT", year)], year, tmp_path, geo="AT")
    build_site(tmp_path)
    pdf = tmp_path / "reports" / "2023" / "AT.pdf"
    assert _info(pdf)["Tagged"].strip() == "yes"
    text = " ".join(_text(pdf).split())
    assert "In 2023 the competent law-enforcement authorities of Austria received 1,870 reports" in text
    assert "Figures as published in the national release 2023 version 1" in text
    assert "in Union release" not in text
    assert (tmp_path / "reports" / "2022" / "AT.html").exists()


def _msgids() -> set[str]:
    """Every text a national report puts through gettext: the template's _("..."), the
    translated calls of publish/, and the contract's labels a report shows."""
    import ast
    from pathlib import Path

    from publish.national_report import CAVEAT

    root = Path(__file__).parents[2] / "publish"
    template = (root / "templates" / "national_report.html.j2").read_text(encoding="utf-8")
    ids = set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', template)) | {CAVEAT}
    for name in ("national_report.py", "notes.py", "i18n.py", "published.py"):
        for node in ast.walk(ast.parse((root / name).read_text(encoding="utf-8"))):
            first = node.args[0] if isinstance(node, ast.Call) and node.args else None
            translated = getattr(getattr(node, "func", None), "id", None) in ("_", "t", "self")
            if translated and isinstance(first, ast.Constant) and isinstance(first.value, str):
                ids.add(first.value)
    lists = CONTRACT.code_lists
    for name in (
        "geo",
        "indicator",
        "sex",
        "reporter",
        "service",
        "obs_status",
        "conf_status",
        "legal_basis",
    ):
        ids |= set(lists[name].values())
    for ref in CONTRACT.reference_definitions:
        ids |= {ref["field"].replace("_", " "), *lists.get(ref["field"], {}).values()}
    ids |= {f.label for f in CONTRACT.observation_fields if f.name in CONTRACT.series_dimensions}
    for spec in CONTRACT.article_points.values():
        ids |= {spec["title"], spec["counts"], " ".join(spec["sentence"].split())}
    for spec in CONTRACT.markings.values():
        ids |= {spec["label"], " ".join(spec["explanation"].split())}
    # the law lines: each basis's article, the legal gaps, the comparability notes
    ids |= {b.article for b in CONTRACT.legal_bases}
    ids |= {" ".join(g.note.split()) for g in CONTRACT.legal_gaps}
    ids |= {" ".join(n["note"].split()) for n in CONTRACT.comparability_notes}
    return ids


def test_every_shipped_language_has_every_label():
    from publish.i18n import messages, shipped

    assert {"de", "fr"} <= set(shipped())
    ids = _msgids()
    assert len(ids) > 150
    missing = {lang: sorted(ids - set(messages(lang))) for lang in shipped()}
    assert missing == {lang: [] for lang in shipped()}


def test_the_report_of_austria_is_also_in_german_with_german_numbers(public):
    html = (public / "reports" / "2023" / "AT.de.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "Österreich: Im Jahr 2023 wurden den zuständigen nationalen Strafverfolgungsbehörden 1.870" in text
    assert "Not yet translated" not in text
    assert 'href="AT.html" lang="en"' in html and 'href="AT.de.pdf"' in html
    pdf = public / "reports" / "2023" / "AT.de.pdf"
    assert b"/Lang (de)" in _inflated(pdf)
    assert "1.870 Meldungen" in " ".join(_text(pdf).split())
    assert not (public / "reports" / "2023" / "MT.fr.html").exists(), "only the state's languages"


def test_a_missing_translation_falls_back_to_english_visibly(public, monkeypatch):
    from publish import i18n
    from publish.national_report import environment, report_context
    from publish.published import read_years

    catalogue = dict(i18n.messages("fr"))
    del catalogue["Notes to the figures"]
    monkeypatch.setattr(i18n, "messages", lambda lang: catalogue)
    t = i18n.Translator("fr")
    assert t("Year") == "Année" and t.number(1870) == "1\u202f870"
    context = report_context(read_years(public), 2023, "MT", CONTRACT, t)
    html = environment().get_template("national_report.html.j2").render(**context)
    assert "<h2>Notes to the figures</h2>" in html
    notice = (
        '<p class="untranslated" lang="en">Not yet translated, so shown in English: Notes to the figures</p>'
    )
    assert notice in html


def test_every_header_a_pdf_table_cell_names_is_in_the_id_tree(public):
    """WeasyPrint writes /ID on header cells and /Headers on data cells; the /IDTree we add
    lets assistive technology resolve them (PDF/UA-1 7.5)."""
    import pikepdf

    for pdf in (public / "reports" / "2023").glob("*.pdf"):
        with pikepdf.open(pdf) as document:
            root = document.Root.StructTreeRoot
            names = root.IDTree.Names
            ids = {bytes(names[i]): names[i + 1] for i in range(0, len(names), 2)}
            headers = set()
            stack = [root]
            while stack:
                node = stack.pop()
                kids = node.get("/K")
                for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                    if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                        attributes = kid.get("/A")
                        for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
                            if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                                headers |= {bytes(h) for h in a.Headers}
                        stack.append(kid)
            assert headers and headers <= set(ids), pdf.name
            assert all(ids[h].S == "/TH" for h in headers)


@pytest.fixture(scope="module")
def public_2026(tmp_path_factory):
    """AT's and LU's national releases of 2026: two covered periods and the lapse between them."""
    public = tmp_path_factory.mktemp("public_2026")
    for geo in ("AT", "LU"):
        submission = _submission(geo, 2023) | {
            "received_at": "2027-06-10T10:00:00+00:00",
            "ref_period_start": "2026-01-01",
            "ref_period_end": "2026-12-31",
            "legal_basis": "32026R1881",
        }
        rows = [r | {"time_period": 2026} for r in _rows(geo, 2023)]
        build_release(rows, [submission], 2026, public, geo=geo)
    build_site(public)
    return public


@pytest.mark.parametrize(
    ("report", "lang", "expected"),
    [
        (
            "AT.de",
            "de",
            [
                "Vom 1. Januar 2026 bis 3. April 2026: Verordnung (EU) 2021/1232 in der Fassung der "
                "Verordnung (EU) 2024/1307, Artikel 8.",
                "Vom 31. Juli 2026 bis 31. Dezember 2026: Verordnung (EU) 2026/1881, "
                "Artikel 8 (noch zu bestätigen).",
                "Vom 4. April 2026 bis 30. Juli 2026 galt kein Rechtsakt: Die Verordnung (EU) 2021/1232",
            ],
        ),
        (
            "LU.fr",
            "fr",
            [
                "Du 1 janvier 2026 au 3 avril 2026 : Règlement (UE) 2021/1232 tel que modifié par le "
                "règlement (UE) 2024/1307, article 8.",
                "Du 31 juillet 2026 au 31 décembre 2026 : Règlement (UE) 2026/1881, article 8 (à confirmer).",
                "Aucun acte n'était applicable du 4 avril au 30 juillet 2026 : le règlement (UE) 2021/1232",
            ],
        ),
    ],
)
def test_the_law_lines_of_2026_speak_the_report_language(public_2026, report, lang, expected):
    """The German and French reports of 2026 state both covered periods and the lapse between
    them in their language with its dates; the English report keeps the English text."""
    from publish.i18n import Translator
    from publish.published import comparability_lines

    html = (public_2026 / "reports" / "2026" / f"{report}.html").read_text(encoding="utf-8")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert all(line in text for line in expected), text
    assert "Not yet translated" not in text and "No act applied" not in text
    assert expected[1] in " ".join(_text(public_2026 / "reports" / "2026" / f"{report}.pdf").split())
    english = (public_2026 / "reports" / "2026" / f"{report[:2]}.html").read_text(encoding="utf-8")
    assert (
        "1 January to 3 April 2026: Regulation (EU) 2021/1232 as amended by Regulation (EU) 2024/1307, "
        "Article 8. 31 July to 31 December 2026: Regulation (EU) 2026/1881, Article 8 (to confirm). "
        "No act applied from 4 April to 30 July 2026"
    ) in " ".join(english.split())
    t = Translator(lang)
    (note,) = comparability_lines(CONTRACT, [2025, 2026], t)
    assert note.startswith(
        "8(a): Ab dem 31. Juli 2026" if lang == "de" else "8(a) : À partir du 31 juillet 2026"
    )
    assert not t.missing
