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
