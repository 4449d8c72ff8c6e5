"""The validation report as a page a statistician reads: every rule of the contract with its
result, every issue with its place, and a link to the GX Data Docs when they were written."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from jinja2 import Environment, select_autoescape

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Validation of {{ r.file }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;text-align:left}
.error{background:#fde2e2}.warning{background:#fff4d6}.information{background:#e6f0ff}
.passed{color:#1a7f37}.failed{font-weight:bold}.not-evaluated{color:#777}
</style></head><body>
<h1>Validation of {{ r.file }}</h1>
<p>{{ r.dataset }} · {{ r.geo or "?" }} · {{ r.time_period or "?" }} · revision {{ r.revision }}
 · format {{ r.format }} · contract {{ r.contract_version }}
{% if r.event %} · {{ r.event.trigger }} by {{ r.event.actor }} with {{ r.event.agent }}{% endif %}</p>
<p><strong>{{ "Valid" if r.valid else "Rejected" }}</strong>: {{ r.count("error") }} errors,
 {{ r.count("warning") }} warnings, {{ r.count("information") }} notes.</p>
{% if gx %}<h2>Great Expectations</h2>
<p>The contract's expectation suite on the canonical table: {{ gx.evaluated }} expectations,
 {{ gx.failed|length }} failed. <a href="{{ gx_link }}">GX Data Docs</a></p>{% endif %}
<h2>Rules</h2>
<table><tr><th>rule</th><th>level</th><th>severity</th><th>result</th><th>failures</th>
<th>what it checks</th></tr>
{% for rule in rules %}<tr><td>{{ rule.rule }}</td><td>{{ rule.level }}</td><td>{{ rule.severity }}</td>
<td class="{{ rule.result|replace(' ', '-') }}">{{ rule.result }}</td><td>{{ rule.failures or "" }}</td>
<td>{{ messages[rule.rule] }}</td></tr>
{% endfor %}</table>
<h2>Issues</h2>
{% if r.issues %}<table>
<tr><th>severity</th><th>rule</th><th>place</th><th>field</th><th>value</th><th>expected</th><th>message</th></tr>
{% for i in r.issues %}<tr class="{{ i.severity }}"><td>{{ i.severity }}</td><td>{{ i.rule }}</td>
<td>{{ i.location }}</td><td>{{ i.field or "" }}</td><td>{{ i.value if i.value is not none else "" }}</td>
<td>{{ i.expected if i.expected is not none else "" }}</td><td>{{ i.message }}</td></tr>
{% endfor %}</table>{% else %}<p>No issues.</p>{% endif %}
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True))


@cache
def _template():
    """Compiled once per process (21 ms each time: a batch of files renders many reports)."""
    return _ENV.from_string(_PAGE)


def render_report(report, gx=None, folder: Path | None = None) -> str:
    """`gx` is the GateResult of contracts.gx_suite.check_frame; its docs are linked relative
    to `folder`, where the page is written."""
    from contracts.contract import load_contract

    messages = {rule.id: rule.message for rule in load_contract().rules.values()}
    gx_link = os.path.relpath(gx.docs, folder) if gx and gx.docs and folder else None
    return _template().render(
        r=report, rules=report.rule_results(), messages=messages, gx=gx, gx_link=gx_link
    )
