"""The run context: settings read once and one contract per run, two runs side by side in one
process each under its own contract version, and a contract setting that cannot be used refused
with the setting named."""

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from contracts.contract import CONTRACT_PATH, load_contract
from csa_stats.cli import main
from csa_stats.run import Run
from csa_stats.settings import SettingInvalid, get_settings, read_settings
from tests.e2e.test_legal_basis import successor_contract
from tests.helpers import metadata, observations


def _landed_2029(landing):
    """AT's 2029 figures, due under the fictitious successor act only."""
    doc = {"metadata": metadata(year=2029), "observations": observations()}
    doc["metadata"].update(
        ref_period_start="2029-01-01", ref_period_end="2029-12-31", legal_basis="32099R0001"
    )
    for o in doc["observations"]:
        o["time_period"] = 2029
    path = landing / "AT" / "ART8_AT_2029_R1.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _ingest_and_track(run: Run) -> dict:
    from csa_stats.steps.collection import ingest_all
    from warehouse import db, queries

    with run.active():
        (result,) = ingest_all([(str(_landed_2029(run.settings.landing)), "AT")])
        with db.reader(run.settings.warehouse) as con:
            (version,) = con.execute("SELECT contract_version FROM submission").fetchone()
            tracker = queries.tracker(con, 2029, run.settings.deadline_for(2029))  # as `status --year`
            (tracked,) = [t for t in tracker if t["geo"] == "AT"]
    return {"status": result["status"], "version": version, "tracked": tracked}


def test_two_runs_side_by_side_each_judge_store_and_track_under_their_own_contract(tmp_path, monkeypatch):
    monkeypatch.setenv("CSA_TODAY", "2030-03-01")
    runs = []
    for name, contract in (
        ("built-in", load_contract(CONTRACT_PATH)),
        ("successor", successor_contract(tmp_path)),
    ):
        monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / name))
        runs.append(Run(read_settings(), contract))
    with ThreadPoolExecutor(2) as pool:  # at the same time, in one process
        built_in, successor = pool.map(_ingest_and_track, runs)
    # 2029 is covered by no act the built-in version knows: rejected, and the year is not due
    assert (built_in["status"], built_in["version"]) == ("rejected", load_contract().version)
    assert built_in["tracked"]["legal_bases"] is None and built_in["tracked"]["status"] == "not due"
    # the successor's act covers it: accepted under that version, due under that act by its deadline
    assert (successor["status"], successor["version"]) == ("accepted", "2.99.0")
    assert successor["tracked"]["legal_bases"] == "32099R0001"
    assert successor["tracked"]["deadlines"] == "32099R0001 2030-06-30"
    assert successor["tracked"]["status"] == "on time"
    assert load_contract() is load_contract(CONTRACT_PATH), "outside a run: the built-in contract"


def test_a_run_reads_its_settings_once(tmp_path, monkeypatch):
    monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "first"))
    with Run.start().active():
        monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "second"))
        assert get_settings().data_dir == tmp_path / "first"
    assert get_settings().data_dir == tmp_path / "second"


def test_the_contract_setting_runs_a_command_under_another_version(tmp_path, monkeypatch, capsys):
    successor_contract(tmp_path)  # written to tmp_path/article8.odcs.yaml
    monkeypatch.setenv("CSA_CONTRACT", str(tmp_path / "article8.odcs.yaml"))
    monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CSA_TODAY", "2030-03-01")
    assert main(["ingest", str(_landed_2029(tmp_path / "data" / "landing").parents[1])]) == 0
    assert "accepted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, says",
    [
        (
            lambda path: path.write_text("version: [", encoding="utf-8"),
            "not a contract this version can read",
        ),
        (lambda path: path.unlink(), "not a contract this version can read"),
        (
            lambda path: path.write_text(
                path.read_text(encoding="utf-8").replace("EU27_2020", "EU28"), encoding="utf-8"
            ),
            "changes the codes of the EU aggregate or of confidentiality",
        ),
    ],
)
def test_a_contract_setting_that_cannot_be_used_is_refused_naming_it(
    tmp_path, monkeypatch, capsys, change, says
):
    path = tmp_path / "contract.yaml"
    shutil.copy(CONTRACT_PATH, path)
    change(path)
    monkeypatch.setenv("CSA_CONTRACT", str(path))
    monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SettingInvalid, match=says):
        Run.start()
    assert main(["status"]) == 3
    assert f"CSA_CONTRACT is '{path}'" in capsys.readouterr().err
