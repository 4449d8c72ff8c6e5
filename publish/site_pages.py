"""The Jinja templates of the site's pages (publish/site.py fills them from the release folders)."""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}
nav a{margin-right:1rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.num{text-align:right}
.complete{background:#dff0d8}.partial{background:#fcf8e3}.none{background:#f2dede}
.caveat{border-left:4px solid #c90;padding:.5rem 1rem;background:#fffbea}
code{font-size:.8rem;word-break:break-all}svg text{font-size:12px}
</style></head><body>
<nav><a href="index.html">Overview</a>
{% for y in years %}<a href="{{ y.year }}.html">{{ y.year }}</a>{% endfor %}
<a href="methodology.html">Methodology</a><a href="catalog.ttl">DCAT-AP catalogue</a></nav>
<h1>{{ title }}</h1>
{% macro bar_chart(chart) %}
<figure>
<figcaption>{{ chart.title }}</figcaption>
<svg class="chart" role="img" aria-label="{{ chart.title }}" xmlns="http://www.w3.org/2000/svg"
 width="{{ chart.width }}" height="{{ chart.height }}" viewBox="0 0 {{ chart.width }} {{ chart.height }}">
{% for r in chart.rows %}
<text x="0" y="{{ r.y + 13 }}">{{ r.label }}</text>
{% for s in r.segments %}
<rect x="{{ s.x }}" y="{{ r.y + 3 }}" width="{{ s.width }}" height="12" fill="{{ s.colour }}"></rect>
{% endfor %}
<text x="{{ r.text_x }}" y="{{ r.y + 13 }}">{{ r.text }}</text>
{% endfor %}
</svg>
{% if chart.legend %}<p>{% for sex, colour in chart.legend.items() %}
<span style="color:{{ colour }}">&#9632;</span>
 {{ contract.code_lists.sex[sex] }} {% endfor %}</p>{% endif %}
</figure>
{% endmacro %}
"""

INDEX = """
<p>The yearly statistics that Article 8 of Regulation (EU) 2021/1232 asks of every Member State:
(a) reports of online child sexual abuse forwarded to law enforcement, (b) children identified, by
gender, (c) perpetrators convicted. Every release is immutable, versioned and checksummed; the
<a href="catalog.ttl">DCAT-AP catalogue</a> (also as <a href="catalog.jsonld">JSON-LD</a>) lists every
version for open-data portals.</p>
<p class="caveat">{{ caveat }}</p>
{% for chart in charts %}{{ bar_chart(chart) }}{% endfor %}
<h2>Releases</h2>
<table><tr><th>year</th><th>latest version</th><th>states</th><th>data as of</th></tr>
{% for y in years %}<tr><td><a href="{{ y.year }}.html">{{ y.year }}</a></td><td>v{{ y.release.version }}</td>
<td class="num">{{ y.submissions|length }}</td>
<td>{{ y.submissions.values()|map(attribute="received_at")|max|truncate(10, True, "") }}</td></tr>
{% endfor %}</table>
<h2>Completeness: submissions received, per state and year</h2>
<table class="grid"><tr><th>state</th>{% for y in years %}<th>{{ y.year }}</th>{% endfor %}</tr>
{% for geo, row in grid %}<tr><th>{{ geo }} {{ states[geo] }}</th>
{% for css, text in row %}<td class="{{ css }}">{{ text }}</td>{% endfor %}</tr>
{% endfor %}</table>
"""

YEAR = """
<p>Release v{{ y.release.version }} of reporting year {{ y.year }}: {{ y.submissions|length }} Member States.
Hidden figures show their confidentiality status ({{ primary }} small count,
{{- ' ' }}{{ secondary }} hidden to protect another);
{{ missing }} means not available. See the <a href="methodology.html">methodology</a>.</p>
<p class="caveat">{{ caveat }}</p>
{% for chart in charts %}{{ bar_chart(chart) }}{% endfor %}
<h2>Figures</h2>
<table><tr><th>state</th><th>reports forwarded</th><th>children identified (total)</th>
<th>girls</th><th>boys</th><th>unknown</th><th>perpetrators convicted</th><th>national report</th></tr>
{% for geo in pdfs + [eu] %}<tr><th>{{ geo }} {{ states.get(geo, "European Union (27)") }}</th>
<td class="num">{{ figure(y.cells.get((geo, reports))) }}</td>
{% for sex in children %}<td class="num">{{ figure(y.cells.get((geo, children[sex]))) }}</td>{% endfor %}
<td class="num">{{ figure(y.cells.get((geo, convicted))) }}</td>
<td>{% if geo in y.submissions %}<a href="reports/{{ y.year }}/{{ geo }}.pdf">PDF</a>{% endif %}</td></tr>
{% endfor %}</table>
<h2>Downloads</h2>
{% for v in downloads %}
<h3 id="v{{ v.version }}">Version {{ v.version }}{% if loop.first %} (latest){% endif %}</h3>
<pre>{{ v.changelog }}</pre>
<table><tr><th>file</th><th>content</th><th>bytes</th><th>SHA-256</th></tr>
{% for f in v.files %}<tr><td><a href="{{ f.href }}">{{ f.name }}</a></td><td>{{ f.what }}</td>
<td class="num">{{ f.size or "" }}</td><td><code>{{ f.sha256 }}</code></td></tr>
{% endfor %}</table>
{% endfor %}
"""

METHODOLOGY = """
<h2>What is counted</h2>
<p>{{ contract.doc.description.purpose }}</p>
<ul>{% for code, label in contract.code_lists.indicator.items() %}<li><b>{{ code }}</b>: {{ label }}</li>
{% endfor %}</ul>
<p class="caveat">{{ caveat }}</p>
<p>{{ contract.doc.description.limitations }}</p>
<h2>Flags</h2>
{% for attribute, (code_list, codes) in legend.items() %}
<h3>{{ attribute }}</h3><table>{% for code, label in codes.items() %}<tr><td><b>{{ code }}</b></td>
<td>{{ label }}</td></tr>{% endfor %}</table>
{% endfor %}
<h2>Disclosure control</h2>
<p>Non-zero counts below the threshold are hidden ({{ primary }}). Further figures are hidden
{{- ' ' }}({{ secondary }}) so that no
hidden figure can be worked back from totals: within a state, parts and totals by sex, reporter
and type of service; across states, the EU aggregate is hidden where it would reveal a state's
figure. A state's figures are hidden as in its own national release. Zero is a real value and
is never hidden.</p>
<h2>National definitions</h2>
{% for y in years %}<h3>{{ y.year }}</h3><table><tr><th>state</th><th>authority</th><th>reference period</th>
<th>definitions</th></tr>
{% for geo, s in y.submissions|dictsort %}<tr><td>{{ geo }}</td><td>{{ s.reporting_authority }}</td>
<td>{{ s.ref_period_start }} to {{ s.ref_period_end }}</td><td>{{ s.national_definitions }}</td></tr>
{% endfor %}</table>{% endfor %}
<h2 id="contact">Contact</h2>
<p>European Commission, for the Union release; each Member State's reporting authority for its figures.</p>
"""
