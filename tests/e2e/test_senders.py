"""Each Member State submits into its own landing prefix: a file claiming another state is
rejected and registered under its sender, and never touches the claimed state's figures."""

import json
import logging

from csa_stats.cli import main
from csa_stats.demo import DEMO_FACTS, generate_demo
from csa_stats.steps.collection import new_submissions
from tests.helpers import write_json_submission
from transforms.landing import sender_of, state_submissions
from warehouse import db

PERP = ("PERP_CNV", "_Z", "_Z", "_Z")


def _figures(warehouse, geo: str) -> list[tuple]:
    with db.reader(warehouse) as con:
        return con.execute(
            "SELECT submission_id, indicator, sex, reporter, service, obs_value FROM current_observation "
            "WHERE geo = ? ORDER BY ALL",
            [geo],
        ).fetchall()


def test_a_file_in_ats_prefix_claiming_be_is_rejected_and_be_untouched(csa_env):
    landing = csa_env.landing
    write_json_submission(landing / "BE", geo="BE")
    assert main(["ingest", str(landing)]) == 0
    be_before = _figures(csa_env.warehouse, "BE")
    forged = write_json_submission(landing / "AT", geo="BE", revision=2, changes={PERP: 999})

    assert main(["ingest", str(landing)]) == 2
    assert _figures(csa_env.warehouse, "BE") == be_before
    with db.reader(csa_env.warehouse) as con:
        (sid, geo, status, report) = con.execute(
            "SELECT submission_id, geo, status, report FROM submission WHERE revision = 2"
        ).fetchone()
        (detail,) = con.execute(
            "SELECT detail FROM audit_log WHERE action = 'ingest' AND object = ?", [sid]
        ).fetchone()
        archived = con.execute("SELECT original_name FROM raw_file WHERE original_name = ?", [forged.name])
        assert archived.fetchall() == [(forged.name,)]
    assert (geo, status) == ("AT", "rejected") and sid.startswith("AT-2023-R2-")
    (issue,) = [i for i in json.loads(report)["issues"] if i["rule"] == "L0_SENDER_MISMATCH"]
    assert "'BE'" in issue["message"] and "'AT'" in issue["message"] and issue["severity"] == "error"
    detail = json.loads(detail)
    assert (detail["sender"], detail["claimed_geo"]) == ("AT", "BE")
    # The feedback goes back to the sender's prefix, not to the state the file claims.
    assert list((csa_env.reports / "AT").glob(f"{sid}.validation.*"))
    assert not list((csa_env.reports / "BE").glob("*R2*"))


def test_a_revision_is_accepted_from_its_own_states_prefix(csa_env):
    write_json_submission(csa_env.landing / "BE", geo="BE")
    write_json_submission(csa_env.landing / "BE", geo="BE", revision=2, changes={PERP: 5})
    assert main(["ingest", str(csa_env.landing)]) == 0
    assert {r[0].split("-")[2] for r in _figures(csa_env.warehouse, "BE")} == {"R2"}


def test_the_old_flat_layout_is_refused_with_how_to_move(csa_env, capsys, caplog):
    flat = write_json_submission(csa_env.landing, geo="AT")
    write_json_submission(csa_env.landing / "LU", geo="LU")

    assert main(["ingest", str(csa_env.landing)]) == 3
    err = capsys.readouterr().err
    assert flat.name in err and "old flat layout" in err and f"{csa_env.landing}/AT/" in err
    assert _figures(csa_env.warehouse, "AT") == [] and _figures(csa_env.warehouse, "LU")
    with caplog.at_level(logging.ERROR):
        assert new_submissions(csa_env) == []  # LU is loaded; the flat AT file is not collected
    assert "old flat layout" in caplog.text and flat.name in caplog.text


def test_an_operator_names_the_sender_of_files_outside_the_landing(csa_env, tmp_path):
    received = write_json_submission(tmp_path / "by-mail", geo="LU")
    assert main(["ingest", "--sender", "MT", str(received)]) == 2
    assert _figures(csa_env.warehouse, "LU") == []
    assert main(["ingest", "--sender", "LU", str(received.parent)]) == 0
    assert _figures(csa_env.warehouse, "LU")


def test_the_demo_lands_each_state_in_its_own_prefix(tmp_path):
    revised_geo, revised_year = DEMO_FACTS.revised
    written = generate_demo(tmp_path / "landing", geos=["AT", revised_geo], revisions_dir=tmp_path / "rev")
    assert written and all(p.parent.name == p.name.split("_")[1] for p in written)
    assert {sender_of(p) for p in state_submissions(tmp_path / "landing")} == {"AT", revised_geo}
    (revision,) = state_submissions(tmp_path / "rev")
    assert revision.name.startswith(f"ART8_{revised_geo}_{revised_year}_R2")
