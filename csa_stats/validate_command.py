"""`csa-stats validate`: the judge's verdict on each file, as a national office sees it before
sending (the same verdict the Commission's loader gives), and its exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from csa_stats.commands import ERRORS, OK, UNREADABLE, WARNINGS
from csa_stats.settings import get_settings, user


def _openpyxl_without_numpy() -> None:
    """openpyxl imports numpy (0.2 s) only to recognise numpy numbers when writing; reading a
    workbook does without. Hide numpy while openpyxl loads; anything later may import it."""
    if "numpy" in sys.modules or "openpyxl" in sys.modules:
        return
    sys.modules["numpy"] = None  # makes `import numpy` fail
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def cmd_validate(args) -> int:
    if not args.data_docs and any(Path(name).suffix.lower() == ".xlsx" for name in args.files):
        _openpyxl_without_numpy()
    from contracts.contract import load_contract
    from transforms.judge import judge_path
    from transforms.safety import safe_name

    settings, contract = get_settings(), load_contract()
    event = ("validate", user("csa-stats"))
    reports, code = [], OK
    for name in args.files:
        verdict = judge_path(Path(name), settings.limits, contract, event, settings.today)
        verdict.log_failure(settings.debug)
        report = verdict.report
        reports.append(report)
        if args.report_dir:
            rows = verdict.rows() if args.data_docs else None
            report.write(Path(args.report_dir), safe_name(Path(name).stem), rows)
        if not report.readable:
            code = max(code, UNREADABLE)
        elif not report.valid:
            code = max(code, ERRORS)
        elif args.strict and report.count("warning"):
            code = max(code, WARNINGS)
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2, default=str, ensure_ascii=False))
    else:
        for r in reports:
            _print_report(r)
    return code


def _print_report(report) -> None:
    verdict = "VALID" if report.valid else ("UNREADABLE" if not report.readable else "REJECTED")
    print(
        f"{report.file}: {verdict} ({report.count('error')} errors, "
        f"{report.count('warning')} warnings, {report.count('information')} notes; "
        f"contract {report.contract_version})"
    )
    for i in report.issues:
        value = "" if i.value is None else f" [value: {i.value}]"
        print(f"  {i.severity:<11} {i.rule:<24} {i.location}: {i.message}{value}")
