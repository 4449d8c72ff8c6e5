"""The DCAT-AP 3.0.1 catalogue of every release, old ones included (public/catalog.ttl, .jsonld).

An index, not part of a release: rebuilt after each release from the release folders alone,
so the same folders give the same bytes. Each release version is a dcat:Dataset (what
data.europa.eu harvests), linked to the version before it; each file a dcat:Distribution
with its size and SHA-256. No blank nodes: every node has an IRI under the base URL, so the
serialisation does not depend on generated labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS

from contracts.contract import load_contract
from contracts.sdmx import STRUCTURE_21
from publish.disclosure import EU_AGGREGATE, PUBLIC_HIDDEN
from publish.exports import RELEASE_FILES, SDMX_CSV, ReleaseFile
from publish.folders import ReleaseFolder, as_of, checksums, release_folders
from publish.i18n import AUTHORITY_CODES, SOURCE, languages
from transforms.files import write_atomic

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 (rdflib's closed one lacks dcat:version)
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
NUTS = "http://data.europa.eu/nuts/code/"  # NUTS 0 codes are the Eurostat geo codes (EL for Greece)
PREFIXES = {
    "adms": ADMS,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dct": DCTERMS,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}

PUBLISHER = ("European Commission", URIRef(EU_AUTHORITY + "corporate-body/COM"))
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/SupraNationalAuthority")
LICENCE = URIRef(EU_AUTHORITY + "licence/CC_BY_4_0")
LEGISLATION = URIRef("http://data.europa.eu/eli/reg/2021/1232/oj")
THEME = URIRef(EU_AUTHORITY + "data-theme/JUST")
SPATIAL_EU = URIRef(EU_AUTHORITY + "country/EUR")
ENGLISH = URIRef(EU_AUTHORITY + "language/ENG")
STABLE = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
PUBLIC_ACCESS = URIRef(EU_AUTHORITY + "access-right/PUBLIC")  # EU access-right vocabulary
RIGHTS = (
    "Public data, free to reuse under Creative Commons Attribution 4.0 (CC BY 4.0) with attribution to "
    "the European Commission and the Member States. Figures a Member State marks confidential, and "
    "figures hidden by disclosure control, are never published."
)
SDMX_STRUCTURE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
KEYWORDS = ("child sexual abuse", "online", "law enforcement", "Regulation (EU) 2021/1232", "Article 8")


def build_catalog(public_dir: Path, base_url: str, contact_email: str | None = None, contract=None) -> Graph:
    """The catalogue graph of every release under public_dir: each version a dcat:Dataset in
    the dcat:DatasetSeries of its year (and state), and each national report a dataset."""
    contract = contract or load_contract()
    base = base_url.rstrip("/") + "/"
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    releases = release_folders(public_dir)
    catalog = URIRef(base + "catalog")
    dates = [as_of(r.path) for r in releases] or ["2022-08-03"]
    _describe(
        graph, catalog, DCAT.Catalog, "Article 8 statistics, Regulation (EU) 2021/1232", _purpose(contract)
    )
    graph.add((catalog, FOAF.homepage, URIRef(base + "index.html")))
    graph.add((catalog, DCTERMS.language, ENGLISH))
    graph.add((catalog, DCTERMS.license, LICENCE))
    graph.add((catalog, DCTERMS.spatial, SPATIAL_EU))
    graph.add((catalog, DCTERMS.issued, Literal(min(dates), datatype=XSD.date)))
    graph.add((catalog, DCTERMS.modified, Literal(max(dates), datatype=XSD.date)))
    graph.add((catalog, DCAT.themeTaxonomy, URIRef(EU_AUTHORITY + "data-theme")))
    graph.add((catalog, DCTERMS.publisher, _publisher(graph)))
    contact = _contact(graph, base, contact_email)
    current = {(r.year, r.geo): r for r in releases}  # the newest version of each series
    first_issued = {}
    for release in releases:
        first_issued.setdefault((release.year, release.geo), as_of(release.path))
        dataset = _dataset(graph, base, release, first_issued[release.year, release.geo], contract, contact)
        graph.add((catalog, DCAT.dataset, dataset))
        series = _series(graph, base, release, contract, contact)
        graph.add((dataset, DCAT.inSeries, series))
        graph.add((series, DCAT.hasVersion, dataset))
        if current[release.year, release.geo] == release:
            graph.add((series, DCAT.hasCurrentVersion, dataset))
    for report in national_reports(graph, base, releases, contract, contact):
        graph.add((catalog, DCAT.dataset, report))
    return graph


def _series(graph: Graph, base: str, release: ReleaseFolder, contract, contact: URIRef) -> URIRef:
    """Every version of a year's release (of the Union, or of one state) as one series."""
    series = URIRef(base + release.relative.rsplit("/", 1)[0])
    scope = "" if release.geo == EU_AGGREGATE else f" {release.geo}"
    title = f"Article 8 statistics {release.year}{scope}, every version"
    description = (
        f"{_purpose(contract)} Every version of reporting year {release.year}{scope}, newest current."
    )
    _describe(graph, series, DCAT.DatasetSeries, title, description)
    graph.add((series, DCTERMS.publisher, _publisher(graph)))
    graph.add((series, DCAT.contactPoint, contact))
    _temporal(graph, series, release.year, contract)
    return series


def write_catalog(
    public_dir: Path, base_url: str, contact_email: str | None = None, contract=None
) -> list[Path]:
    """Write catalog.ttl and catalog.jsonld (sorted, so the same releases give the same bytes).
    The JSON-LD is compacted with the catalogue's prefixes as its @context."""
    graph = build_catalog(public_dir, base_url, contact_email, contract)
    turtle = Path(public_dir) / "catalog.ttl"
    jsonld = Path(public_dir) / "catalog.jsonld"
    write_atomic(turtle, _sorted_turtle(graph), only_if_changed=True)
    context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    document = json.loads(graph.serialize(format="json-ld", context=context, sort_keys=True))
    for node in document["@graph"]:
        for values in node.values():
            if isinstance(values, list):
                values.sort(key=lambda v: json.dumps(v, sort_keys=True))
    document["@graph"].sort(key=lambda node: node["@id"])
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(jsonld, text, only_if_changed=True)
    return [turtle, jsonld]


def _sorted_turtle(graph: Graph) -> str:
    """Turtle with subjects, predicates and objects in a fixed order."""
    ordered = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        ordered.bind(prefix, namespace)
    for triple in sorted(graph):
        ordered.add(triple)
    return ordered.serialize(format="turtle")


def _dataset(
    graph: Graph, base: str, release: ReleaseFolder, issued: str, contract, contact: URIRef
) -> URIRef:
    dataset = URIRef(base + release.relative)
    scope = "the Member States and the EU aggregate" if release.geo == EU_AGGREGATE else release.geo
    title = f"Article 8 statistics {release.year}{'' if release.geo == EU_AGGREGATE else ' ' + release.geo}"
    description = (
        f"{_purpose(contract)} Reporting year {release.year}, {scope}, version {release.version}. "
        f"{_limitations(contract)} Figures a Member State marked confidential and small counts are hidden "
        f"(CONF_STATUS {PUBLIC_HIDDEN}, one marking whatever the reason)."
    )
    _describe(graph, dataset, DCAT.Dataset, f"{title} (v{release.version})", description)
    graph.add((dataset, DCTERMS.identifier, Literal(f"csa-stats/{release.relative}")))
    graph.add((dataset, DCAT.version, Literal(str(release.version))))
    graph.add((dataset, ADMS.versionNotes, Literal(_version_notes(release.path), lang="en")))
    if release.version > 1:
        graph.add(
            (dataset, DCAT.previousVersion, URIRef(dataset.rsplit("/", 1)[0] + f"/v{release.version - 1}"))
        )
    graph.add((dataset, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
    graph.add((dataset, DCTERMS.modified, Literal(as_of(release.path), datatype=XSD.date)))
    graph.add((dataset, DCTERMS.publisher, _publisher(graph)))
    graph.add((dataset, DCAT.contactPoint, contact))
    _temporal(graph, dataset, release.year, contract)
    for geo in _geos(release):
        graph.add((dataset, DCTERMS.spatial, SPATIAL_EU if geo == EU_AGGREGATE else URIRef(NUTS + geo)))
    graph.add((dataset, DCAT.theme, THEME))
    graph.add((dataset, DCTERMS.accessRights, PUBLIC_ACCESS))
    graph.add((PUBLIC_ACCESS, RDF.type, DCTERMS.RightsStatement))
    graph.add((dataset, DCATAP.applicableLegislation, LEGISLATION))
    graph.add((dataset, DCAT.landingPage, URIRef(f"{base}{release.year}.html")))
    for keyword in KEYWORDS:
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    sums = checksums(release.path)
    for file in RELEASE_FILES:
        if file.name in sums:
            graph.add(
                (dataset, DCAT.distribution, _distribution(graph, base, release, file, sums[file.name]))
            )
    return dataset


def _geos(release: ReleaseFolder) -> list[str]:
    """The areas a release covers: its state, or the EU and every state that submitted."""
    submissions = json.loads((release.path / "submissions.json").read_text(encoding="utf-8"))
    return sorted({release.geo, *(s["geo"] for s in submissions)})


def _distribution(graph: Graph, base: str, release: ReleaseFolder, file: ReleaseFile, digest: str) -> URIRef:
    name, file_type, media_type = file.name, file.file_type, file.media_type
    url = URIRef(f"{base}{release.relative}/{name}")
    _describe(graph, url, DCAT.Distribution, f"{name} (v{release.version})", file.description)
    graph.add((url, DCAT.accessURL, url))
    graph.add((url, DCAT.downloadURL, url))
    graph.add((url, DCTERMS.format, URIRef(EU_AUTHORITY + "file-type/" + file_type)))
    graph.add((url, DCAT.mediaType, URIRef(MEDIA_TYPES + media_type)))
    size = (release.path / name).stat().st_size
    graph.add((url, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    checksum = URIRef(f"{url}#sha256")
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    graph.add((url, SPDX.checksum, checksum))
    graph.add((url, DCTERMS.license, LICENCE))
    graph.add((url, DCTERMS.rights, _rights(graph, base)))
    graph.add((url, DCATAP.availability, STABLE))
    graph.add((url, DCTERMS.issued, Literal(as_of(release.path), datatype=XSD.date)))
    graph.add((url, DCTERMS.modified, Literal(as_of(release.path), datatype=XSD.date)))
    if name == SDMX_CSV.name and (release.path / STRUCTURE_21).exists():
        _conforms_to_structure(graph, url, f"{base}{release.relative}/{STRUCTURE_21}", release.path)
    return url


def _conforms_to_structure(graph: Graph, distribution: URIRef, structure_url: str, folder: Path) -> None:
    """An SDMX-CSV file conforms to its dataflow and to the structure file that defines it
    (StatDCAT-AP); both are read from the release's own structure file."""
    flow = next(ElementTree.parse(folder / STRUCTURE_21).iter(f"{{{SDMX_STRUCTURE}}}Dataflow"))
    flow_id = f"{flow.get('agencyID')}:{flow.get('id')}({flow.get('version')})"
    dataflow = URIRef(f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={flow_id}")
    graph.add((dataflow, RDF.type, DCTERMS.Standard))
    graph.add((dataflow, DCTERMS.title, Literal(f"SDMX dataflow {flow_id}", lang="en")))
    graph.add((distribution, DCTERMS.conformsTo, dataflow))
    graph.add((distribution, DCTERMS.conformsTo, URIRef(structure_url)))  # also a distribution


def _describe(graph: Graph, node: URIRef, kind: URIRef, title: str, description: str) -> None:
    graph.add((node, RDF.type, kind))
    graph.add((node, DCTERMS.title, Literal(title, lang="en")))
    graph.add((node, DCTERMS.description, Literal(description, lang="en")))


def _publisher(graph: Graph) -> URIRef:
    name, agent = PUBLISHER
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(name, lang="en")))
    graph.add((agent, DCTERMS.type, PUBLISHER_TYPE))
    return agent


def _rights(graph: Graph, base: str) -> URIRef:
    """The rights statement every file carries, explained on the methodology page."""
    rights = URIRef(base + "methodology.html#rights")
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    graph.add((rights, RDFS.label, Literal(RIGHTS, lang="en")))
    return rights


def _contact(graph: Graph, base: str, email: str | None) -> URIRef:
    contact = URIRef(base + "methodology.html#contact")
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(PUBLISHER[0], lang="en")))
    graph.add((contact, VCARD.hasURL, URIRef(base + "methodology.html")))
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    return contact


def _temporal(graph: Graph, subject: URIRef, year: int, contract) -> None:
    """One temporal coverage per covered period of the year (2026: to 3 April, from 31 July)."""
    covered = contract.reference_periods(year) or [(f"{year}-01-01", f"{year}-12-31")]
    for n, (start, end) in enumerate(covered, start=1):
        period = URIRef(f"{subject}#period" + (str(n) if n > 1 else ""))
        graph.add((subject, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(str(start), datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(str(end), datatype=XSD.date)))


def _version_notes(folder: Path) -> str:
    """The changelog's summary: first release, or how many figures changed."""
    lines = (folder / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    changed = [line for line in lines if line.startswith("- ")]
    return f"{len(changed)} figures changed: see CHANGELOG.md." if changed else lines[2]


def _purpose(contract) -> str:
    return " ".join(contract.doc["description"]["purpose"].split())


def _limitations(contract) -> str:
    return " ".join(contract.doc["description"]["limitations"].split())


def national_reports(
    graph: Graph, base: str, releases: list[ReleaseFolder], contract, contact
) -> list[URIRef]:
    """reports/<year>/<GEO> of every state in the newest release of each year (the Union's, or a
    national office's own) as a dataset with its HTML and PDF, from the release they show."""
    newest = {}
    for release in releases:
        if release.geo == EU_AGGREGATE or not any(
            r.year == release.year for r in releases if r.geo == EU_AGGREGATE
        ):
            newest[release.year, release.geo] = release
    datasets = []
    for release in newest.values():
        for geo in sorted(set(_geos(release)) - {EU_AGGREGATE}):
            datasets.append(_report(graph, base, release, geo, contract, contact))
    return datasets


def _report(graph: Graph, base: str, release: ReleaseFolder, geo: str, contract, contact) -> URIRef:
    state = contract.code_lists["geo"][geo]
    stem = f"{base}reports/{release.year}/{geo}"
    report = URIRef(stem)
    title = f"Article 8 statistics {release.year}: {state}, national report"
    description = (
        f"The statistics {state} makes public under Article 8 of Regulation (EU) 2021/1232 for "
        f"{release.year}, in words, tables and charts, as published in {release.relative}."
    )
    _describe(graph, report, DCAT.Dataset, title, description)
    graph.add((report, DCTERMS.identifier, Literal(f"csa-stats/reports/{release.year}/{geo}")))
    graph.add((report, DCTERMS.source, URIRef(base + release.relative)))
    graph.add((report, DCTERMS.publisher, _publisher(graph)))
    graph.add((report, DCAT.contactPoint, contact))
    graph.add((report, DCTERMS.spatial, URIRef(NUTS + geo)))
    _temporal(graph, report, release.year, contract)
    graph.add((report, DCAT.theme, THEME))
    for keyword in KEYWORDS:
        graph.add((report, DCAT.keyword, Literal(keyword, lang="en")))
    graph.add((report, DCTERMS.accessRights, PUBLIC_ACCESS))
    graph.add((report, DCAT.landingPage, URIRef(f"{stem}.html")))
    issued = Literal(as_of(release.path), datatype=XSD.date)
    graph.add((report, DCTERMS.issued, issued))
    kinds = {"html": ("HTML", "text/html"), "pdf": ("PDF", "application/pdf")}
    for lang, suffix in ((g, k) for g in [SOURCE, *languages(contract, geo)] for k in kinds):
        kind, media_type = kinds[suffix]
        url = URIRef(f"{stem}.{suffix}" if lang == SOURCE else f"{stem}.{lang}.{suffix}")
        _describe(graph, url, DCAT.Distribution, f"{title} ({kind}, {lang})", f"{description} {kind}.")
        graph.add((url, DCAT.accessURL, url))
        graph.add((url, DCAT.downloadURL, url))
        graph.add((url, DCTERMS.format, URIRef(EU_AUTHORITY + "file-type/" + kind)))
        graph.add((url, DCAT.mediaType, URIRef(MEDIA_TYPES + media_type)))
        graph.add((url, DCTERMS.language, URIRef(EU_AUTHORITY + "language/" + AUTHORITY_CODES[lang])))
        graph.add((url, DCTERMS.license, LICENCE))
        graph.add((url, DCATAP.availability, STABLE))
        graph.add((url, DCTERMS.rights, _rights(graph, base)))
        graph.add((url, DCTERMS.issued, issued))
        graph.add((report, DCAT.distribution, url))
    return report
