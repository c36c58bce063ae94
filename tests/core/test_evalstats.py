"""Error bars on eval deltas (SPEC 9, core/evalstats) and the non-inferiority rule,
against hand-computed cases and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditui.core.evidence import evalstats
from auditui.core.evidence.records import EvalResult
from auditui.core.policy.model import Evals, Policy
from tests.core.test_checks import at, ok, rec, rules, run


def test_paired_error_is_far_smaller_than_the_unpaired_one():
    """40 questions; 30 pass before, 27 after, the 3 lost among the 30 (no question
    newly passes). By hand: differences are -100 three times and 0 37 times; mean
    -7.5; squared deviations 3(92.5^2) + 37(7.5^2) = 27750; se = sqrt(27750/39)/sqrt(40)."""
    base = {i: 100.0 if i < 30 else 0.0 for i in range(40)}
    cand = {i: 100.0 if i < 27 else 0.0 for i in range(40)}
    spread = evalstats.paired(base, cand)
    assert spread.paired and spread.samples == 40
    assert spread.stderr == pytest.approx(math.sqrt(27750 / 39) / math.sqrt(40))  # 4.2176
    binomial = evalstats.binomial(0.75, 40, 0.675, 40)
    assert binomial.stderr == pytest.approx(100 * math.sqrt(0.0046875 + 0.005484375))  # 10.09
    assert spread.stderr < binomial.stderr / 2


def test_unpaired_and_intervals_by_hand():
    assert evalstats.unpaired(0.3, 0.4, 500).stderr == pytest.approx(0.5)
    assert evalstats.half_width(1.0, 0.95) == pytest.approx(1.959964, abs=1e-6)
    assert evalstats.lower_bound(-0.5, 0.5, 0.95) == pytest.approx(-1.479982, abs=1e-6)
    assert evalstats.shown(-3.1, 0.6, 1200, True) == "-3.1 ± 1.2 (n=1200, paired)"
    assert evalstats.shown(0.7, None, None, None) == "+0.7"


def test_too_few_shared_samples_cannot_be_paired():
    assert evalstats.paired({1: 1.0}, {1: 0.0, 2: 1.0}) is None


scores = st.lists(st.sampled_from([0.0, 100.0]), min_size=2, max_size=40)


@given(scores, scores)
def test_swapping_baseline_and_candidate_flips_only_the_sign(a, b):
    n = min(len(a), len(b))
    base, cand = dict(enumerate(a[:n])), dict(enumerate(b[:n]))
    there, back = evalstats.paired(base, cand), evalstats.paired(cand, base)
    assert there.stderr == pytest.approx(back.stderr)
    delta = sum(b[:n]) / n - sum(a[:n]) / n
    low = evalstats.lower_bound(delta, there.stderr, 0.9)
    high_back = -evalstats.lower_bound(-delta, back.stderr, 0.9)  # the other side's upper
    assert low == pytest.approx(delta - (high_back - delta))
    p, q = sum(a) / len(a) / 100, sum(b) / len(b) / 100
    assert evalstats.binomial(p, len(a), q, len(b)).stderr == pytest.approx(
        evalstats.binomial(q, len(b), p, len(a)).stderr
    )


@given(scores, st.integers(2, 5))
def test_more_samples_never_widen_the_interval(diffs_source, times):
    base = {i: 0.0 for i in range(len(diffs_source))}
    cand = dict(enumerate(diffs_source))
    more_base = {(k, t): v for t in range(times) for k, v in base.items()}
    more_cand = {(k, t): v for t in range(times) for k, v in cand.items()}
    few, many = evalstats.paired(base, cand), evalstats.paired(more_base, more_cand)
    assert many.stderr <= few.stderr + 1e-12
    p = sum(diffs_source) / len(diffs_source) / 100
    n = len(diffs_source)
    assert evalstats.binomial(p, n * times, p, n * times).stderr <= (
        evalstats.binomial(p, n, p, n).stderr + 1e-12
    )


def conf_policy(**evals) -> Policy:
    return Policy(evals=Evals(**{"max_regression": 1.0, **evals}))


def measured(delta: float, stderr: float | None, samples: int | None) -> EvalResult:
    return EvalResult(
        "a", "coding", 70.0, 70.0 + delta, samples=samples, at=at(1), stderr=stderr, paired=True
    )


def test_non_inferiority_blocks_a_drop_that_could_exceed_the_allowance():
    pol = conf_policy(confidence=0.95)
    # -0.5 ± 0.98: could be -1.48, more than 1 point: blocks; the plain rule passes it.
    assert rules(run(rec([measured(-0.5, 0.5, 800)], [ok()]), pol=pol)) == ["AUD003"]
    assert rules(run(rec([measured(-0.5, 0.5, 800)], [ok()]), pol=conf_policy())) == []
    # -0.5 ± 0.2: at worst -0.7: passes; +0.2 ± 0.6 (a small eval) at worst -0.98: passes.
    assert run(rec([measured(-0.5, 0.1, 5000)], [ok()]), pol=pol) == []
    assert run(rec([measured(0.2, 0.3, 200)], [ok()]), pol=pol) == []
    message = run(rec([measured(-0.5, 0.5, 800)], [ok()]), pol=pol)[0].message
    assert "-0.5 ± 1.0 (n=800, paired)" in message and "1.48 points" in message


def test_an_eval_without_error_bars_or_enough_samples_is_aud012():
    pol = conf_policy(confidence=0.95)
    assert rules(run(rec([measured(0.0, None, 800)], [ok()]), pol=pol)) == ["AUD012"]
    assert rules(run(rec([measured(0.0, 0.1, None)], [ok()]), pol=pol)) == ["AUD012"]
    small = conf_policy(min_samples=200)
    assert rules(run(rec([measured(0.0, 0.1, 150)], [ok()]), pol=small)) == ["AUD012"]
    assert run(rec([measured(0.0, 0.1, 200)], [ok()]), pol=small) == []
    assert (
        "150 samples, the policy asks 200"
        in run(rec([measured(0.0, 0.1, 150)], [ok()]), pol=small)[0].message
    )


def test_confidence_must_be_a_level():
    from auditui.core.base.errors import AuditError
    from auditui.core.policy.parse import parse_policy

    with pytest.raises(AuditError, match="confidence level between 0 and 1"):
        parse_policy('[layout]\nmodels = ["m/*.toml"]\n[evals]\nconfidence = 95\n', "p")
    parsed = parse_policy(
        '[layout]\nmodels = ["m/*.toml"]\n[evals]\nconfidence = 0.9\nmin_samples = 100\n', "p"
    )
    assert (parsed.evals.confidence, parsed.evals.min_samples) == (0.9, 100)


@given(
    baseline=st.floats(0, 100, allow_nan=False),
    candidate=st.floats(0, 100, allow_nan=False),
    limit=st.sampled_from([0.0, 0.5, 1.0, 3.0]),
    confidence=st.sampled_from([None, 0.9, 0.95]),
    stderr=st.one_of(st.none(), st.floats(0, 5, allow_nan=False)),
    samples=st.one_of(st.none(), st.integers(1, 5000)),
)
def test_the_screens_and_the_check_give_one_answer(
    baseline, candidate, limit, confidence, stderr, samples
):
    """`regresses` (what the app paints red) is AUD003 exactly, plain or at a
    confidence level, an eval without error bars included."""
    from auditui.core.audit.checks import regresses

    pol = conf_policy(max_regression=limit, confidence=confidence)
    eval_ = EvalResult(
        "a", "coding", baseline, candidate, samples=samples, at=at(1), stderr=stderr, paired=True
    )
    blocked = "AUD003" in rules(run(rec([eval_], [ok()]), pol=pol))
    assert regresses(eval_, pol.evals) == blocked


def test_exactly_the_allowance_passes_in_both_modes():
    from auditui.core.audit.checks import regresses

    plain = EvalResult("a", "coding", 10.3, 7.3, at=at(1))
    assert not regresses(plain, Evals(max_regression=3.0))
    assert regresses(plain, Evals(max_regression=2.99))
    exact = measured(-1.0, 0.0, 500)  # no spread: the lower bound is the delta itself
    assert not regresses(exact, Evals(max_regression=1.0, confidence=0.95))
    assert not regresses(measured(-5.0, 1.0, None), Evals(confidence=0.95))  # AUD012's case
