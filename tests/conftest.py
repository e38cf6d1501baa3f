"""The fast tier (``pytest -m "not slow"``): a test that starts the real ``symconv`` command is slow.

Those tests take the ``launcher`` fixture (one subprocess per case, each importing
symconv afresh); their in-process twins stay in the fast tier. Other slow tests
(LaTeX compilation, the Sphinx build, byte-identity across processes) carry the
``slow`` marker themselves.

The fast tier also runs each property-based test on a quarter of its examples (at least
``FEWEST``); a run that keeps the slow tests, and any run with ``CI`` set, runs them all.
"""

import os

import pytest
from hypothesis import settings
from hypothesis.internal.detection import is_hypothesis_test

#: The fast tier runs 1/FAST_SHARE of each property test's examples, and at least FEWEST.
FAST_SHARE = 4
FEWEST = 5


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    fewer = "not slow" in (config.getoption("markexpr") or "") and not os.environ.get("CI")
    scaled: set[int] = set()
    for item in items:
        if "launcher" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
        test = getattr(item, "obj", None)
        if fewer and is_hypothesis_test(test) and id(test) not in scaled:  # a parametrized test: its cases share it
            scaled.add(id(test))
            chosen = test._hypothesis_internal_use_settings  # what @settings gave; read when the test runs
            test._hypothesis_internal_use_settings = settings(
                chosen, max_examples=max(FEWEST, chosen.max_examples // FAST_SHARE)
            )
