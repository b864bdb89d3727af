"""The ``rackscape`` command: the designer window and the headless commands.

Exit codes: 0 success; 1 ``check`` found errors; 2 unreadable or invalid input
(one line on stderr naming the file, the field and what was expected).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from engine.errors import InputError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERRORS, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like argparse but terser
        self.exit(EXIT_INPUT, f"rackscape: {message}\n")


def _parse_sets(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(None, f"--set {item}", "KEY=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _load(path: str):
    from engine.io import load_layout

    return load_layout(path)


def _fmt_kw(kw: float) -> str:
    return f"{kw / 1000:.3f} MW" if kw >= 1000 else f"{kw:.1f} kW"


def _print_analysis(a, file: str) -> None:
    d = a.to_dict()
    c, p, co, cb, n = d["counts"], d["power"], d["cooling"], d["cabling"], d["network"]
    print(f"{file} — generation {d['generation']}")
    print(f"  racks {c['racks']}  GPUs {c['gpus']}  servers {c['servers']}  CPU nodes "
          f"{c['cpu_nodes']}  switches {c['switches']['total']}")
    print(f"  IT {_fmt_kw(p['it_kw'])}  facility {_fmt_kw(p['facility_kw'])}  PUE {p['pue']:.2f}  "
          f"max rack {p['max_rack_kw']:.1f} kW  GPUs/MW {p['gpus_per_mw']:.0f}")
    print(f"  heat {_fmt_kw(co['heat_kw'])}: air {_fmt_kw(co['air_kw'])}, liquid "
          f"{_fmt_kw(co['liquid_kw'])} ({co['liquid_share']:.0%}); airflow "
          f"{co['airflow_cfm']:,.0f} CFM; coolant {co['liquid_flow_lpm']:,.0f} L/min")
    print(f"  cabling {cb['links']} links, {cb['transceivers']} transceivers, "
          f"{cb['total_length_m']:,.0f} m total, longest {cb['max_length_m']:.1f} m")
    print(f"  bisection {n['bisection_tbps']:.2f} Tb/s ({n['bisection_method']}), "
          f"{n['per_gpu_bisection_gbps']:.1f} Gb/s per GPU; scale-up domain "
          f"{n['scaleup_domain_gpus']} GPUs")
    sev = a.violations_by_severity()
    print(f"  violations: {sev['error']} error(s), {sev['warning']} warning(s)")


def cmd_analyze(args) -> int:
    from engine.analysis import analyze

    a = analyze(_load(args.file))
    if args.json:
        print(a.to_json())
    else:
        _print_analysis(a, args.file)
    return EXIT_OK


def cmd_check(args) -> int:
    from engine.analysis import analyze

    a = analyze(_load(args.file))
    for v in a.violations:
        items = f" [{', '.join(v.items[:6])}{', ...' if len(v.items) > 6 else ''}]" if v.items else ""
        print(f"{v.severity.upper():7s} {v.code}: {v.message}{items}")
    sev = a.violations_by_severity()
    print(f"{args.file}: {sev['error']} error(s), {sev['warning']} warning(s)")
    return EXIT_ERRORS if sev["error"] else EXIT_OK


def cmd_templates(args) -> int:
    from engine.templates import list_templates

    problems: list[str] = []
    ts = list_templates(generation=args.generation, problems=problems)
    for pr in problems:
        print(f"skipped: {pr}", file=sys.stderr)
    if args.json:
        print(json.dumps([{"id": t.id, "title": t.title, "generation": t.generation,
                           "version": t.version,
                           "parameters": [p.model_dump() for p in t.parameters]} for t in ts],
                         indent=2))
        return EXIT_OK
    for t in sorted(ts, key=lambda t: (t.generation, t.id)):
        print(f"{t.id}  [{t.generation}]  {t.title}  (v{t.version})")
        for p in t.parameters:
            rng = ""
            if p.min is not None or p.max is not None:
                rng = f", {p.min:g}..{p.max:g}"
            if p.choices:
                rng = f", one of {'|'.join(p.choices)}"
            print(f"    {p.name} ({p.type}, default {p.default}{rng}){': ' + p.help if p.help else ''}")
    return EXIT_OK


def cmd_new(args) -> int:
    from engine.io import save_layout
    from engine.templates import instantiate

    lay = instantiate(args.template, _parse_sets(args.set))
    save_layout(lay, args.output)
    print(f"wrote {args.output}: {len(lay.racks)} racks, {len(lay.cooling)} cooling units, "
          f"{len(lay.feeds)} feeds")
    return EXIT_OK


def cmd_open(args) -> int:
    from designer.app import run_app

    return run_app(args.file)


def cmd_compare(args) -> int:
    try:
        from engine.compare import run_compare_cli
    except ImportError:
        print("rackscape: compare is not available in this build", file=sys.stderr)
        return EXIT_INPUT
    return run_compare_cli(args)


def cmd_report(args) -> int:
    try:
        from designer.reports import run_report_cli
    except ImportError:
        print("rackscape: report is not available in this build", file=sys.stderr)
        return EXIT_INPUT
    return run_report_cli(args)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``rackscape`` command."""
    p = _Parser(prog="rackscape", description="Design AI data-center halls: power, cooling, "
                "cabling and bisection bandwidth, live.")
    p.add_argument("--screenshot", metavar="OUT.png", help="render the main window offscreen "
                   "to OUT.png and exit: rackscape --screenshot OUT.png [FILE] [--size WxH] "
                   "[--overlay heatmap|cooling|airflow|cables|violations]")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("open", help="open a layout in the designer")
    s.add_argument("file")
    s.set_defaults(func=cmd_open)

    s = sub.add_parser("analyze", help="analyze a layout")
    s.add_argument("file")
    s.add_argument("--json", action="store_true", help="print the analysis JSON")
    s.set_defaults(func=cmd_analyze)

    s = sub.add_parser("check", help="list rule violations (exit 1 if any error)")
    s.add_argument("file")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("templates", help="list templates and their parameters")
    s.add_argument("--generation", "-g")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_templates)

    s = sub.add_parser("new", help="instantiate a template into a layout file")
    s.add_argument("template")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("compare", help="one design intent across generations")
    s.add_argument("--gpus", type=int)
    s.add_argument("--power-mw", type=float)
    s.add_argument("--generations", default=None)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("report", help="write a report (pdf, xlsx, csv, png, json)")
    s.add_argument("file")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--overlay", action="append", default=[])
    s.add_argument("--size", default="2400x1600")
    s.set_defaults(func=cmd_report)
    return p


def _screenshot_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rackscape --screenshot", description="render the main window offscreen")
    p.add_argument("--screenshot", required=True, metavar="OUT.png")
    p.add_argument("--size", default="1600x1000")
    p.add_argument("--overlay", action="append", default=[])
    p.add_argument("--metric", default="kw", help="rack colouring: kw, utilization, liquid")
    p.add_argument("file", nargs="?")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from engine.templates import ParameterError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if any(a == "--screenshot" or a.startswith("--screenshot=") for a in argv):
            from designer.app import screenshot

            args = _screenshot_parser().parse_args(argv)
            return screenshot(args.screenshot, args.file, args.size, args.overlay, args.metric)
        args = build_parser().parse_args(argv)
        if args.command is None:
            from designer.app import run_app

            return run_app(None)
        return args.func(args)
    except (InputError, ParameterError) as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
