"""Adding a format touches one module: a TSV format defined here, from the shared pieces only, and
put in the registry for the test, is detected, read, judged, stored and written through the public
entry points that every other format goes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.contract import load_contract
from csa_stats.cli import main
from tests.helpers import metadata, observations
from transforms.canonical import Finding, Received, Submission
from transforms.formats import registry
from transforms.formats.shared import Format, decode, delimited_rows, long_layout, long_table
from transforms.judge import judge_path
from transforms.readers import detect_format, read_submission
from transforms.safety import Limits
from transforms.writers import write_submission


def _read_tsv(file: Received, limits: Limits) -> Submission:
    findings: list[Finding] = []
    rows = delimited_rows(decode(file.data, "file", findings), "\t", limits)
    return long_table(file, "tsv", rows, findings, limits)


def _write_tsv(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    return long_layout(metadata, rows, path, delimiter="\t")


TSV = Format(name="tsv", suffixes=(".tsv",), read=_read_tsv, write=_write_tsv)


@pytest.fixture
def tsv(monkeypatch):
    monkeypatch.setattr(registry, "FORMATS", [*registry.FORMATS, TSV])


def _rows(geo: str = "AT") -> list[dict]:
    return [dict(o, geo=geo, time_period=2023) for o in observations()]


def test_a_registered_format_is_written_detected_and_read_back(tsv, tmp_path):
    path = tmp_path / "ART8_AT_2023_R1.tsv"
    written = write_submission(metadata(), _rows(), path, "tsv")
    assert written == [path, tmp_path / "ART8_AT_2023_R1.meta.json"]
    assert path.read_text(encoding="utf-8").splitlines()[0].split("\t")[:2] == ["geo", "time_period"]
    assert detect_format(Received.from_path(path)) == "tsv"
    submission = read_submission(path)
    assert submission.format == "tsv" and submission.findings == []
    assert submission.metadata["contact"] == "stats@example.org"
    by_key = {tuple(r[k] for k in ("indicator", "sex", "reporter", "service")): r for r in submission.rows()}
    assert {k: r["obs_value"] for k, r in by_key.items()} == {
        tuple(r[k] for k in ("indicator", "sex", "reporter", "service")): r["obs_value"] for r in _rows()
    }


def test_a_registered_format_is_judged_with_its_places(tsv, tmp_path):
    path = tmp_path / "ART8_AT_2023_R1.tsv"
    write_submission(metadata(), _rows(), path, "tsv")
    assert judge_path(path, Limits(), load_contract()).accepted
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("\tPROVIDER\t", "\tROBOT\t", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    verdict = judge_path(path, Limits(), load_contract())
    assert not verdict.accepted and verdict.report.format == "tsv"
    assert ("L0_CODE_LIST", "row 4", "reporter", "ROBOT") in {
        (i.rule, i.location, i.field, i.value) for i in verdict.report.issues
    }


def test_a_registered_format_goes_through_validate_and_ingest(tsv, tmp_path, csa_env, capsys):
    from warehouse import loader

    path = tmp_path / "AT" / "ART8_AT_2023_R1.tsv"
    write_submission(metadata(), _rows(), path, "tsv")
    assert main(["validate", str(path)]) == 0
    assert "ART8_AT_2023_R1.tsv" in capsys.readouterr().out
    result = loader.ingest_file(path, csa_env)
    assert result.status == "accepted" and result.report.format == "tsv"


def test_the_registry_names_what_a_submission_may_be(tsv, tmp_path):
    assert registry.suffixes() == [".xlsx", ".csv", ".json", ".tsv"]
    (finding,) = read_submission(_file(tmp_path / "ART8_AT_2023_R1.txt")).findings
    assert finding.params["detail"] == "the file is not a submission (.xlsx, .csv, .json or .tsv)"


def test_without_its_entry_the_format_is_not_a_submission(tmp_path):
    path = tmp_path / "ART8_AT_2023_R1.tsv"
    with pytest.raises(ValueError, match="unknown format 'tsv'; expected one of xlsx, sdmx-csv, csv, json"):
        write_submission(metadata(), _rows(), path, "tsv")
    (finding,) = read_submission(_file(path)).findings
    assert (finding.rule, finding.params["detail"]) == (
        "L0_READABLE",
        "the file is not a submission (.xlsx, .csv or .json)",
    )


def _file(path: Path) -> Path:
    path.write_text("geo\ttime_period\nAT\t2023\n", encoding="utf-8")
    return path
