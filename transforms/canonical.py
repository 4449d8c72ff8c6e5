"""The canonical Article 8 submission: metadata plus the long table of observations.

Readers of every format produce a `Submission`; validation, the warehouse and the
writers only ever see this shape. Values stay as the reader found them where they could
not be typed, so validation can report every problem with its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path


@dataclass
class Observation:
    values: dict  # canonical column -> value (int for obs_value, str otherwise, None if empty)
    location: str  # where it was read: "sheet '8(a) Reports', row 5" / "row 12" / "$.observations[3]"


@dataclass
class Finding:
    """A problem noticed while reading (before validation), turned into a report issue later."""

    rule: str
    location: str
    field: str | None = None
    value: object = None
    params: dict = _field(default_factory=dict)


@dataclass
class Submission:
    source: Path
    format: str  # xlsx | csv | json | sdmx-csv
    metadata: dict
    observations: list[Observation]
    findings: list[Finding] = _field(default_factory=list)
    metadata_where: str = "metadata field '{field}'"  # how to name the place of a metadata field
    metadata_locations: dict[str, str] = _field(default_factory=dict)  # field -> place, where known

    def metadata_location(self, name: str) -> str:
        return self.metadata_locations.get(name) or self.metadata_where.format(field=name)

    @property
    def geo(self) -> str | None:
        return self.metadata.get("geo")

    @property
    def time_period(self) -> int | None:
        value = self.metadata.get("time_period")
        return value if isinstance(value, int) else None

    @property
    def revision(self) -> int:
        value = self.metadata.get("revision")
        return value if isinstance(value, int) else 1

    def rows(self) -> list[dict]:
        return [o.values for o in self.observations]


def name_metadata(path: Path) -> dict:
    """Geo, year and revision from a file named by the contract's pattern: a fallback only."""
    from contracts.contract import load_contract

    return load_contract().name_parts(Path(path).name)
