"""SDMX-CSV 2.0 of the contract's dataflow: a CSV file whose first line starts with STRUCTURE, its
columns the components of the published structure, its metadata in the .meta.json side file.
Reading needs only the structure's ids (contracts/sdmx_layout.py); writing uses pysdmx."""

from __future__ import annotations

from pathlib import Path

from transforms import values
from transforms.canonical import Finding, Observation, Received, Submission
from transforms.formats.shared import (
    OPTIONAL_FIELDS,
    Format,
    csv_rows,
    first_line,
    side_file,
    table,
    with_side_file,
)
from transforms.safety import Limits

SDMX_PREFIX = ("STRUCTURE", "STRUCTURE_ID", "ACTION")


def starts_with_structure(data: bytes) -> bool:
    return first_line(data).upper().lstrip("\ufeff").startswith("STRUCTURE")


def read(file: Received, limits: Limits) -> Submission:
    """The structure columns of each row, then the data sets, then our checks of the values as the
    file gives them."""
    from contracts.sdmx_layout import FREQ, layout

    sdmx = layout()
    findings: list[Finding] = []
    records = csv_rows(file, findings, limits)
    optional = [sdmx.component_of[f] for f in OPTIONAL_FIELDS]
    submitted = [c for c in sdmx.components if c not in sdmx.release_only]  # no EU sum, no unit
    columns = [*SDMX_PREFIX, *(c for c in submitted if c not in optional)]
    mapped = table(records, columns, findings, optional)
    for loc, raw in mapped:
        _check_structure_columns(loc, raw, sdmx, findings)
        if raw.get(FREQ, "").strip() not in sdmx.frequencies:
            findings.append(Finding("L0_CODE_LIST", loc, FREQ, raw.get(FREQ), {"codelist": "CL_FREQ"}))
    if not any(f.rule in ("L0_SDMX_STRUCTURE", "L0_DUPLICATE_COLUMN") for f in findings):
        mapped = list(zip([loc for loc, _ in mapped], _data_rows(records), strict=True))
    observations, field_of = [], sdmx.field_of
    for loc, raw in mapped:
        fields = {f: sdmx.contract_code(c, raw.get(c)) for c, f in field_of.items() if c in raw}  # _T or T
        observations.append(Observation(values.typed_observation(fields, loc, findings), loc))
    values.settle_separators(observations, findings)
    return with_side_file(file, "sdmx-csv", observations, findings, limits)


def _data_rows(records: list[list[str]]) -> list[dict[str, str]]:
    """The data rows, a short row's missing cells empty. A data set (the rows of one STRUCTURE and
    STRUCTURE_ID) has one ACTION in SDMX-CSV 2.0: a mix is unreadable (pysdmx refuses it too)."""
    header = [h.strip() for h in records[0]]
    rows = [dict(zip(header, (r + [""] * len(header))[: len(header)], strict=True)) for r in records[1:]]
    rows = [row for row in rows if any(c.strip() for c in row.values())]
    actions: dict[str, set] = {}
    for row in rows:
        actions.setdefault(f"{row['STRUCTURE']} {row['STRUCTURE_ID']}", set()).add(row["ACTION"])
    for data_set, found in actions.items():
        if len(found) > 1:
            raise ValueError(f"as SDMX-CSV 2.0: the data set {data_set} has several actions {sorted(found)}")
    return rows


def _check_structure_columns(loc: str, raw: dict, sdmx, findings: list[Finding]) -> None:
    """STRUCTURE names a dataflow, STRUCTURE_ID ours at the same major version, ACTION one of
    SDMX's actions."""
    from contracts.sdmx_layout import ACTIONS

    *first, last = ACTIONS
    checks = (
        ("STRUCTURE", "dataflow", lambda v: v == "dataflow"),
        ("STRUCTURE_ID", sdmx.structure_id, sdmx.same_major),
        ("ACTION", f"{', '.join(first)} or {last}", lambda v: v in ACTIONS),
    )
    for field, expected, ok in checks:
        value = raw.get(field)
        if value is None or not ok(value):  # as pysdmx reads it: no space around
            findings.append(Finding("L0_SDMX_STRUCTURE", loc, field, value, {"expected": expected}))


def write(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    # ACTION R tells the receiver a revision replaces the figures it already has.
    action = "R" if (metadata.get("revision") or 1) > 1 else "I"
    from contracts.sdmx import write_sdmx_csv  # pysdmx and pandas: only for SDMX-CSV

    path.write_text(write_sdmx_csv(rows, action), encoding="utf-8")
    return [path, side_file(metadata, path)]


def column(field: str) -> str:
    """SDMX-CSV headers are component ids."""
    from contracts.sdmx_layout import layout

    return layout().column(field)


SDMX_CSV = Format(
    name="sdmx-csv", suffixes=(".csv",), read=read, write=write, sniff=starts_with_structure, column=column
)
