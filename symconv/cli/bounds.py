"""``symconv bounds``: per-layer traffic of a network against the fast-memory size S: bounds and a tiled schedule."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import sympy

from symconv.analysis.bounds import S, best_lower, network_bounds
from symconv.analysis.device_roofline import layer_rooflines, plot
from symconv.analysis.devices import Names, device
from symconv.cli.values import BadValue
from symconv.errors import InvalidConfiguration
from symconv.files import write_bytes_atomic
from symconv.network import examples

NETWORKS = {"mobilenet_v1": examples.mobilenet_v1}

EXAMPLE = """\
examples:
  symconv bounds mobilenet_v1 --device H100-SXM5 --dtype fp16
  symconv bounds mobilenet_v1 --fast-memory 65536 --resolution 128
  symconv bounds mobilenet_v1 --device Jetson-AGX-Orin-64GB --dtype int8 --plot traffic.png
  symconv bounds mobilenet_v1 --device Grace-CPU-Superchip --dtype fp64 --roofline roofline.png

Traffic is in elements. compulsory: what any schedule moves (each touched input, weight and output once);
direct >= and im2col >=: lower bounds for a direct convolution and for the im2col GEMMs with S words of
fast memory; tiled: what an output-stationary tiled im2col GEMM moves; S*: below it the GEMM bound's
S-term exceeds the GEMM's compulsory traffic. --roofline adds each layer's verdict on the device
(memory- or compute-bound, with ideal and with compulsory traffic) and writes the roofline plot.
"""

COLUMNS = ("layer", "MACs", "compulsory", "direct >=", "im2col >=", "tiled", "tiled/best", "S*")


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    parser = commands.add_parser(
        "bounds",
        help="per-layer I/O lower bounds and tiled-schedule traffic against the fast-memory size S",
        description="Per-layer traffic of a network: compulsory, lower bounds in S, and a tiled schedule.",
        epilog=EXAMPLE,
        formatter_class=formatter,
    )
    parser.add_argument("network", choices=sorted(NETWORKS), help="a network from symconv.network.examples")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--device", choices=Names(), help="take S from this device's last-level cache")
    where.add_argument("--fast-memory", type=int, metavar="WORDS", help="S, in elements")
    parser.add_argument("--dtype", default="fp16", help="element type: sets S from the device's bytes")
    parser.add_argument("--resolution", type=int, default=224, help="input height and width")
    parser.add_argument("--batch", type=int, default=1, help="batch size")
    parser.add_argument("--plot", metavar="FILE", help="write traffic against S per layer (.png or .svg)")
    parser.add_argument(
        "--roofline", metavar="FILE", help="with --device: print per-layer verdicts, write the roofline (.png or .svg)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.roofline and not args.device:
        raise InvalidConfiguration("--roofline needs --device: the verdicts use the device's peak and bandwidth")
    for option, path in (("--plot", args.plot), ("--roofline", args.roofline)):
        if path is not None:
            check_figure_path(option, path)
    if args.roofline:
        device(args.device).balance(args.dtype)  # a dtype the device has no peak for fails before any output
    net = NETWORKS[args.network](resolution=args.resolution, batch=args.batch)
    words, where = fast_memory(args)
    rows = network_bounds(net)
    print(f"{args.network}, batch {args.batch}, {args.resolution}x{args.resolution}: S = {words} words ({where})")
    print(table(rows, words))
    if args.plot:
        write_bytes_atomic(args.plot, traffic_plot(rows, words, Path(args.plot).suffix.lstrip(".")))
        print(f"wrote {args.plot}")
    if args.roofline:
        verdicts = layer_rooflines(net.cost(), args.device, args.dtype)
        print(roofline_table(verdicts, device(args.device), args.dtype))
        plot(verdicts, args.device, args.dtype, args.roofline)
        print(f"wrote {args.roofline}")
    return 0


def check_figure_path(option: str, path: str) -> None:
    """Refuse a figure file that is neither .png nor .svg, or in no directory, before any work is done."""
    target = Path(path)
    if target.suffix not in (".png", ".svg"):
        raise BadValue(f"{option} {path!r} must end in .png or .svg")
    if not target.parent.is_dir():
        raise BadValue(f"{option} {path!r}: directory {str(target.parent)!r} does not exist")


def fast_memory(args: argparse.Namespace) -> tuple[int, str]:
    if args.fast_memory is not None:
        if args.fast_memory < 3:
            raise InvalidConfiguration(f"--fast-memory={args.fast_memory} must be at least 3 words")
        return args.fast_memory, "given"
    chip = device(args.device or "H100-SXM5")
    words = chip.fast_memory_words(args.dtype)
    if words is None:
        raise InvalidConfiguration(f"--device={chip.name} publishes no on-chip memory size: give --fast-memory")
    return int(words), f"{chip.name} last-level cache, {args.dtype}"


def table(rows, words: int) -> str:
    lines = [COLUMNS]
    for name, bounds in rows:
        at = bounds.at(S=words)
        best = best_lower(at)
        lines.append(
            (
                name,
                str(at.macs),
                str(at.compulsory),
                _words(at.direct_lower),
                _words(at.gemm_lower),
                str(at.tiled),
                f"{float(at.tiled / best):.2f}",
                _words(at.s_star_gemm),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines)


def roofline_table(rows, chip, dtype: str) -> str:
    """Each layer's intensity (FLOP per byte, ideal traffic) and its verdicts with ideal and compulsory traffic."""
    lines = [("layer", "FLOPs", "FLOP/byte", "ideal traffic", "compulsory traffic")]
    lines += [(r.name, str(r.flops), f"{float(r.intensity):.2f}", r.ideal.verdict, r.compulsory.verdict) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    head = f"roofline on {chip.name}, {dtype}: balance {float(chip.balance(dtype)):.4g} FLOP per byte"
    return "\n".join(
        [head] + ["  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    )


def _words(value) -> str:
    if value is None:
        return "-"
    value = sympy.Integer(value) if isinstance(value, int) else value
    return str(value) if value.is_Integer else str(int(sympy.ceiling(value)))


def traffic_plot(rows, words: int, fmt: str) -> bytes:
    """Log-log traffic (elements) against S for each layer shape: best lower bound solid, tiled schedule dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [2**e for e in range(4, 28)]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    shown: set[str] = set()
    for name, bounds in rows:
        if bounds.operator in shown or len(shown) >= 8:
            continue  # one curve per distinct layer
        shown.add(bounds.operator)
        lower = [float(best_lower(bounds.at(S=s))) for s in sizes]
        tiled = [float(bounds.tiled.subs(S, s)) for s in sizes]
        (line,) = ax.plot(sizes, lower, lw=1.2, label=name)
        ax.plot(sizes, tiled, lw=0.9, ls="--", color=line.get_color())
    ax.axvline(words, color="black", lw=0.8, ls=":")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("fast memory S (elements)")
    ax.set_ylabel("traffic (elements): lower bound solid, tiled im2col dashed")
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
    plt.close(fig)
    return buffer.getvalue()
