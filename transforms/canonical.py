"""The canonical Article 8 submission: metadata plus the long table of observations.

Readers of every format produce a `Submission`; validation, the warehouse and the
writers only ever see this shape. Values stay as the reader found them where they could
not be typed, so validation can report every problem with its place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path

SIDE_FILE = ".meta.json"  # the metadata side file of a CSV or SDMX-CSV file, beside it


@dataclass(frozen=True)
class Received:
    """A file as it arrived, what the judge reads: its name, its bytes and those of its metadata
    side file (read once: what is judged is what is archived), and the state whose landing prefix
    it came from (None: an operator's file, taken as it says)."""

    name: str
    data: bytes
    side_file: bytes | None = None
    sender: str | None = None
    side_file_refused: str | None = None  # why the side file in its place was not read

    @classmethod
    def from_path(cls, path: Path, sender: str | None = None) -> Received:
        """Read without blocking or, for the side file, following a link: a named pipe or device
        raises NotRegular (an OSError); a side file that is a link or pipe is refused unread."""
        from transforms.files import read_regular
        from transforms.senders import FILE, KIND_REASONS, MISSING, entry_kind

        path = Path(path)
        side = path.with_suffix(SIDE_FILE)
        kind = entry_kind(side) if side != path else MISSING
        side_data = read_regular(side, follow=False) if kind == FILE else None
        refused = KIND_REASONS.get(kind, "a folder") if kind not in (FILE, MISSING) else None
        return cls(path.name, read_regular(path), side_data, sender, refused)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def side_file_digest(self) -> str | None:
        return None if self.side_file is None else hashlib.sha256(self.side_file).hexdigest()

    @property
    def checksum(self) -> str:
        """The received content as reports name it: the file's SHA-256, and its side file's."""
        side = self.side_file_digest
        return self.digest if side is None else f"{self.digest} (side file {side})"

    @property
    def side_file_name(self) -> str:
        return Path(self.name).with_suffix(SIDE_FILE).name

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


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
    format: str  # a name in transforms.formats.registry (xlsx, csv, json, sdmx-csv) or 'unknown'
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
