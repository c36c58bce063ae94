"""How sure an eval delta is (docs/records.md): its standard error, and the non-inferiority test.

With 200 samples a 3-point drop is within noise; with 5,000 a 1-point drop is not. The
standard error of `candidate - baseline`, in score points, is, in order of preference:

- **paired**: from per-sample differences on the sample ids both runs scored (the same
  questions asked of both configs: most of the noise cancels),
- **unpaired**: `sqrt(se_b² + se_c²)` from the standard error each run reports,
- **binomial**: `sqrt(p(1-p)/n)` per side, for pass rates with sample counts.

All in the standard library (statistics.NormalDist): nothing here needs numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist, fmean, stdev
from typing import Any


@dataclass(frozen=True)
class Spread:
    """The standard error of a delta and how it was found."""

    stderr: float
    paired: bool
    samples: int  # sample ids both sides scored (paired), else the smaller side's count


def paired(baseline: Mapping[Any, float], candidate: Mapping[Any, float]) -> Spread | None:
    """From per-sample scores keyed by sample id; None with fewer than two shared ids."""
    shared = baseline.keys() & candidate.keys()
    if len(shared) < 2:
        return None
    diffs = [candidate[k] - baseline[k] for k in shared]
    return Spread(stdev(diffs, fmean(diffs)) / math.sqrt(len(diffs)), True, len(diffs))


def unpaired(se_baseline: float, se_candidate: float, samples: int) -> Spread:
    return Spread(math.hypot(se_baseline, se_candidate), False, samples)


def binomial(p_baseline: float, n_baseline: int, p_candidate: float, n_candidate: int) -> Spread:
    """Pass rates as proportions (0..1) over n samples each; the result in points."""
    var = p_baseline * (1 - p_baseline) / n_baseline + p_candidate * (1 - p_candidate) / n_candidate
    return Spread(100 * math.sqrt(var), False, min(n_baseline, n_candidate))


def half_width(stderr: float, confidence: float) -> float:
    """Half the two-sided interval at `confidence` (0.95 -> 1.96 standard errors)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2) * stderr


def lower_bound(delta: float, stderr: float, confidence: float) -> float:
    return delta - half_width(stderr, confidence)


def shown(
    delta: float,
    stderr: float | None,
    samples: int | None,
    is_paired: bool | None,
    confidence: float = 0.95,
) -> str:
    """`-3.1 ± 1.2 (n=1200, paired)`: the delta with its interval's half-width."""
    text = f"{delta:+.1f}"
    if stderr is not None:
        text += f" ± {half_width(stderr, confidence):.1f}"
    facts = [f"n={samples}"] if samples is not None else []
    if stderr is not None:
        facts.append("paired" if is_paired else "unpaired")
    return text + (f" ({', '.join(facts)})" if facts else "")
