"""The Hypothesis profile follows the environment: derandomised in CI, random locally."""

from __future__ import annotations

import os

from hypothesis import settings

from tests.hypothesis_profiles import chosen_profile


def test_ci_runs_derandomised_and_local_runs_random() -> None:
    assert chosen_profile({"CI": "true"}) == "ci"
    assert chosen_profile({}) == "dev"
    assert chosen_profile({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}) == "dev"
    assert settings.get_profile("ci").derandomize is True
    assert settings.get_profile("dev").derandomize is False
    # the profile of this very run was loaded by tests/conftest.py
    assert settings().derandomize is (chosen_profile(os.environ) == "ci")
