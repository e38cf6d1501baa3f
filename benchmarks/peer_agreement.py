"""How often ``PEERS[tool]`` equals the real tool, on the cases of ``tests/test_peers_tools.py``.

``python benchmarks/peer_agreement.py`` (with the ``peers`` extra); the symconv measured is the one
on ``PYTHONPATH`` (e.g. ``PYTHONPATH=/path/to/other/checkout`` to measure another version).
"""

import importlib.util
import sys
from pathlib import Path

from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # tests.peer_tools; a symconv earlier on PYTHONPATH wins
spec = importlib.util.spec_from_file_location("grid", ROOT / "tests" / "test_peers_tools.py")
grid = importlib.util.module_from_spec(spec)
spec.loader.exec_module(grid)

import symconv  # noqa: E402
from symconv.network.peers import PEERS  # noqa: E402

cases = (
    [(m, s) for m, s in grid.LAYERS] + [(m, (2, 3, 16, 16)) for m in grid.NETWORKS] + [(grid._Attention(), (2, 5, 8))]
)
agree, total = {}, {}
for model, shape in cases:
    if type(model).__module__.startswith("torch.nn.modules") and not isinstance(model, nn.Sequential):
        model = nn.Sequential(model)
    cost = symconv.from_torch(model, shape)
    for tool, run in grid.TOOLS.items():
        total[tool] = total.get(tool, 0) + 1
        try:
            ok = tool in PEERS and grid._same(run(model, shape), PEERS[tool].count(cost))
        except Exception:  # a convention that cannot count this case disagrees with the tool
            ok = False
        agree[tool] = agree.get(tool, 0) + ok
print(symconv.__file__)
for tool in total:
    print(f"{tool:16} {agree[tool]}/{total[tool]}")
