"""The ``rackscape`` command: the designer window and the headless commands.

Exit codes: 0 success; 1 ``check`` found errors; 2 unreadable or invalid input
(one line on stderr naming the file, the field and what was expected).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

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


def _report_catalog_problems() -> None:
    """Say which user catalog files were skipped (they never stop the command)."""
    from engine.catalog import default_catalog

    for problem in default_catalog().problems:
        print(f"rackscape: skipped user catalog file: {problem}", file=sys.stderr)


def _analyze_file(path: str):
    """Load and analyze a layout file; every input error names the file."""
    from engine.analysis import analyze

    layout = _load(path)
    _report_catalog_problems()
    try:
        return analyze(layout)
    except InputError as exc:  # e.g. an unknown device type: the engine has no file name
        if exc.file is None:
            raise InputError(path, exc.field, exc.expected) from None
        raise


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
    a = _analyze_file(args.file)
    if args.json:
        print(a.to_json())
    else:
        _print_analysis(a, args.file)
    return EXIT_OK


def cmd_check(args) -> int:
    a = _analyze_file(args.file)
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
    try:
        save_layout(lay, args.output)
    except OSError as exc:
        raise InputError(args.output, "", f"a writable file ({exc.strerror or exc})") from None
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


def cmd_library_export(args) -> int:
    from engine.bundle import export_bundle

    try:
        m = export_bundle(args.ids, args.output, name=args.name, version=args.version)
    except OSError as exc:
        raise InputError(args.output, "", f"a writable bundle path ({exc.strerror or exc})") \
            from None
    print(f"wrote {args.output}: bundle {m.name} v{m.version} with {len(m.templates)} "
          f"template(s) ({', '.join(e.id for e in m.templates)})")
    return EXIT_OK


def cmd_library_import(args) -> int:
    from engine.bundle import import_bundle
    from engine.templates import user_template_dir

    try:
        res = import_bundle(args.bundle, on_clash=args.on_clash)
    except OSError as exc:
        raise InputError(user_template_dir(), "", f"a writable library folder "
                         f"({exc.strerror or exc})") from None
    print(f"{args.bundle}: {res.summary()} into {user_template_dir()}")
    return EXIT_OK


def cmd_retarget(args) -> int:
    from engine.io import save_layout
    from engine.retarget import retarget

    res = retarget(_load(args.file), args.generation)
    try:
        save_layout(res.layout, args.output)
    except OSError as exc:
        raise InputError(args.output, "", f"a writable layout path ({exc.strerror or exc})") \
            from None
    print(res.summary())
    print(f"wrote {args.output}")
    return EXIT_OK


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
    s.add_argument("--generations", default=None,
                   help="comma-separated generations (or generation:template-id); default "
                   "hopper,blackwell,blackwell-ultra,rubin,amd-instinct")
    s.add_argument("--hall", metavar="WxD", help="hall width x depth in metres, e.g. 60x40")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("library", help="export or import template library bundles")
    lib = s.add_subparsers(dest="library_command", parser_class=_Parser, required=True)
    e = lib.add_parser("export", help="write templates to one bundle file")
    e.add_argument("output", metavar="OUT.rsbundle")
    e.add_argument("ids", nargs="+", metavar="ID")
    e.add_argument("--name", default="rackscape-templates")
    e.add_argument("--version", default="1.0")
    e.set_defaults(func=cmd_library_export)
    i = lib.add_parser("import", help="install a bundle into the user library")
    i.add_argument("bundle", metavar="BUNDLE")
    i.add_argument("--on-clash", choices=["skip", "replace", "rename"], default="ask",
                   help="what to do with templates already in the library (default: refuse)")
    i.set_defaults(func=cmd_library_import)

    s = sub.add_parser("retarget", help="map a layout to another generation's hardware")
    s.add_argument("file")
    s.add_argument("--generation", "-g", required=True)
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_retarget)

    s = sub.add_parser("report", help="write a report (pdf, xlsx, csv, png, json)")
    s.add_argument("file")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--overlay", action="append", default=[])
    s.add_argument("--size", default="2400x1600")
    s.add_argument("--page", choices=["a4", "letter"], default="a4",
                   help="PDF page size (default a4)")
    s.set_defaults(func=cmd_report)
    return p


def _screenshot_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rackscape --screenshot", description="render the main window offscreen")
    p.add_argument("--screenshot", required=True, metavar="OUT.png")
    p.add_argument("--size", default="1600x1000")
    p.add_argument("--overlay", action="append", default=[])
    p.add_argument("--metric", default="kw", help="rack colouring: kw, utilization, liquid")
    p.add_argument("--select", action="append", default=[], metavar="ID",
                   help="select items (comma-separated ids) for the inspector and elevation")
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
            return screenshot(args.screenshot, args.file, args.size, args.overlay, args.metric,
                              args.select)
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
    except BrokenPipeError:
        # the reader went away (`rackscape analyze FILE --json | head`): stop quietly, and
        # point stdout at devnull so the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # what a shell reports for a process ended by SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
