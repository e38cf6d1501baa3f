"""Sphinx configuration: MyST pages, API reference from numpydoc docstrings, furo theme.

Build with warnings as errors: ``sphinx-build -W -b html docs docs/_build/html``.
Figures and the CLI reference are generated at build time (``_ext/``) from the
library itself, so the pages cannot drift from the code.
"""

import shutil
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE / "_ext")]

import symconv  # noqa: E402

# A package's __main__ runs a program when imported (``python -m``); autosummary imports every
# submodule, so stand in a module marked as mocked, which autosummary skips without running it.
for main in sorted((HERE.parent / "symconv").rglob("__main__.py")):
    name = ".".join(main.relative_to(HERE.parent).with_suffix("").parts)
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name].__sphinx_mock__ = True

project = "symconv"
author = "symconv contributors"
copyright = "symconv contributors"
release = symconv.__version__
version = symconv.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "symconv_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
# The stubs are regenerated from the package on every build: stale ones (a module removed) would warn.
shutil.rmtree(HERE / "generated", ignore_errors=True)
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

html_theme = "furo"
html_title = f"symconv {release}"
