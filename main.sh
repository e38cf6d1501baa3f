#!/usr/bin/env bash
# The main job: set up symconv in ./.venv and derive every seed formula (and regenerate derivations/).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/symconv seeds
.venv/bin/symconv derivations   # regenerate derivations/: LaTeX documents, tables, generated code
