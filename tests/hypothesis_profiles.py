"""Hypothesis profiles: ``ci`` (derandomised: the same examples on every run, so a red CI run is
reproducible and a green one is not luck) when ``CI=true`` (set by ``.ci/run``), ``dev``
(random: every local run explores new examples) otherwise; ``HYPOTHESIS_PROFILE`` picks one by
name. Tests' own ``@settings`` (example counts, deadlines) apply on top of either."""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", derandomize=False, print_blob=True)


def chosen_profile(environ: Mapping[str, str]) -> str:
    """The profile a run with this environment uses."""
    if environ.get("HYPOTHESIS_PROFILE"):
        return environ["HYPOTHESIS_PROFILE"]
    return "ci" if environ.get("CI", "").strip().lower() in {"1", "true", "yes"} else "dev"


settings.load_profile(chosen_profile(os.environ))
