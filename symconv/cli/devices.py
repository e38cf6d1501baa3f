"""``symconv devices``: the named hardware of the rooflines, and every figure of one device with its citation."""

from __future__ import annotations

import argparse

from symconv.analysis.devices import SCALE, Device, Names, devices

EXAMPLE = """\
examples:
  symconv devices
  symconv devices MI300X

Peaks are dense, in 10^12 operations per second (a multiply-accumulate is 2); sparse peaks,
bandwidth (GB/s) and on-chip capacity (MiB) are listed per device with the document and the
place in it that states each figure, its basis and how it was checked.
"""


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    parser = commands.add_parser(
        "devices",
        help="the named devices of the rooflines, or every figure of one with its source",
        description="The named devices (peak, bandwidth, on-chip capacity), or one device's figures, each cited.",
        epilog=EXAMPLE,
        formatter_class=formatter,
    )
    parser.add_argument("device", nargs="?", choices=Names(), help="list this device's cited figures")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(figures(devices()[args.device]) if args.device else overview())
    return 0


def overview() -> str:
    """One line per device: dense peaks, bandwidth, last-level capacity, figures not verified."""
    lines = [("device", "kind", "dense peak (T/s)", "GB/s", "MiB", "not verified")]
    for d in devices().values():
        peaks = ", ".join(f"{dtype} {_number(value, 'peak')}" for dtype, value in d.peak.items())
        memory = "-" if d.fast_memory is None else _number(d.fast_memory, "fast_memory")
        unverified = sum(f.check == "not verified" for f in d.figures)
        lines.append((d.name, d.kind, peaks, _number(d.bandwidth, "bandwidth"), memory, str(unverified)))
    return _columns(lines)


def figures(chip: Device) -> str:
    """Every figure of ``chip``: value, basis, check, and where the document states it."""
    lines = [("figure", "value", "basis", "check", "where")]
    for f in chip.figures:
        formula = f" = {f.formula.units} x {f.formula.per_clock} x {f.formula.clock_mhz} MHz" if f.formula else ""
        lines.append((f.name, f.value, f.basis + formula, f.check, f"{f.source.document}: {f.where}"))
    notes = [f"  {f.name}: {f.note}" for f in chip.figures if f.note]
    sources = sorted({f"  {f.source.document}: {f.source.url}" for f in chip.figures})
    return "\n".join(
        [f"{chip.name} ({chip.kind}): {chip.notes}", _columns(lines), "notes:", *notes, "sources:", *sources]
    )


def _number(value, kind: str) -> str:
    return f"{float(value / SCALE[kind]):g}"


def _columns(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(line, widths, strict=False)), line[-1]]) for line in lines)
