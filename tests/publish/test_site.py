"""The site in a real headless browser (Debian's chromium driven by Playwright).

Every page loads without console errors, every chart is drawn with a non-zero size, and
every link resolves (HTTP 200 from the local server, PDFs and release files included).
"""

from __future__ import annotations

import functools
import re
import threading
import urllib.request
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import sync_playwright

from contracts.contract import load_contract
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


AXE = Path(__file__).parents[1] / "fixtures" / "axe" / "axe.min.js"
SERVICE_EMAIL = ("REP_LEA", "_Z", "PROVIDER", "EMAIL")
# What `csa-stats status` would say: LU sent nothing for the first year, MT was late in 2023.
TRACKER = [
    {"geo": "LU", "time_period": YEAR - 1, "status": "missing", "first_received_at": None},
    {"geo": "MT", "time_period": YEAR, "status": "late", "first_received_at": "2024-09-01T10:00:00"},
    *(
        {"geo": g, "time_period": y, "status": "on time", "first_received_at": f"{y + 1}-05-01T10:00:00"}
        for g, y in (("AT", YEAR - 1), ("MT", YEAR - 1), ("AT", YEAR), ("LU", YEAR))
    ),
]


@pytest.fixture
def site(tmp_path):
    """A public folder with two years (2023 in two versions) served on 127.0.0.1: in 2023 MT has
    a hidden small count and LU an e-mail figure not available; LU sent nothing for 2022."""
    from publish.release import build_release

    changes = {"MT": {child("F"): 1}, "LU": {SERVICE_EMAIL: None}}
    for year, states, perp in (
        (YEAR - 1, ("AT", "MT"), 40),
        (YEAR, ("AT", "MT", "LU"), 50),
        (YEAR, ("AT", "MT", "LU"), 45),
    ):
        rows = [
            dict(row, time_period=year, submission_id=row["submission_id"].replace(str(YEAR), str(year)))
            for geo in states
            for row in state_rows(geo, {**(changes.get(geo, {}) if year == YEAR else {}), PERP: perp})
        ]
        build_release(rows, [dict(submission(g), geo=g) for g in states], year, tmp_path)
    write_catalog(tmp_path, BASE)
    build_site(tmp_path, TRACKER)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", tmp_path
    server.shutdown()
    server.server_close()


def _pages(public: Path) -> list[str]:
    reports = sorted(str(p.relative_to(public)) for p in public.glob("reports/*/*.html"))
    return ["index.html", "methodology.html", f"{YEAR - 1}.html", f"{YEAR}.html", *reports]


def test_every_page_passes_the_accessibility_check(site):
    """axe-core (WCAG 2.x A and AA rules) in the browser: no serious or critical violation."""
    root, public = site
    pages = _pages(public)
    assert len(pages) == 4 + 5 + 4, "the national reports too, AT's in German and LU's in French and German"
    violations = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for name in pages:
            page.goto(root + name)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
            )
            assert result["passes"], f"axe checked nothing on {name}"
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:80]})"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                violations[name] = serious
        browser.close()
    assert violations == {}


@pytest.mark.parametrize("width", [320, 390])
def test_every_page_reflows_to_a_small_screen(site, width):
    """WCAG 1.4.10: at 320 and 390 CSS px no page, national reports included, scrolls sideways
    (wide tables scroll inside their own region) and chart text stays readable: its 12 px font
    is drawn at least 11 px high (a chart shrunk to fit would draw it at 8)."""
    root, public = site
    pages = _pages(public)
    too_wide, small_text = {}, {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 800})
        for name in pages:
            page.goto(root + name)
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > width:
                too_wide[name] = scroll
            heights = page.evaluate(
                "() => [...document.querySelectorAll('svg.chart text')]"
                ".map(t => t.getBoundingClientRect().height)"
            )
            if heights and min(heights) < 11:
                small_text[name] = min(heights)
        browser.close()
    assert too_wide == {} and small_text == {}


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


def test_a_release_through_the_job_rebuilds_catalog_and_site(csa_env, tmp_path, caplog):
    """release.release publishes, then rebuilds catalog.ttl, catalog.jsonld and the pages; the
    completeness table says what `csa-stats status` says (MT late), and the publisher is warned
    that the example base URL leaves every catalogue link dead."""
    import datetime as dt

    from tests.helpers import write_json_submission

    write_json_submission(csa_env.landing, "AT", YEAR, received=dt.datetime(YEAR + 1, 5, 2, tzinfo=dt.UTC))
    write_json_submission(
        csa_env.landing,
        "MT",
        YEAR,
        changes={child("F"): 1, child("M"): 8, child("T"): 10},
        received=dt.datetime(YEAR + 1, 9, 20, tzinfo=dt.UTC),  # after the deadline of 3 August
    )
    for path in landed_files(csa_env.landing):
        assert collection.ingest(str(path), csa_env)["status"] == "accepted"
    dry = release.release(YEAR, dry_run=True, settings=csa_env)
    assert dry["created"] is False and not (csa_env.public / "index.html").exists()
    with caplog.at_level("WARNING"):
        result = release.release(YEAR, settings=csa_env)
    assert result["created"] and result["version"] == 1
    assert result["warnings"] and "CSA_PUBLIC_BASE_URL is still the example default" in result["warnings"][0]
    assert "every link in the catalogue" in caplog.text
    for name in ("catalog.ttl", "catalog.jsonld", "index.html", f"{YEAR}.html", "methodology.html"):
        assert (csa_env.public / name).exists(), name
    assert (csa_env.public / "reports" / str(YEAR) / "MT.pdf").read_bytes().startswith(b"%PDF")
    page = (csa_env.public / f"{YEAR}.html").read_text()
    assert "releases/2023/v1/observations.csv" in page
    assert Path(csa_env.public / "releases" / str(YEAR) / "v1" / "SHA256SUMS").read_text().split()[0] in page
    grid = _text((csa_env.public / "index.html").read_text()).split("Submission status")[1]
    assert f"AT Austria on time ({YEAR + 1}-05-02)" in grid and f"MT Malta late ({YEAR + 1}-09-20)" in grid
    assert "BE Belgium missing" in grid


def test_no_warning_once_the_base_url_is_set(csa_env, monkeypatch, capsys):
    from csa_stats.cli import main
    from csa_stats.settings import get_settings
    from tests.helpers import write_json_submission

    assert collection.ingest(str(write_json_submission(csa_env.landing)), csa_env)["status"] == "accepted"
    assert main(["summary"]) == 0
    assert "warning: CSA_PUBLIC_BASE_URL is still the example default" in capsys.readouterr().out
    monkeypatch.setenv("CSA_PUBLIC_BASE_URL", "https://stats.example.eu/art8")
    assert release.base_url_warnings(get_settings()) == []
    assert main(["summary"]) == 0
    assert "warning:" not in capsys.readouterr().out


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


def test_an_eu_figure_over_fewer_than_all_states_says_so_on_the_site():
    from publish.published import figure

    eu = {"geo": "EU27_2020", "conf_status": "F", "contributing_states": 26}
    assert figure({**eu, "obs_value": 1300, "obs_status": "u"}, 27) == "1,300 u (26/27)"
    assert figure({**eu, "obs_value": None, "obs_status": "m", "contributing_states": 3}, 27) == "m (3/27)"
    assert figure({**eu, "obs_value": 1350, "obs_status": None, "contributing_states": 27}, 27) == "1,350"
    assert figure({"geo": "MT", "conf_status": "C", "obs_value": None, "obs_status": None}, 27) == "C"


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_hidden_not_available_and_not_collected_are_three_explained_markings(site):
    _root, public = site
    page = (public / f"{YEAR}.html").read_text(encoding="utf-8")
    assert '<abbr class="hidden" title="hidden">C</abbr>' in page  # MT girls: 1, below the threshold
    assert '<abbr class="not_available" title="not available">m</abbr>' not in page  # only in breakdowns
    methodology = _text((public / "methodology.html").read_text(encoding="utf-8"))
    for spec in load_contract().markings.values():
        assert " ".join(spec["explanation"].split()) in methodology
    assert "Non-zero counts below the threshold of 3 are hidden too" in methodology
    assert "Every hidden figure is marked C (confidential), whatever the reason" in methodology
    assert '<abbr class="hidden" title="hidden">D</abbr>' not in page  # no reason in public
    first = (public / f"{YEAR - 1}.html").read_text(encoding="utf-8")
    assert "LU" not in _text(first).split("Figures per Member State")[1].split("Downloads")[0]
    lu = _text((public / "reports" / str(YEAR) / "LU.html").read_text(encoding="utf-8"))
    assert "Web-based e-mail not available [1]" in lu
    assert "[1] Missing (not available)" in lu


def test_completeness_follows_the_submission_tracker(site):
    _root, public = site
    index = _text((public / "index.html").read_text(encoding="utf-8"))
    grid = index.split("Submission status per Member State and reporting year")[1]
    assert f"MT Malta on time ({YEAR}-05-01), R1 late (2024-09-01), R1" in grid
    assert "LU Luxembourg missing on time" in grid
    assert "BE Belgium not received not received" in grid


def test_no_breakdown_colour_is_far_from_every_sex_colour():
    from publish.site import NO_BREAKDOWN_COLOUR, SEX_COLOURS

    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    for colour in SEX_COLOURS:
        distance = (
            sum((a - b) ** 2 for a, b in zip(rgb(colour), rgb(NO_BREAKDOWN_COLOUR), strict=True)) ** 0.5
        )
        assert distance > 150, colour
