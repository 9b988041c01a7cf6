"""Hypothesis settings for the whole suite: the same examples on every run, unless asked not to.

Every property test (`grep -rl "@given" tests`) inherits these unless it sets a value itself
(several set their own `max_examples`; the safety campaigns also fix their own `@seed`, which
hypothesis prefers). `tests/conftest.py` loads the profile before any test module is imported.

- `b12k-ci` (the default, and always under CI=true): derandomized (examples derived from each
  test's own source, so a red run is red again on any machine and a green run stays green), no
  example database carried between runs, no deadline and no timing health check (a loaded machine
  must not fail or skip a test), and the blob to replay a failure printed with it.
- `b12k-explore` (opt in with B12K_HYPOTHESIS_EXPLORE=1, ignored under CI): the same with fresh
  random examples on every run, to look for what the fixed ones miss. A failure prints the
  `@reproduce_failure` blob to replay it; make it a regression test.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import HealthCheck, settings

CI_PROFILE = "b12k-ci"
EXPLORE_PROFILE = "b12k-explore"
#: Set to 1 for a randomized exploratory run (never in CI, whose runs must be reproducible).
EXPLORE_ENV = "B12K_HYPOTHESIS_EXPLORE"

settings.register_profile(
    CI_PROFILE,
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(EXPLORE_PROFILE, settings.get_profile(CI_PROFILE), derandomize=False)


def profile_name(environ: Mapping[str, str]) -> str:
    """The profile for this environment: CI and the default reproducible, exploring on request."""
    if environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return CI_PROFILE
    if environ.get(EXPLORE_ENV, "").strip() == "1":
        return EXPLORE_PROFILE
    return CI_PROFILE


def load(environ: Mapping[str, str]) -> str:
    """Load the profile for this environment and return its name."""
    name = profile_name(environ)
    settings.load_profile(name)
    return name
