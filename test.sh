#!/usr/bin/env bash
# The tests: set up ./.venv with every extra (torch and a matching torchvision, TeX from Debian when root), lint, run pytest.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v latexmk >/dev/null || ! command -v pdftotext >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends latexmk texlive-latex-base texlive-latex-recommended \
      texlive-latex-extra texlive-fonts-recommended texlive-science lmodern poppler-utils >/dev/null
  else
    echo "test.sh: install latexmk, TeX Live (latex-extra, science) and poppler-utils first" >&2
    exit 1
  fi
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# a matching pair, so that torchvision's own operators load (PyPI's torchvision beside another torch build does not)
.venv/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1
.venv/bin/python -m pip install -q -e '.[test,numpy,plot,docs,zoo,peers]'
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
