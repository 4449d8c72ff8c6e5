"""The GX suite derived from the contract passes good figures and names what is wrong."""

import pandas as pd

from contracts.contract import load_contract
from tests.helpers import observations


def _frame():
    return pd.DataFrame([dict(o, geo="AT", time_period=2023, conf_status=None) for o in observations()])


def test_suite_has_an_expectation_for_every_code_list_column():
    from contracts.gx_suite import expectations

    in_set = {e.column for e in expectations() if type(e).__name__ == "ExpectColumnValuesToBeInSet"}
    assert in_set == {f.name for f in load_contract().observation_fields if f.code_list}


def test_good_figures_pass_and_bad_ones_are_named(tmp_path):
    from contracts.gx_suite import check_frame

    good = check_frame(_frame(), docs_dir=tmp_path / "docs")
    assert good.success and good.failed == [] and good.docs.exists()
    bad = check_frame(_bad())
    assert not bad.success
    failed = {(f["expectation"], f["column"]) for f in bad.failed}
    assert ("expect_column_values_to_be_in_set", "sex") in failed
    assert ("expect_column_values_to_be_between", "obs_value") in failed


def _bad():
    frame = _frame()
    frame.loc[0, "sex"] = "X"
    frame.loc[1, "obs_value"] = -5
    return frame
