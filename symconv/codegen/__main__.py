"""``python -m symconv.codegen [DERIVATIONS_DIR]`` regenerates the built-in operators' cost modules."""

import sys
from pathlib import Path

from symconv.codegen.write import write_artifacts

for path in write_artifacts(Path(sys.argv[1] if len(sys.argv) > 1 else "derivations")):
    print(path)
