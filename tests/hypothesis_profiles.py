"""Hypothesis settings for filmcli's fuzz tests: deterministic in CI, long on request.

Import `fuzz` and decorate a property with `@fuzz(n)`: `n` is its example
count in the CI profile (derandomized, so every run tries the same inputs).
`FILMCLI_FUZZ=long` switches to random inputs, many more examples and no
deadline, for a soak run:

    FILMCLI_FUZZ=long python -m pytest tests/test_fuzz.py --hypothesis-show-statistics

The settings are applied per test, not loaded as the global profile, so other
test files that use hypothesis keep their own defaults.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("FILMCLI_FUZZ", "").lower() == "long"
#: examples per test in the long run, as a multiple of the CI count
LONG_FACTOR = int(os.environ.get("FILMCLI_FUZZ_FACTOR", "200"))

_SLOW_OK = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
]

settings.register_profile(
    "filmcli-ci",
    derandomize=True,  # same examples every run: a red CI is reproducible, never flaky
    database=None,  # nothing written into the checkout
    deadline=None,  # the machine is shared; a slow example is not a failure
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "filmcli-long",
    derandomize=False,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,  # a failure prints @reproduce_failure(...) to replay it exactly
)


def fuzz(examples: int) -> settings:
    """Settings for one property: `examples` in CI, LONG_FACTOR times more in the long run."""
    if LONG:
        return settings(settings.get_profile("filmcli-long"), max_examples=examples * LONG_FACTOR)
    return settings(settings.get_profile("filmcli-ci"), max_examples=examples)
