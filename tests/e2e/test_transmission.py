"""The loop between a national office and the Commission, through the steps both sides call:
sent once per revision into the state's prefix, acknowledged, the verdict read back."""

import json

import pytest

from csa_stats.steps import collection, transmission
from tests.helpers import write_json_submission

PERP = ("PERP_CNV", "_Z", "_Z", "_Z")


def _audit(warehouse, action):
    from warehouse import db

    with db.reader(warehouse) as con:
        return con.execute(
            "SELECT object, detail FROM audit_log WHERE action = ? ORDER BY audit_id", [action]
        ).fetchall()


def _national_warehouse(settings, geo="AT"):
    """A national warehouse holding one load, as the national pipeline leaves it before sending."""
    from csa_stats.steps.national import national_load

    national_load(geo, str(write_json_submission(settings.national_dir / geo / "sources", geo=geo)))
    return settings.national_dir / geo / "warehouse.duckdb"


def test_a_revision_is_sent_once_and_recorded(csa_env, tmp_path):
    warehouse = _national_warehouse(csa_env)
    outbox = write_json_submission(tmp_path / "outbox", geo="AT")
    first = transmission.send_submission("AT", str(outbox))
    landed = csa_env.landing / "AT" / outbox.name
    assert first["uploaded"] and landed.read_bytes() == outbox.read_bytes()
    again = transmission.send_submission("AT", str(outbox))  # a retry after the upload succeeded
    assert not again["uploaded"] and again["sent_at"] == first["sent_at"]
    ((name, detail),) = _audit(warehouse, "send")
    assert name == outbox.name and json.loads(detail)["sha256"] == first["sha256"]
    assert [p.name for p in landed.parent.iterdir()] == [outbox.name]  # no temporary file left


def test_an_upload_that_failed_is_retried_and_one_found_whole_is_only_recorded(
    csa_env, tmp_path, monkeypatch
):
    warehouse = _national_warehouse(csa_env)
    outbox = write_json_submission(tmp_path / "outbox", geo="AT")
    real_write = transmission._write

    def broken(target, data):
        raise OSError("connection reset")

    monkeypatch.setattr(transmission, "_write", broken)
    with pytest.raises(OSError, match="connection reset"):
        transmission.send_submission("AT", str(outbox))
    assert _audit(warehouse, "send") == [] and not (csa_env.landing / "AT" / outbox.name).exists()
    monkeypatch.setattr(transmission, "_write", real_write)
    assert transmission.send_submission("AT", str(outbox))["uploaded"]
    # Uploaded, then the task died before its audit entry: the next try only records it.
    other = write_json_submission(tmp_path / "outbox2", geo="AT", revision=2, changes={PERP: 9})
    (csa_env.landing / "AT" / other.name).write_bytes(other.read_bytes())
    assert not transmission.send_submission("AT", str(other))["uploaded"]
    assert [name for name, _ in _audit(warehouse, "send")] == [outbox.name, other.name]


def test_other_bytes_under_a_sent_revision_are_never_overwritten(csa_env, tmp_path):
    _national_warehouse(csa_env)
    transmission.send_submission("AT", str(write_json_submission(tmp_path / "a", geo="AT")))
    changed = write_json_submission(tmp_path / "b", geo="AT", changes={PERP: 9})
    with pytest.raises(transmission.TransmissionConflict, match="never overwritten.*new revision"):
        transmission.send_submission("AT", str(changed))


def test_receipts_say_received_then_the_verdict_and_the_office_reads_it(csa_env, tmp_path):
    _national_warehouse(csa_env)
    first = transmission.send_submission("AT", str(write_json_submission(tmp_path / "r1", geo="AT")))
    feedback = transmission.feedback_root()
    assert transmission.read_receipt(first, feedback) is None
    assert "not received by the Union yet" in transmission.describe(first, None)
    collection.ingest(str(csa_env.landing / "AT" / first["file"]), sender="AT")
    receipt = transmission.read_receipt(first, feedback)
    assert receipt["status"] == "accepted" and receipt["sha256"] == first["sha256"]
    assert receipt["submission_id"].startswith("AT-2023-R1-") and receipt["findings"] == []
    transmission.record_verdict(first, receipt)

    # A second revision: accepted, and the first one's receipt now says superseded, by it.
    r2 = write_json_submission(tmp_path / "r2", geo="AT", revision=2, changes={PERP: 9})
    second = transmission.send_submission("AT", str(r2))
    collection.ingest(str(csa_env.landing / "AT" / second["file"]), sender="AT")
    new, old = (transmission.read_receipt(s, feedback) for s in (second, first))
    assert new["status"] == "accepted" and old["status"] == "superseded"
    assert old["superseded_by"] == new["submission_id"]
    transmission.record_verdict(second, new)
    lines = transmission.transmissions("AT")
    assert len(lines) == 2 and all("; accepted on" in line for line in lines)


def test_a_rejected_file_comes_back_with_its_findings(csa_env, tmp_path):
    _national_warehouse(csa_env)
    collection.ingest(str(write_json_submission(tmp_path / "other", geo="AT", changes={PERP: 9})))
    sent = transmission.send_submission("AT", str(write_json_submission(tmp_path / "r1", geo="AT")))
    collection.ingest(str(csa_env.landing / "AT" / sent["file"]), sender="AT")
    receipt = transmission.read_receipt(sent, transmission.feedback_root())
    assert receipt["status"] == "rejected" and receipt["errors"] == 1
    assert receipt["findings"][0]["rule"] == "L2_REVISION_TAKEN"
    with pytest.raises(transmission.SubmissionRejected, match="rejected on .*L2_REVISION_TAKEN at"):
        transmission.record_verdict(sent, receipt)
    (line,) = transmission.transmissions("AT")
    assert "; rejected on" in line and "L2_REVISION_TAKEN at" in line
