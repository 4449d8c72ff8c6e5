"""Confidentiality belongs to the data owner: a figure a Member State sends as confidential
is never published, by any release, version, file, page, report or the catalogue; only a
later submission of that state decides otherwise for its figures."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

import duckdb

from contracts.contract import load_contract
from publish.catalog import write_catalog
from publish.disclosure import series_key
from publish.release import build_release
from publish.site import build_site
from tests.helpers import FIGURES, metadata, observations
from tests.publish.builders import PERP, YEAR, all_states, submission
from tests.publish.test_publish_attacker import assert_protected
from transforms.writers import EXTENSIONS, write_submission

C = load_contract()
MESSAGING = ("REP_LEA", "_Z", "PROVIDER", "MESSAGING")
EMAIL = ("REP_LEA", "_Z", "PROVIDER", "EMAIL")
BASE = "https://example.org/csa-stats"


LINKED = ("PERP_CNV_LNK", "_Z", "_Z", "_Z")


def flagged_figures(secret: int) -> dict:
    """Consistent figures whose messaging count is `secret` (a number found nowhere else), beside
    an e-mail count (a fifth of it) large enough to keep it open by its protection level."""
    return {
        MESSAGING: secret,
        EMAIL: secret // 5,
        ("REP_LEA", "_Z", "PROVIDER", "TOTAL"): secret + secret // 5 + 10,
        ("REP_LEA", "_Z", "TOTAL", "TOTAL"): total(secret),
    }


def total(secret: int) -> int:
    return secret + secret // 5 + 30


def published_text(public: Path) -> str:
    """Everything under the public folder as text: XLSX unzipped, Parquet read back, PDF
    streams inflated, so that a number is found in whatever file carries it."""
    texts = []
    for path in sorted(p for p in public.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        elif path.suffix == ".parquet":
            texts.append(str(duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()))
        elif path.suffix == ".pdf":
            for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
                try:
                    texts.append(zlib.decompress(stream).decode("latin-1"))
                except zlib.error:
                    texts.append(stream.decode("latin-1"))
        else:
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def appears(number: int, text: str) -> bool:
    return re.search(rf"(?<![\d.,]){number:,}(?![\d,])|(?<![\d.,]){number}(?![\d])", text) is not None


def test_a_flag_sent_in_every_format_is_kept_by_the_warehouse_and_published_nowhere(csa_env):
    from csa_stats.steps import collection, release

    # Numbers no PDF font table holds by chance (its width and offset tables list 4-digit numbers).
    secrets = {
        "AT": ("csv", 471_131),
        "LU": ("json", 581_343),
        "MT": ("sdmx-csv", 691_757),
        "EE": ("xlsx", 791_939),
    }
    for geo, (fmt, secret) in secrets.items():
        rows = [dict(o, geo=geo, time_period=YEAR) for o in observations(flagged_figures(secret))]
        for row in rows:
            row["conf_status"] = "C" if series_key(row) == MESSAGING else None
        path = csa_env.landing / f"ART8_{geo}_{YEAR}_R1{EXTENSIONS[fmt]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_submission(metadata(geo, YEAR), rows, path, fmt)
        result = collection.ingest(str(path), csa_env)
        assert result["status"] == "accepted", result
        report = (csa_env.reports / geo).glob("*.json")
        assert any("L1_CONFIDENTIAL" in p.read_text() for p in report), f"{fmt}: not reported"
    release.release(YEAR, settings=csa_env)
    for geo in secrets:
        release.release(YEAR, geo=geo, settings=csa_env)
    release.publish_index(csa_env)
    text = published_text(csa_env.public)
    for geo, (fmt, secret) in secrets.items():
        assert appears(total(secret), text), f"{geo} ({fmt}): its total is not found"  # the scan works
        assert not appears(secret, text), f"{geo} ({fmt}): {secret} published"


def test_a_flag_survives_every_later_version_until_the_state_itself_lifts_it(tmp_path):
    """v1; v2 after another state's revision (the flag stays); v3 after the owner's own
    revision without it (published): the attacker narrows nothing across the three."""
    secret = 48_917
    figures = {geo.lower(): dict(FIGURES) for geo in C.code_lists["geo"]}
    figures["at"].update(flagged_figures(secret))
    figures["mt"][PERP], figures["lu"][PERP] = 1, 2
    figures["mt"][LINKED], figures["lu"][LINKED] = 1, 2  # of which linked: never above the total
    rows = all_states(**figures)
    for row in rows:
        if row["geo"] == "AT" and series_key(row) == MESSAGING:
            row["conf_status"] = "C"
    submissions = [submission(geo) for geo in C.code_lists["geo"]]
    build_release(rows, submissions, YEAR, tmp_path)
    build_release([r for r in rows if r["geo"] == "AT"], submissions[:1], YEAR, tmp_path, geo="AT")

    for row in rows:  # NL revises its figures: the release gets v2
        if row["geo"] == "NL":
            row["submission_id"] = f"NL-{YEAR}-R2"
            row["obs_value"] += series_key(row) == PERP
    second = build_release(rows, submissions, YEAR, tmp_path)
    assert second.version == 2
    write_catalog(tmp_path, BASE)
    build_site(tmp_path)
    assert not appears(secret, published_text(tmp_path))
    owner = {("AT", MESSAGING): secret}  # kept open by max(3, 10 % of it) on each side
    root = tmp_path / "releases" / str(YEAR)
    assert assert_protected(root, root / "AT", owner=owner) >= 3

    for row in rows:  # AT's own revision, without the flag: the owner lifts it
        if row["geo"] == "AT":
            row["submission_id"], row["conf_status"] = f"AT-{YEAR}-R2", None
    third = build_release(rows, submissions, YEAR, tmp_path)
    assert third.version == 3
    lifted = next(c for c in third.changes if c.geo == "AT" and c.key == MESSAGING)
    assert (lifted.old, lifted.new) == ("confidential (C)", str(secret))
    assert assert_protected(tmp_path / "releases" / str(YEAR)) >= 3
