"""Everything rendered for the built-in operators, as files under ``derivations/``.

:func:`artifacts` maps each path (relative to ``derivations/``) to its content; it is a
merge of one dict per family of outputs, so a new family is one more entry.
``python -m symconv.render.artifacts`` writes them (each file atomically, only when it changed);
``python -m symconv.render.artifacts --check`` lists stale files and exits 1 if there are any.
Output is deterministic: the same code renders byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from symconv import codegen
from symconv.analysis import backward_derivations
from symconv.analysis.bound_derivations import bound_derivations
from symconv.analysis.derivations import builtin
from symconv.analysis.seeds import BY_ID
from symconv.core.cost import Cost
from symconv.files import write_atomic
from symconv.latex import derivation, seed000_table, seed001_table, table
from symconv.ops import Conv2d, DepthwiseSeparableConv2d, PartialConv2d
from symconv.provenance import made_by
from symconv.symbols import C, H, K, W, g

ROOT = "derivations"
LATEX = "latex"

#: The operators of the paper tables: C -> C channels, K x K kernel, 'same' padding, batch 1, no bias.
SHAPE = (1, C, H, W)
#: A ResNet-like layer for the tables at given values.
VALUES = {"C": 64, "K": 3, "H": 56, "W": 56, "g": 4}
COMMAND = "python -m symconv.render.artifacts (or: symconv derivations)"
QUANTITIES = ("macs", "params", "memory:ideal", "ratio:macs")
QUANTITIES_AT_VALUES = ("macs", "params", "memory:ideal", "memory:im2col", "intensity:flops:ideal", "ratio:macs")


def operators() -> dict[str, Cost]:
    """The built-in operators of the paper tables, costed on ``SHAPE``."""
    ops = {
        "standard conv": Conv2d(C, C, K, padding="same", bias=False),
        "grouped conv": Conv2d(C, C, K, padding="same", groups=g, bias=False),
        "depthwise conv": Conv2d(C, C, K, padding="same", groups=C, bias=False),
        "pointwise conv": Conv2d(C, C, 1, bias=False),
        "DWConv, unfused": DepthwiseSeparableConv2d(C, C, K, padding="same", bias=False),
        "DWConv, fused": DepthwiseSeparableConv2d(C, C, K, padding="same", bias=False, fused=True),
        "PConv": PartialConv2d(C, K, conv_channels=C / 4),
    }
    return {name: op.cost(SHAPE) for name, op in ops.items()}


def _pair(name: str, render: Callable[..., str]) -> dict[str, str]:
    """A standalone document and its fragment for ``\\input``."""
    return {f"{LATEX}/{name}.tex": render(document=True), f"{LATEX}/fragments/{name}.tex": render(document=False)}


def latex_tables() -> dict[str, str]:
    """The paper tables: the seed articles' summary tables and the built-in operators, symbolic and at values."""
    rows = operators()
    caption = (
        r"Cost of $C$-to-$C$ operators with a $K \times K$ kernel on an $H \times W$ input (stride 1, `same' padding, "
        r"batch 1, no bias); grouped conv with $g$ groups, PConv convolving $C/4$ of the channels"
    )
    return {
        **_pair("table-seed000", seed000_table),
        **_pair("table-seed001", seed001_table),
        **_pair(
            "table-operators",
            lambda document: table(
                rows,
                QUANTITIES,
                baseline="standard conv",
                caption=caption,
                raw_caption=True,
                label="tab:operators",
                document=document,
            ),
        ),
        **_pair(
            "table-operators-values",
            lambda document: table(
                rows,
                QUANTITIES_AT_VALUES,
                baseline="standard conv",
                values=VALUES,
                caption=caption,
                raw_caption=True,
                label="tab:operators-values",
                document=document,
            ),
        ),
    }


def latex_derivations() -> dict[str, str]:
    """A document per built-in derivation (:func:`~symconv.analysis.derivations.builtin`), with the seeds' lowerings."""
    rendered: dict[str, str] = {}
    backward_lowerings = backward_derivations.lowerings()
    for slug, d in {**builtin(), **backward_derivations.builtin()}.items():
        row = BY_ID.get(slug)
        lowering = {row.operator: row.cost()} if row is not None else backward_lowerings.get(slug, {})
        rendered |= _pair(f"derivation-{slug}", partial(derivation, d, lowering=lowering, label=f"eq:{slug}"))
    return rendered


def latex_bound_derivations() -> dict[str, str]:
    """A document per I/O-bound derivation (:mod:`symconv.analysis.bound_derivations`)."""
    rendered: dict[str, str] = {}
    for slug, d in bound_derivations().items():
        rendered |= _pair(slug, partial(derivation, d, label=f"eq:{slug}"))
    return rendered


def artifacts() -> dict[str, str]:
    """Every rendered file for the built-in operators: path relative to ``derivations/`` -> content.

    Each LaTeX file's header names the command that regenerates them all, whoever calls this.
    """
    with made_by(COMMAND):
        return {**latex_derivations(), **latex_bound_derivations(), **latex_tables(), **codegen.artifacts()}


def stale(root: str | Path = ROOT, rendered: dict[str, str] | None = None) -> list[str]:
    """Paths (relative to ``root``) that are missing, differ from what would be rendered, or are no longer rendered.

    Only files of the kinds rendered (by suffix) count as left over: a PDF or log compiled next
    to the sources is not stale.
    """
    rendered = artifacts() if rendered is None else rendered
    base = Path(root)
    changed = [p for p, text in rendered.items() if not _same(base / p, text)]
    families = {p.split("/", 1)[0] for p in rendered}
    suffixes = {Path(p).suffix for p in rendered}
    extra = [
        str(f.relative_to(base))
        for family in sorted(families)
        if (base / family).is_dir()
        for f in sorted((base / family).rglob("*"))
        if f.is_file() and f.suffix in suffixes and str(f.relative_to(base)) not in rendered
    ]
    return sorted(changed + extra)


def problems(root: str | Path = ROOT, rendered: dict[str, str] | None = None) -> dict[str, str]:
    """What is wrong under ``root``, path by path: ``'missing'``, ``'stale'`` (differs) or ``'left over'``."""
    rendered = artifacts() if rendered is None else rendered
    base = Path(root)
    found = {}
    for path in stale(root, rendered):
        if path not in rendered:
            found[path] = "left over"
        else:
            found[path] = "stale" if (base / path).is_file() else "missing"
    return found


def repository_root(start: str | Path | None = None) -> Path | None:
    """The symconv repository containing ``start`` (default: the working directory), if any.

    It is the directory holding the ``derivations/`` this package renders beside its own source.
    """
    package = Path(__file__).resolve().parents[1]  # symconv/, above this module's render/
    here = Path.cwd() if start is None else Path(start)
    for directory in (here.resolve(), *here.resolve().parents):
        if (directory / ROOT).is_dir() and (directory / "symconv").resolve() == package:
            return directory
    return None


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def write_artifacts(root: str | Path = ROOT, rendered: dict[str, str] | None = None) -> list[str]:
    """Render everything (unless given ``rendered``), then write each file that changed (atomically); return the
    paths written."""
    rendered = artifacts() if rendered is None else rendered
    written = [p for p, text in rendered.items() if not _same(Path(root) / p, text)]
    for path in written:
        write_atomic(Path(root) / path, rendered[path])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m symconv.render.artifacts", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT, help="output directory (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="list stale files and exit 1 if any, writing nothing")
    args = parser.parse_args(argv)
    if args.check:
        found = problems(args.root)
        for path, what in found.items():
            print(f"{what}: {path}")
        return 1 if found else 0
    for path in write_artifacts(args.root):
        print(f"wrote {Path(args.root) / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
