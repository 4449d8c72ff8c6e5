"""Text from submissions reaches every export and page as inert text: no formulas in CSV or
XLSX, no markup in HTML or PDF."""

import csv
import json
import subprocess

from openpyxl import load_workbook

from csa_stats.steps import collection
from csa_stats.steps import release as release_step
from tests.helpers import metadata, observations

HOSTILE_COMMENT = '=HYPERLINK("http://attacker.example","click")'
HOSTILE_TEXT = "<script>alert('x')</script> <b>bold</b> & <para>"


def _land(folder, geo):
    doc = {
        "metadata": {
            **metadata(geo=geo),
            "national_definitions": HOSTILE_TEXT,
            "reporting_authority": HOSTILE_TEXT,
        },
        "observations": observations(),
    }
    doc["observations"][0]["comment"] = HOSTILE_COMMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"ART8_{geo}_2023_R1.json").write_text(json.dumps(doc), encoding="utf-8")


def _pdf_text(path) -> str:
    """The text a PDF draws, as poppler's pdftotext reads it."""
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_hostile_text_is_neutralised_in_every_output(csa_env):
    for geo in ("AT", "BE"):
        _land(csa_env.landing / geo, geo)  # each state in its own landing prefix
    for path in collection.new_submissions(csa_env):
        assert collection.ingest(path, csa_env)["status"] == "accepted"
    result = release_step.release(2023, settings=csa_env)
    release = csa_env.public / "releases" / "2023" / f"v{result['version']}"

    with open(release / "observations.csv", encoding="utf-8", newline="") as f:
        comments = [r["comment"] for r in csv.DictReader(f) if "HYPERLINK" in r["comment"]]
    assert comments == ["'" + HOSTILE_COMMENT] * 2

    workbook = load_workbook(release / "observations.xlsx")
    try:
        cells = [
            c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None
        ]
        assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula reached the XLSX"
        assert any(str(c.value) == "'" + HOSTILE_COMMENT for c in cells)
    finally:
        workbook.close()

    pages = [p.read_text(encoding="utf-8") for p in csa_env.public.rglob("*.html")]
    assert pages and all("<script>" not in page for page in pages)
    assert any("&lt;script&gt;" in page for page in pages)
    pdfs = list(csa_env.public.rglob("*.pdf"))
    assert pdfs and all("<script>alert" in _pdf_text(p) for p in pdfs), "PDF text became markup"

    reports = [p.read_text(encoding="utf-8") for p in csa_env.reports.rglob("*.validation.html")]
    assert reports and all("<script>" not in page for page in reports)


def test_writers_neutralise_forbidden_characters(tmp_path):
    """Text the contract forbids (control, bidi override, lone surrogate) is U+FFFD in every
    export and in every submission writer: no file fails to write, none carries it."""
    from contracts.contract import load_contract
    from publish.exports import render_exports
    from transforms.readers import read_submission
    from transforms.writers import write_submission

    forbidden = "a\x0bb\x1b[31m\u202ec\ud800d"
    rows = [
        dict(o, geo="AT", time_period=2023, conf_status="F", submission_id="AT-2023-R1-x", comment=forbidden)
        for o in observations()
    ]
    submissions = [{"geo": "AT", "submission_id": "AT-2023-R1-x", "national_definitions": forbidden}]
    contract = load_contract()
    for name, data in render_exports(rows, submissions, 2023).items():
        if name.endswith((".csv", ".json")):
            text = data.decode("utf-8")
            assert contract.forbidden_character(text) is None, name
            assert "\ufffd" in text or name == "datapackage.json", name
    for fmt in ("csv", "json", "xlsx", "sdmx-csv"):
        meta = {**metadata(), "reporting_authority": forbidden}
        suffix = ".xlsx" if fmt == "xlsx" else ".json" if fmt == "json" else ".csv"
        (path, *_) = write_submission(meta, rows, tmp_path / fmt / f"ART8_AT_2023_R1{suffix}", fmt)
        back = read_submission(path)
        assert back.metadata["reporting_authority"] == contract.neutralise(forbidden), fmt
        assert not [f for f in back.findings if f.rule == "L0_CONTROL_CHARACTER"], fmt
