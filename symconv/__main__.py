"""``python -m symconv`` runs the ``symconv`` command."""

import sys

from symconv.cli import main

sys.exit(main())
