"""The validation report as a page a statistician reads (all rules, then every issue)."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

from contracts.contract import load_contract

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Validation of {{ r.file }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;text-align:left}
.error{background:#fde2e2}.warning{background:#fff4d6}.information{background:#e6f0ff}
</style></head><body>
<h1>Validation of {{ r.file }}</h1>
<p>{{ r.geo or "?" }} · {{ r.time_period or "?" }} · revision {{ r.revision }} · format {{ r.format }}
 · contract {{ r.contract_version }}</p>
<p><strong>{{ "Valid" if r.valid else "Rejected" }}</strong>: {{ r.count("error") }} errors,
 {{ r.count("warning") }} warnings, {{ r.count("information") }} notes.</p>
<h2>Rules</h2>
<table><tr><th>rule</th><th>level</th><th>severity</th><th>result</th></tr>
{% for rule in rules %}<tr><td>{{ rule.id }}</td><td>{{ rule.level }}</td><td>{{ rule.severity }}</td>
<td>{{ fired.get(rule.id, 0) or "passed" }}</td></tr>
{% endfor %}</table>
<h2>Issues</h2>
{% if r.issues %}<table>
<tr><th>severity</th><th>rule</th><th>place</th><th>field</th><th>value</th><th>message</th></tr>
{% for i in r.issues %}<tr class="{{ i.severity }}"><td>{{ i.severity }}</td><td>{{ i.rule }}</td>
<td>{{ i.location }}</td><td>{{ i.field or "" }}</td><td>{{ i.value if i.value is not none else "" }}</td>
<td>{{ i.message }}</td></tr>
{% endfor %}</table>{% else %}<p>No issues.</p>{% endif %}
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True))


def render_report(report) -> str:
    fired: dict[str, int] = {}
    for issue in report.issues:
        fired[issue.rule] = fired.get(issue.rule, 0) + 1
    rules = load_contract().rules.values()
    return _ENV.from_string(_PAGE).render(r=report, rules=rules, fired=fired)
