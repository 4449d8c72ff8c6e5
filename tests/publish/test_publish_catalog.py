"""The DCAT-AP catalogue: official SHACL shapes, every version listed, byte-identical rebuilds."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from contracts.contract import load_contract
from publish.catalog import DCAT, SPDX, VCARD, write_catalog
from publish.release import build_release
from publish.site import build_site
from tests.publish.builders import BASE, PERP, YEAR, child, three_states

SHAPES = Path(__file__).parents[2] / "publish" / "shapes" / "dcat-ap-3.0.1"
CONTRACT_VERSION = load_contract().version


def two_versions_and_a_national(public: Path) -> None:
    rows, submissions = three_states(mt={child("F"): 1})
    build_release(rows, submissions, YEAR, public)
    rows, submissions = three_states(at={PERP: 45}, mt={child("F"): 1})
    build_release(rows, submissions, YEAR, public)
    build_release(rows, submissions, YEAR, public, geo="MT")


CONTACT = "art8@stats.example.eu"


@pytest.fixture
def catalog(tmp_path) -> Graph:
    two_versions_and_a_national(tmp_path)
    write_catalog(tmp_path, BASE, CONTACT)
    return Graph().parse(tmp_path / "catalog.ttl")


@pytest.mark.parametrize("shapes", ["shapes.ttl", "shapes_recommended.ttl"])
def test_catalog_conforms_to_the_official_dcat_ap_shapes(catalog, shapes):
    conforms, _graph, text = pyshacl.validate(catalog, shacl_graph=Graph().parse(SHAPES / shapes))
    assert conforms, text


def test_shapes_catch_a_dataset_without_title(catalog):
    dataset = URIRef(f"{BASE}/releases/{YEAR}/v1")
    catalog.remove((dataset, URIRef("http://purl.org/dc/terms/title"), None))
    conforms, _graph, _text = pyshacl.validate(catalog, shacl_graph=Graph().parse(SHAPES / "shapes.ttl"))
    assert not conforms


def test_every_version_and_file_is_listed_with_its_checksum(tmp_path, catalog):
    datasets = set(catalog.subjects(predicate=DCAT.version))
    assert {str(d).removeprefix(BASE) for d in datasets} == {
        f"/releases/{YEAR}/v1",
        f"/releases/{YEAR}/v2",
        f"/releases/{YEAR}/MT/v1",
    }
    assert (
        URIRef(f"{BASE}/releases/{YEAR}/v2"),
        DCAT.previousVersion,
        URIRef(f"{BASE}/releases/{YEAR}/v1"),
    ) in (catalog)
    csv_file = tmp_path / "releases" / str(YEAR) / "v1" / "observations.csv"
    distribution = URIRef(f"{BASE}/releases/{YEAR}/v1/observations.csv")
    checksum = catalog.value(distribution, SPDX.checksum)
    assert (
        str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(csv_file.read_bytes()).hexdigest()
    )
    assert catalog.value(distribution, DCAT.byteSize).toPython() == csv_file.stat().st_size


def test_jsonld_says_the_same_as_turtle(tmp_path, catalog):
    assert isomorphic(catalog, Graph().parse(tmp_path / "catalog.jsonld"))


def test_rebuild_in_another_process_is_byte_identical(tmp_path):
    """Releases, catalogue and site: same inputs, same bytes, whatever the hash seed."""
    root = str(Path(__file__).parents[2])
    script = (
        f"import sys; from pathlib import Path; sys.path.insert(0, {root!r});"
        "from tests.publish.test_publish_catalog import two_versions_and_a_national, BASE;"
        "from publish.catalog import write_catalog; from publish.site import build_site;"
        "p = Path(sys.argv[1]); two_versions_and_a_national(p); write_catalog(p, BASE); build_site(p)"
    )
    for name, seed in (("a", "1"), ("b", "2")):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True, env=env)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert any(name.endswith(".pdf") for name in first) and "catalog.jsonld" in first
    assert first == second


def test_site_and_catalog_are_rewritten_only_when_they_change(tmp_path):
    two_versions_and_a_national(tmp_path)
    write_catalog(tmp_path, BASE)
    build_site(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    write_catalog(tmp_path, BASE)
    build_site(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_datasets_are_public_and_every_file_states_its_rights(catalog):
    from rdflib.namespace import DCTERMS

    from publish.catalog import PUBLIC_ACCESS

    datasets = set(catalog.subjects(predicate=DCAT.version))
    assert datasets and all(
        set(catalog.objects(d, DCTERMS.accessRights)) == {PUBLIC_ACCESS} for d in datasets
    )
    assert str(PUBLIC_ACCESS) == "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    distributions = set(catalog.subjects(predicate=DCAT.downloadURL))
    rights = {r for d in distributions for r in catalog.objects(d, DCTERMS.rights)}
    assert distributions and all(set(catalog.objects(d, DCTERMS.rights)) for d in distributions)
    (statement,) = rights
    assert (statement, None, DCTERMS.RightsStatement) in catalog
    assert str(statement) == f"{BASE}/methodology.html#rights"


def test_sdmx_csv_conforms_to_its_dataflow_and_structure(catalog):
    """StatDCAT-AP: the SDMX-CSV distribution names the dataflow and the structure file it
    follows; the structure file is a distribution of the same release."""
    conforms_to = URIRef("http://purl.org/dc/terms/conformsTo")
    for version in ("v1", "v2", "MT/v1"):
        release = f"{BASE}/releases/{YEAR}/{version}"
        targets = set(catalog.objects(URIRef(f"{release}/observations_sdmx.csv"), conforms_to))
        flow = URIRef(f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=CSA:DF_ART8({CONTRACT_VERSION})")
        assert targets == {flow, URIRef(f"{release}/structure.sdmx21.xml")}
        assert (URIRef(release), DCAT.distribution, URIRef(f"{release}/structure.sdmx21.xml")) in catalog


def test_the_versions_of_a_year_are_one_series_with_its_current_version(catalog):
    series = URIRef(f"{BASE}/releases/{YEAR}")
    assert (series, RDF.type, DCAT.DatasetSeries) in catalog
    versions = {URIRef(f"{BASE}/releases/{YEAR}/v1"), URIRef(f"{BASE}/releases/{YEAR}/v2")}
    assert set(catalog.objects(series, DCAT.hasVersion)) == versions
    assert set(catalog.objects(series, DCAT.hasCurrentVersion)) == {URIRef(f"{BASE}/releases/{YEAR}/v2")}
    assert all((v, DCAT.inSeries, series) in catalog for v in versions)
    national = URIRef(f"{BASE}/releases/{YEAR}/MT")
    assert set(catalog.objects(national, DCAT.hasVersion)) == {URIRef(f"{BASE}/releases/{YEAR}/MT/v1")}


def test_every_national_report_is_a_dataset_with_its_html_and_pdf(catalog):
    catalogue = URIRef(f"{BASE}/catalog")
    for geo in ("AT", "LU", "MT"):
        report = URIRef(f"{BASE}/reports/{YEAR}/{geo}")
        assert (catalogue, DCAT.dataset, report) in catalog
        files = {str(d).removeprefix(BASE) for d in catalog.objects(report, DCAT.distribution)}
        assert {f"/reports/{YEAR}/{geo}.html", f"/reports/{YEAR}/{geo}.pdf"} <= files
        assert catalog.value(report, DCTERMS.source) == URIRef(f"{BASE}/releases/{YEAR}/v2")
    german = URIRef(f"{BASE}/reports/{YEAR}/AT.de.pdf")
    assert (URIRef(f"{BASE}/reports/{YEAR}/AT"), DCAT.distribution, german) in catalog
    assert str(catalog.value(german, DCTERMS.language)).endswith("/language/DEU")


def test_the_contact_point_has_an_e_mail_and_the_json_ld_a_context(tmp_path, catalog):
    import json

    contact = URIRef(f"{BASE}/methodology.html#contact")
    assert catalog.value(contact, VCARD.hasEmail) == URIRef(f"mailto:{CONTACT}")
    document = json.loads((tmp_path / "catalog.jsonld").read_text(encoding="utf-8"))
    assert document["@context"]["dcat"] == str(DCAT) and document["@graph"]
