"""The judge: one pure function from a received file (bytes, name, sender) to its verdict."""

import json

from contracts.contract import load_contract
from tests.helpers import metadata, observations
from transforms.history import History
from transforms.judge import Received, judge, judge_path
from transforms.safety import Limits

C = load_contract()


def _received(geo: str = "AT", sender: str | None = None, name: str = "sub.json") -> Received:
    doc = {"metadata": metadata(geo=geo), "observations": observations()}
    return Received(name, json.dumps(doc).encode(), None, sender)


def test_a_valid_file_gets_an_accepted_verdict_with_its_canonical_rows():
    verdict = judge(_received(), Limits(), C)
    assert verdict.accepted and verdict.report.issues == []
    assert len(verdict.rows()) == len(C.series_keys())
    assert verdict.submission_id(C, "ab" * 32).startswith("AT-2023-R1-abababab")


def test_the_sender_rule_is_fired_by_the_judge_and_the_file_stays_the_senders():
    verdict = judge(_received(geo="LU", sender="AT"), Limits(), C)
    assert [(i.rule, i.value, i.expected) for i in verdict.report.issues] == [
        ("L0_SENDER_MISMATCH", "LU", "AT")
    ]
    assert verdict.status == "rejected"
    assert verdict.report.geo == "LU" and verdict.submission.geo == "AT"


def test_history_is_asked_for_the_state_and_year_the_file_claims():
    asked = []

    def history(geo, year):
        asked.append((geo, year))
        return History(revisions={1: "an earlier file"})

    verdict = judge(_received(), Limits(), C, history)
    assert asked == [("AT", 2023)]
    assert [i.rule for i in verdict.report.issues] == ["L2_REVISION_TAKEN"]


def test_a_file_that_breaks_the_judging_gets_a_verdict_of_its_own():
    def broken(geo, year):
        raise RuntimeError("no rule foresaw this")

    verdict = judge(_received(), Limits(), C, broken)
    assert [i.rule for i in verdict.report.issues] == ["L0_NOT_JUDGED"]
    assert isinstance(verdict.failure, RuntimeError)


def test_a_file_that_cannot_be_read_from_disk_is_unreadable(tmp_path):
    verdict = judge_path(tmp_path / "gone.csv", Limits(), C)
    assert [i.rule for i in verdict.report.issues] == ["L0_READABLE"]
    assert not verdict.report.readable
