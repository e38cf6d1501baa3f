"""pytest: the torch front end's doctests need the optional extra ``symconv[torch]``."""

import importlib.util
from pathlib import Path

_HERE = Path(__file__).parent
_TORCH_FRONT_END = [str(p.relative_to(_HERE)) for p in sorted((_HERE / "symconv" / "network").glob("torch_*.py"))]
collect_ignore = [] if importlib.util.find_spec("torch") else _TORCH_FRONT_END
