"""CI is reproducible: every property test draws the same examples on every run and machine.

The suite's hypothesis profile (tests/hypothesis_profiles.py, loaded by tests/conftest.py) is
derandomized with no example database; a randomized run is opt-in and never under CI=true. The
fixed examples must still find a counterexample: derandomized is not the same as toothless.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import hypothesis_profiles as hp
from tests.logic import test_limits_properties, test_properties

#: The checks of the reproducible profile do not apply to an exploratory run, which asked for
#: randomness on purpose.
reproducible_only = pytest.mark.skipif(
    hp.profile_name(os.environ) != hp.CI_PROFILE,
    reason=f"{hp.EXPLORE_ENV}=1: an exploratory run is randomized on purpose",
)


@reproducible_only
def test_the_suite_runs_under_the_reproducible_profile() -> None:
    ci = settings.get_profile(hp.CI_PROFILE)
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.deadline is None
    # The suite's own profile, not hypothesis's built-in "ci" one that CI=true alone would load.
    assert settings.get_current_profile_name() == hp.CI_PROFILE
    active = settings()
    assert (active.derandomize, active.database, active.deadline) == (True, None, None)
    assert active.max_examples == ci.max_examples


@reproducible_only
def test_module_level_settings_of_the_property_tests_inherit_it() -> None:
    for module_settings in (test_properties.SETTINGS, test_limits_properties.SETTINGS):
        assert module_settings.derandomize is True
        assert module_settings.database is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, hp.CI_PROFILE),
        ({"CI": "true"}, hp.CI_PROFILE),
        ({hp.EXPLORE_ENV: "1"}, hp.EXPLORE_PROFILE),
        ({hp.EXPLORE_ENV: "1", "CI": "true"}, hp.CI_PROFILE),
        ({hp.EXPLORE_ENV: "1", "CI": "false"}, hp.EXPLORE_PROFILE),
        ({hp.EXPLORE_ENV: "0"}, hp.CI_PROFILE),
    ],
    ids=["default", "ci", "explore", "explore-ignored-in-ci", "ci-false", "explore-0"],
)
def test_exploring_is_opt_in_and_never_in_ci(environ: dict[str, str], expected: str) -> None:
    assert hp.profile_name(environ) == expected


def test_the_explore_profile_is_randomized() -> None:
    explore = settings.get_profile(hp.EXPLORE_PROFILE)
    assert explore.derandomize is False
    assert explore.database is None


@reproducible_only
def test_two_runs_draw_the_same_examples() -> None:
    seen: list[int] = []

    @settings(max_examples=30)
    @given(st.integers())
    def collect(n: int) -> None:
        seen.append(n)

    collect()
    first = list(seen)
    seen.clear()
    collect()
    assert seen == first
    assert len(set(first)) > 10


def test_the_fixed_examples_still_find_a_counterexample() -> None:
    @settings(max_examples=200)
    @given(st.integers(0, 10_000))
    def below_half(n: int) -> None:
        assert n < 5_000

    with pytest.raises(AssertionError):
        below_half()
