"""The site in a real headless browser (Debian's chromium driven by Playwright).

Every page loads without console errors, every chart is drawn with a non-zero size, and
every link resolves (HTTP 200 from the local server, PDFs and release files included).
"""

from __future__ import annotations

import functools
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import sync_playwright

from csa_stats.steps import collection, release
from publish.catalog import write_catalog
from publish.site import build_site
from tests.publish.builders import BASE, PERP, YEAR, child, state_rows, submission
from transforms.landing import landed_files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site(tmp_path):
    """A public folder with two years (2023 in two versions) served on 127.0.0.1."""
    from publish.release import build_release

    for year, changes in ((YEAR - 1, {}), (YEAR, {child("F"): 1}), (YEAR, {PERP: 45})):
        rows = [
            dict(row, time_period=year, submission_id=row["submission_id"].replace(str(YEAR), str(year)))
            for geo in ("AT", "MT", "LU")
            for row in state_rows(geo, changes if geo == "MT" else None)
        ]
        build_release(rows, [dict(submission(g), geo=g) for g in ("AT", "MT", "LU")], year, tmp_path)
    write_catalog(tmp_path, BASE)
    build_site(tmp_path)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", tmp_path
    server.shutdown()
    server.server_close()


def test_every_page_loads_draws_its_charts_and_every_link_resolves(site):
    root, public = site
    pages = ["index.html", "methodology.html", f"{YEAR - 1}.html", f"{YEAR}.html"]
    assert all((public / page).exists() for page in pages)
    errors, links, charts = [], set(), {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for name in pages:
            response = page.goto(root + name)
            assert response is not None and response.status == 200, name
            charts[name] = [
                box for box in (svg.bounding_box() for svg in page.query_selector_all("svg.chart"))
            ]
            bars = page.query_selector_all("svg.chart rect")
            charts[name + " bars"] = [b.bounding_box() for b in bars]
            links |= {
                urljoin(root + name, a.get_attribute("href")) for a in page.query_selector_all("a[href]")
            }
        browser.close()
    assert errors == []
    assert len(charts[f"{YEAR}.html"]) == 3 and len(charts["index.html"]) == 1
    for boxes in charts.values():
        assert all(box and box["width"] > 0 and box["height"] > 0 for box in boxes)
    assert len(charts[f"{YEAR}.html bars"]) >= 9
    local = {link.split("#")[0] for link in links if urlparse(link).netloc == urlparse(root).netloc}
    assert local == {link.split("#")[0] for link in links}, "the site links only to itself"
    assert any(link.endswith("/MT.pdf") for link in local)
    assert any(link.endswith(f"/{YEAR}/v1/observations.parquet") for link in local)
    for link in sorted(local):
        with urllib.request.urlopen(link) as response:
            assert response.status == 200, link


def test_a_release_through_the_job_rebuilds_catalog_and_site(csa_env, tmp_path):
    """release.release publishes, then rebuilds catalog.ttl, catalog.jsonld and the pages."""
    from tests.helpers import write_json_submission

    write_json_submission(csa_env.landing, "AT", YEAR)
    write_json_submission(csa_env.landing, "MT", YEAR, changes={child("F"): 1, child("M"): 8, child("T"): 10})
    for path in landed_files(csa_env.landing):
        assert collection.ingest(str(path), csa_env)["status"] == "accepted"
    dry = release.release(YEAR, dry_run=True, settings=csa_env)
    assert dry["created"] is False and not (csa_env.public / "index.html").exists()
    result = release.release(YEAR, settings=csa_env)
    assert result["created"] and result["version"] == 1
    for name in ("catalog.ttl", "catalog.jsonld", "index.html", f"{YEAR}.html", "methodology.html"):
        assert (csa_env.public / name).exists(), name
    assert (csa_env.public / "reports" / str(YEAR) / "MT.pdf").read_bytes().startswith(b"%PDF")
    page = (csa_env.public / f"{YEAR}.html").read_text()
    assert "releases/2023/v1/observations.csv" in page
    assert Path(csa_env.public / "releases" / str(YEAR) / "v1" / "SHA256SUMS").read_text().split()[0] in page


def test_cli_dry_run_names_the_figures_a_revision_would_change(csa_env, capsys):
    from csa_stats.cli import main
    from tests.helpers import write_json_submission

    write_json_submission(csa_env.landing, "AT", YEAR)
    collection.ingest(str(landed_files(csa_env.landing)[0]), csa_env)
    assert main(["release", "--year", str(YEAR), "--dry-run"]) == 0
    assert "would publish v1" in capsys.readouterr().out
    assert main(["release", "--year", str(YEAR)]) == 0
    revision = write_json_submission(csa_env.landing, "AT", YEAR, revision=2, changes={PERP: 7})
    assert collection.ingest(str(revision), csa_env)["status"] == "accepted"
    assert main(["release", "--year", str(YEAR), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would publish v2" in out and "- AT PERP_CNV/_Z/_Z/_Z: 4 -> 7 (submission" in out
    assert not (csa_env.public / "releases" / str(YEAR) / "v2").exists()
    assert main(["release", "--year", str(YEAR)]) == 0
    changelog = (csa_env.public / "releases" / str(YEAR) / "v2" / "CHANGELOG.md").read_text()
    assert "- AT PERP_CNV/_Z/_Z/_Z: 4 -> 7 (submission" in changelog
    assert main(["release", "--year", str(YEAR), "--dry-run"]) == 0
    assert "nothing new" in capsys.readouterr().out
