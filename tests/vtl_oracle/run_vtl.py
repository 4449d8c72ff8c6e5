"""Run VTL programs with vtlengine, one job a line; print each check's invalid data points.

Runs in the oracle's own environment (see pyproject.toml here), never imported by the project.
It stays up for a whole test session (vtlengine takes seconds to import).
stdin, a line per job:
  {"program": VTL, "dataset": name, "components": [[id, role, type]...], "rows": [[...]...]}
stdout, a line per job: {check name: [{identifier: value}...]} for every persistent (<-) result.
"""

import json
import sys

import pandas as pd
from vtlengine import run

TYPES = {"Integer": "Int64", "String": "string"}


def answer(job: dict) -> dict:
    components = job["components"]
    structure = {
        "datasets": [
            {
                "name": job["dataset"],
                "DataStructure": [
                    {"name": cid, "role": role, "type": kind, "nullable": role != "Identifier"}
                    for cid, role, kind in components
                ],
            }
        ]
    }
    data = pd.DataFrame(job["rows"], columns=[c[0] for c in components])
    data = data.astype({cid: TYPES[kind] for cid, _role, kind in components})
    results = run(script=job["program"], data_structures=structure, datapoints={job["dataset"]: data})
    identifiers = {cid for cid, role, _kind in components if role == "Identifier"}
    return {
        name: [{k: v for k, v in row.items() if k in identifiers} for row in result.data.to_dict("records")]
        for name, result in results.items()
    }


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(answer(json.loads(line)), default=str), flush=True)


if __name__ == "__main__":
    main()
