"""The fast tier (``pytest -m "not slow"``): a test that starts the real ``symconv`` command is slow.

Those tests take the ``launcher`` fixture (one subprocess per case, each importing
symconv afresh); their in-process twins stay in the fast tier. Other slow tests
(LaTeX compilation, the Sphinx build, byte-identity across processes) carry the
``slow`` marker themselves.
"""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "launcher" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
