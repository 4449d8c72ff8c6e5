"""Secondary suppression as an optimisation: protection proven by the LP attacker, the EU
headline figures published whenever a protecting pattern keeps them, and never a costlier
pattern than the heuristic it replaced (bench/suppression_baseline.py)."""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.suppression_baseline import heuristic_pattern, synthetic_state
from contracts.contract import load_contract
from publish.disclosure import (
    EU_AGGREGATE,
    SECONDARY,
    apply_disclosure_control,
    eu_aggregate,
    is_hidden,
    series_key,
    suppression_cost,
)
from publish.suppression import FREE, HIDDEN, KNOWN, Table, suppress
from tests.publish.test_publish_attacker import THRESHOLD, YEAR, Attacker, assert_protected

C = load_contract()
HEADLINES = set(C.key_figures.values())


def random_union(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = [row for geo in sorted(C.code_lists["geo"]) for row in synthetic_state(geo, rng)]
    return rows + eu_aggregate(rows, YEAR)


def narrowed(observations: list[dict]) -> list[tuple]:
    """The hidden figures the attacker narrows to less than the threshold."""
    attacker = Attacker()
    attacker.read_release(1, observations)
    found = []
    for row in observations:
        if is_hidden(row):
            low, high = attacker.interval(1, row)
            if high - low < THRESHOLD:
                found.append((row["geo"], series_key(row), low, high))
    return found


def keeping_the_headlines(rows: list[dict], published: list[dict]) -> list[dict]:
    """The same state patterns, every EU figure hidden except the headline ones."""
    truth = {(r["geo"], series_key(r)): r for r in rows}
    alternative = []
    for row in published:
        row = dict(row)
        if row["geo"] == EU_AGGREGATE and truth[EU_AGGREGATE, series_key(row)]["obs_value"] is not None:
            if series_key(row) in HEADLINES:
                row["obs_value"], row["conf_status"] = truth[EU_AGGREGATE, series_key(row)]["obs_value"], "F"
            else:
                row["obs_value"], row["conf_status"] = None, SECONDARY
        alternative.append(row)
    return alternative


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_random_tables_are_protected_keep_the_eu_headlines_and_cost_no_more_than_the_heuristic(seed):
    rows = random_union(seed)
    published = apply_disclosure_control(rows, THRESHOLD)
    assert narrowed(published) == []
    if narrowed(keeping_the_headlines(rows, published)) == []:  # a pattern keeps them: so must we
        eu = {series_key(r): r for r in published if r["geo"] == EU_AGGREGATE}
        assert all(eu[k]["conf_status"] == "F" for k in HEADLINES if eu[k]["obs_value"] is not None)
    oracle = heuristic_pattern(rows, THRESHOLD)
    assert suppression_cost(rows, published) <= suppression_cost(rows, oracle) + 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_each_state_alone_costs_no_more_than_the_heuristic(seed):
    rows = synthetic_state("MT", random.Random(seed))
    published = apply_disclosure_control(rows, THRESHOLD)
    assert narrowed(published) == []
    assert (
        suppression_cost(rows, published) <= suppression_cost(rows, heuristic_pattern(rows, THRESHOLD)) + 1e-9
    )


def test_the_optimiser_hides_the_cheapest_protecting_cell():
    """total = a + b + c with a hidden (1): hiding b (2) or c (40) protects; b is cheaper.
    The total (60) stays published: hiding it alone would not protect a."""
    table = Table()
    total = table.add(43, KNOWN)
    a = table.add(1, HIDDEN)
    b = table.add(2, FREE, cost=2)
    c = table.add(40, FREE, cost=40)
    table.equalities.append({total: -1, a: 1, b: 1, c: 1})
    outcome = suppress(table, THRESHOLD)
    assert outcome.hidden == {b}


def test_a_figure_pinned_by_what_is_already_published_is_reported_not_hidden_in_vain():
    table = Table()
    total = table.add(5, KNOWN)
    a = table.add(1, HIDDEN)
    b = table.add(4, KNOWN)  # published elsewhere: a = 5 - 4 whatever we do
    spare = table.add(9, FREE, cost=1)
    table.equalities.append({total: -1, a: 1, b: 1})
    outcome = suppress(table, THRESHOLD)
    assert outcome.unprotectable == [a] and outcome.hidden == set()
    assert spare not in outcome.hidden


def test_the_demo_publishes_the_eu_headlines_every_year_and_the_attacker_finds_nothing(tmp_path):
    """`make demo`'s figures (the NL revision of 2023 as a second version): the EU totals of
    8(a), 8(b) and 8(c) are published in every year, and every hidden figure stays hidden."""
    from csa_stats.demo import generate_demo
    from publish.release import build_release
    from transforms.readers import read_submission

    by_year: dict[int, dict[str, list[dict]]] = {}
    for path in sorted(generate_demo(tmp_path / "landing")):
        if not path.name.endswith(".meta.json"):
            sub = read_submission(path)
            rows = [{**o.values, "submission_id": f"{sub.geo}-R{sub.revision}"} for o in sub.observations]
            by_year.setdefault(sub.time_period, {}).setdefault(sub.geo, []).append((sub.revision, rows))
    public = tmp_path / "public"
    for year, states in by_year.items():
        for latest in (False, True):  # first the first submissions, then the revisions
            rows = [r for revisions in states.values() for r in sorted(revisions)[-1 if latest else 0][1]]
            submissions = [{"geo": r["geo"], "submission_id": r["submission_id"]} for r in rows]
            result = build_release(
                rows, list({s["submission_id"]: s for s in submissions}.values()), year, public
            )
            published = json.loads((result.path / "observations.json").read_text())["observations"]
            eu = {series_key(r): r for r in published if r["geo"] == EU_AGGREGATE}
            assert all(eu[k]["conf_status"] == "F" and eu[k]["obs_value"] for k in HEADLINES), year
        assert assert_protected(public / "releases" / str(year)) > 10
