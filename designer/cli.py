"""The ``rackscape`` command: the designer window and the headless commands.

Exit codes: 0 success; 1 ``check`` found errors; 2 unreadable or invalid input,
or an output that cannot be written (an ``-o`` file, or standard output on a
full disk), with one line on stderr naming the file, the field and what was
expected; 141 when the reader of standard output went away (``| head``).
User catalog files that were skipped are named on stderr once, before the
command runs, and so is each user catalog entry that replaces a built-in one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from engine.errors import InputError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERRORS, EXIT_INPUT = 0, 1, 2
EXIT_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE

EPILOG = """exit codes:
  0    success
  1    check: the layout has errors
  2    unreadable or invalid input (a layout, template, catalog or bundle file, or an
       option), or an output that cannot be written (an -o file, or standard output,
       e.g. a full disk): one line on stderr naming the file, the field and what was
       expected
  141  the reader of standard output went away (rackscape analyze FILE --json | head)

User catalog files that cannot be used are skipped and named on stderr, once; a user
catalog entry that replaces a built-in one is noted there too.
--force replaces an existing file, but never a template or catalog file, a bundle only by
a bundle, a layout only by a layout; and no output goes into the template library or
catalog folders."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like argparse but terser
        self.exit(EXIT_INPUT, f"rackscape: {message}\n")


def _parse_sets(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(None, f"--set {item}", "KEY=VALUE")
        k, v = item.split("=", 1)
        if not k.strip():
            raise InputError(None, f"--set {item}", "KEY=VALUE with a parameter name before "
                             "the =")
        if k.strip() in out:  # two values for one parameter: which one was meant?
            raise InputError(None, f"--set {k.strip()}", "each parameter set once "
                             f"(got {out[k.strip()]!r} and {v.strip()!r})")
        out[k.strip()] = v.strip()
    return out


def _load(path: str):
    from engine.io import load_layout

    return load_layout(path)


def _report_catalog_problems() -> None:
    """Say which user catalog files were skipped (they never stop the command), and which
    user catalog entries replace built-in ones (a feature, but never a silent one)."""
    from engine.catalog import default_catalog

    cat = default_catalog()
    for problem in cat.problems:
        print(f"rackscape: skipped user catalog file: {problem}", file=sys.stderr)
    for note in cat.notes:
        print(f"rackscape: note: {note}", file=sys.stderr)


def _naming(path: str, exc: InputError) -> InputError:
    """Return ``exc`` naming ``path`` when the engine could not (it has no file name).

    Errors about an option (``--generation``) stay as they are.
    """
    if exc.file is None and not exc.field.startswith("-"):
        return InputError(path, exc.field, exc.expected)
    return exc


def _analyze_layout(layout, path: str):
    """Analyze a loaded layout; every input error names the file."""
    from engine.analysis import analyze

    try:
        return analyze(layout)
    except InputError as exc:  # e.g. an unknown device type: the engine has no file name
        raise _naming(path, exc) from None


def _analyze_file(path: str):
    """Load and analyze a layout file; every input error names the file."""
    return _analyze_layout(_load(path), path)


def _output_name(value: str, option: str = "-o") -> str:
    """Return an output path the user gave, refusing an empty one and one that names a
    folder (ending in a separator: ``x.pdf/`` would otherwise write ``x.pdf``)."""
    if not value or not value.strip():
        raise InputError(None, option, "a file name")
    if value.endswith(("/", os.sep)):
        raise InputError(None, f"{option} {value}", "a file name, not a folder (it ends in "
                         f"{value[-1]})")
    return value


def _layout_output(value: str, option: str = "-o") -> str:
    """Return the path a command writes a layout to: a name ending in .json (a slip of the
    name never writes a layout's JSON over a report, a picture or a bundle), never a
    template, catalog file or bundle, nor a file in the folders Rackscape reads templates
    and catalog files from, ``--force`` or not (``engine.io.layout_output_clash``)."""
    from engine.io import layout_output_clash, output_path

    out = _output_name(value, option)
    output_path(out)  # a folder, pipe or device is refused as such
    if Path(out).suffix.lower() != ".json":
        raise InputError(None, f"{option} {out}", "a layout file name ending in .json")
    if clash := layout_output_clash(out):
        raise InputError(None, f"{option} {out}", clash)
    return out


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # the output does not exist yet (or cannot be looked at)
        return False


def _refuse_overwriting(layout_file: str | None, output: str, option: str = "-o",
                        also: list[str] | None = None) -> None:
    """Refuse an output that is the layout file being read (it would be lost)."""
    if not layout_file:
        return
    for out in [output, *(also or [])]:
        if _same_file(layout_file, out):
            raise InputError(None, f"{option} {output}", f"a file other than the layout "
                             f"{layout_file} (writing there would replace it)")


def _is_png(path: str) -> bool:
    """Whether ``path`` is a regular file that starts as a PNG image does."""
    try:
        if not os.path.isfile(path):
            return False
        with open(path, "rb") as fh:
            return fh.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


def _refuse_existing(output: str, force: bool, option: str | None = "-o") -> None:
    """Refuse to replace a file that is already there, unless ``--force`` says so.

    ``option`` is the option that named the output; ``None`` for a positional
    argument (``library export OUT.rsbundle``), where the message names the file alone.
    """
    # only a file with contents to lose: a folder, pipe or device is refused as such later,
    # a link to nothing yet is written through
    if force or not os.path.isfile(output):
        return
    from engine.io import project_file_kind

    what = project_file_kind(output) or "a file"
    if option is None:
        raise InputError(output, "", f"a new file name (it is already {what}; "
                         "--force replaces it)")
    raise InputError(None, f"{option} {output}", f"a new file name ({output} is already {what}; "
                     "--force replaces it)")


def _csv_siblings(layout_file: str, output: str) -> list[str]:
    """The table files a CSV report ``OUT.csv`` writes (``OUT-<table>.csv``) that are the layout."""
    lay, out = Path(layout_file), Path(output)
    if lay.suffix.lower() == ".csv" and lay.name.startswith(f"{out.stem}-") \
            and _same_file(lay.parent, out.parent):
        return [str(lay)]
    return []


class _OptionError(ValueError):
    """An option's value is not one the command takes (the message says which it takes)."""


def _overlay_names(values: list[str]) -> tuple[str, ...]:
    """Return the overlays ``--overlay`` names (repeatable, comma-separated, short names
    and ``all`` as the floor plan takes them); an unknown one is refused by name."""
    from designer.reports.floorplan import OVERLAYS, normalize_overlays

    for value in values:
        for name in str(value).split(","):
            if not name.strip():  # "--overlay ''" or "a,,b": a name left out, not none meant
                raise _OptionError(f"--overlay: expected an overlay name ({', '.join(OVERLAYS)} "
                                   f"or all), got {str(value)!r}")
            try:
                normalize_overlays([name])
            except ValueError:
                raise _OptionError(f"--overlay: unknown overlay {name.strip()!r}; expected one "
                                   f"of: {', '.join(OVERLAYS)} or all") from None
    return normalize_overlays(values)


def _fmt_kw(kw: float) -> str:
    return f"{kw / 1000:.3f} MW" if kw >= 1000 else f"{kw:.1f} kW"


def _print_analysis(a, file: str, rating: float) -> None:
    from engine.report_tables import floor_load_text, power_text

    d = a.to_dict()
    c, co, cb, n = d["counts"], d["cooling"], d["cabling"], d["network"]
    print(f"{file} — generation {d['generation']}")
    print(f"  racks {c['racks']}  GPUs {c['gpus']}  servers {c['servers']}  CPU nodes "
          f"{c['cpu_nodes']}  switches {c['switches']['total']}")
    # the power figures from the analysis itself: the JSON's are rounded already, and a
    # second rounding can turn 132.648 (JSON 132.65) into "132.7" where the rest say 132.6
    pw = a.power
    # devices of unknown power count 0 W: every total over them is a lower bound
    low = "≥ " if pw.is_lower_bound else ""
    rack_low = "≥ " if pw.rack_unknown_power is not None and pw.rack_unknown_power.any() else ""
    per_mw = f"{pw.gpus_per_mw:.0f}" if c["gpus"] and pw.it_kw > 0 else "– (no GPUs)"
    # no load: no PUE; no racks: no largest one (the JSON's null)
    pue = f"{pw.pue:.2f}" if pw.it_kw > 0 else "–"
    top = f"{rack_low}{pw.max_rack_kw:.1f} kW" if c["racks"] else "–"
    print(f"  IT {power_text(_fmt_kw(pw.it_kw), a)}  facility {low}{_fmt_kw(pw.facility_kw)}  "
          f"PUE {pue}  max rack {top}  "
          f"GPUs per IT MW {'≤ ' if low and c['gpus'] else ''}{per_mw}")
    print(f"  heat {low}{_fmt_kw(co['heat_kw'])}: air {low}{_fmt_kw(co['air_kw'])}, liquid "
          f"{_fmt_kw(co['liquid_kw'])} ({co['liquid_share']:.0%}); airflow "
          f"{low}{co['airflow_cfm']:,.0f} CFM; coolant {co['liquid_flow_lpm']:,.0f} L/min")
    print(f"  floor: highest load {floor_load_text(a)} (rated {rating:,.0f} kg/m²)")
    longest = f"{cb['max_length_m']:.2f} m" if cb["max_length_m"] is not None else "–"
    print(f"  cabling {cb['links']} links on {cb['cables']} cables, {cb['transceivers']} "
          "transceivers, "
          f"{cb['total_length_m']:,.0f} m total, longest {longest}")
    print("  " + _network_line(a, n))
    sev = a.violations_by_severity()
    notes = f", {sev['info']} note(s)" if sev.get("info") else ""
    print(f"  violations: {sev['error']} error(s), {sev['warning']} warning(s){notes}")


def _network_line(a, n: dict) -> str:
    """Say the hall's bisection and scale-up domain; without a GPU scale-out fabric, each
    fabric's own bisection (over its endpoints) instead of a 0 that would read as measured."""
    dom = n["scaleup_domain_gpus"]
    scaleup = f"scale-up domain {dom} GPUs" if dom else "no scale-up domains"
    if n["bisection_method"] != "none":
        net = a.network
        return (f"bisection {net.bisection_tbps:.2f} Tb/s ({n['bisection_method']}), "
                f"{net.per_gpu_bisection_gbps:.1f} Gb/s per GPU; {scaleup}")
    parts = []
    for f in n.get("fabrics") or []:
        if f.get("bisection_method", "none") == "none":
            continue
        purpose = str(f.get("purpose", "")).replace("_", "-")
        name = f["id"] if f["id"] == purpose else f"{f['id']} ({purpose})"
        parts.append(f"{name} {f['bisection_tbps']:.2f} Tb/s, "
                     f"{f['per_endpoint_bisection_gbps']:,.1f} Gb/s per endpoint")
    return ("bisection: no GPU scale-out fabric"
            + (f"; fabric {'; '.join(parts)}" if parts else "") + f"; {scaleup}")


def cmd_analyze(args) -> int:
    layout = _load(args.file)
    a = _analyze_layout(layout, args.file)
    if args.json:
        print(a.to_json())
    else:
        _print_analysis(a, args.file, layout.hall.floor_rating_kg_m2)
    return EXIT_OK


def cmd_check(args) -> int:
    a = _analyze_file(args.file)
    for v in a.violations:
        items = f" [{', '.join(v.items[:6])}{', ...' if len(v.items) > 6 else ''}]" if v.items else ""
        print(f"{v.severity.upper():7s} {v.code}: {v.message}{items}")
    sev = a.violations_by_severity()
    # the notes listed above are counted too, as the report's rule section counts them
    notes = f", {sev['info']} note(s)" if sev.get("info") else ""
    print(f"{args.file}: {sev['error']} error(s), {sev['warning']} warning(s){notes}")
    return EXIT_ERRORS if sev["error"] else EXIT_OK


def cmd_templates(args) -> int:
    from engine.templates import list_templates

    problems: list[str] = []
    replaced: dict = {}
    everything = list_templates(problems=problems, replaced=replaced)
    for pr in problems:
        print(f"rackscape: skipped: {pr}", file=sys.stderr)
    for tid, path in replaced.items():
        print(f"rackscape: note: template {tid} is the user library's {path}, in place of the "
              "built-in one", file=sys.stderr)
    known = sorted({t.generation for t in everything})
    if args.generation is not None and args.generation not in known:
        raise InputError(None, "--generation", f"one of {', '.join(known)} "
                         f"(got {args.generation!r})")
    ts = [t for t in everything if not args.generation or t.generation == args.generation]
    if args.json:
        print(json.dumps([{"id": t.id, "title": t.title, "generation": t.generation,
                           "version": t.version,
                           "parameters": [p.model_dump() for p in t.parameters]} for t in ts],
                         indent=2))
        return EXIT_OK
    for t in sorted(ts, key=lambda t: (t.generation, t.id)):
        mine = "  [user library, in place of the built-in]" if t.id in replaced else ""
        print(f"{t.id}  [{t.generation}]  {t.title}  (v{t.version}){mine}")
        for p in t.parameters:
            rng = ""
            if p.min is not None or p.max is not None:  # either may be open
                lo = "" if p.min is None else f"{p.min:.15g}"
                hi = "" if p.max is None else f"{p.max:.15g}"
                rng = f", {lo}..{hi}"
            if getattr(p, "even", False):
                rng += ", even"
            if p.choices:
                rng = f", one of {'|'.join(p.choices)}"
            print(f"    {p.name} ({p.type}, default {p.default}{rng}){': ' + p.help if p.help else ''}")
    return EXIT_OK


def cmd_new(args) -> int:
    from engine.io import save_layout
    from engine.templates import get_template, instantiate, replaced_builtins, template_cautions

    out = _layout_output(args.output)
    values = _parse_sets(args.set)
    # a line of at most 200 characters, as a layout's author is, and nothing a terminal
    # or a report would take for a control (a line break, an escape)
    if args.author is not None:
        from engine.errors import one_line

        try:
            if len(args.author) > 200:
                raise ValueError
            one_line(args.author)
        except ValueError:
            raise _OptionError("--author: expected a name of at most 200 characters on one "
                               "line, without control characters") from None
    # said first: a user's copy that refuses the values is the one that refused them
    mine = replaced_builtins().get(args.template)
    if mine is not None:
        print(f"rackscape: note: template {args.template} is the user library's {mine}, in "
              "place of the built-in one", file=sys.stderr)
    lay = instantiate(args.template, values)
    # the design is made, but past what the template's sources publish: said once written
    notes = template_cautions(get_template(args.template), values)
    if args.author is not None and args.author.strip():  # an empty name is no author
        from engine.model import Layout

        lay = Layout.model_validate({**lay.model_dump(), "author": args.author.strip()})
    _refuse_existing(out, args.force)
    try:
        save_layout(lay, out)
    except OSError as exc:
        raise InputError(out, "", f"a writable file ({exc.strerror or exc})") from None
    print(f"wrote {_shown_path(out)}: {len(lay.racks)} racks, {len(lay.cooling)} cooling units, "
          f"{len(lay.feeds)} feeds")
    for note in notes:
        print(f"rackscape: note: template {args.template}: {note}", file=sys.stderr)
    return EXIT_OK


def cmd_open(args) -> int:
    from designer.app import run_app

    return run_app(args.file, report_catalog=False)


def cmd_compare(args) -> int:
    try:
        from engine.compare import run_compare_cli
    except ImportError:
        print("rackscape: compare is not available in this build", file=sys.stderr)
        return EXIT_INPUT
    if args.generations is not None and not args.generations.strip(", \t"):
        # an empty list is refused as "," is; leaving the option out gives the default
        raise _OptionError("--generations: expected one or more generation names (got "
                           f"{args.generations!r})")
    return run_compare_cli(args)


def cmd_library_export(args) -> int:
    from engine.bundle import export_bundle

    _output_name(args.output, "OUT.rsbundle")
    if Path(args.output).suffix.lower() != ".rsbundle":
        # a bundle never lands on a template, catalog or layout file by a slip of the name
        raise InputError(None, args.output, "a bundle file name ending in .rsbundle")
    from engine.io import BUNDLE_KIND, own_folder_clash, project_file_kind

    if clash := own_folder_clash(args.output):
        raise InputError(args.output, "", clash)
    kind = project_file_kind(args.output)
    if kind is not None and kind != BUNDLE_KIND:
        # --force replaces an earlier bundle, never a layout, template or catalog file
        raise InputError(args.output, "", f"a bundle file name (this is {kind}, which a "
                         "bundle cannot replace, --force or not)")
    _refuse_existing(args.output, args.force, option=None)  # a positional argument
    try:
        m = export_bundle(args.ids, args.output, name=args.name, version=args.version)
    except InputError as exc:
        # the manifest's name and version are the options': name the option, not the file
        option = {"manifest.json: name": "--name",
                  "manifest.json: version": "--version"}.get(exc.field)
        if option is None:
            raise
        raise InputError(None, option, exc.expected) from None
    except OSError as exc:
        raise InputError(args.output, "", f"a writable bundle path ({exc.strerror or exc})") \
            from None
    n = len(m.templates)
    print(f"wrote {_shown_path(args.output)}: bundle {m.name} v{m.version} with {n} "
          f"template{'s' * (n != 1)} ({', '.join(e.id for e in m.templates)})")
    return EXIT_OK


def cmd_library_import(args) -> int:
    from engine.bundle import import_bundle
    from engine.templates import user_template_dir

    try:
        res = import_bundle(args.bundle, on_clash=args.on_clash)
    except OSError as exc:
        # the path that failed (a file where a generation's folder goes), not the library
        where = Path(exc.filename) if exc.filename else user_template_dir()
        what = "a folder (a file of that name is in the way)" \
            if isinstance(exc, (FileExistsError, NotADirectoryError)) else \
            f"a writable library folder ({exc.strerror or exc})"
        raise InputError(where, "", what) from None
    where = f"(library {user_template_dir()})" if res.is_empty else \
        f"into {user_template_dir()}"
    print(f"{args.bundle}: {res.summary()} {where}")
    return EXIT_OK


def cmd_retarget(args) -> int:
    from engine.io import save_layout
    from engine.retarget import retarget
    from engine.templates import ParameterError

    out = _layout_output(args.output)
    _refuse_overwriting(args.file, out)
    try:
        res = retarget(_load(args.file), args.generation, server=args.server)
    except InputError as exc:  # an unknown device type: the engine has no file name
        raise _naming(args.file, exc) from None
    except ParameterError as exc:  # the mapped hardware's figures: the file they came from
        raise ParameterError(f"{args.file}: {exc}") from None
    if res.gpus_after > 0 and res.gpus_target == 0:
        # a copy with none of the design's GPUs mapped is the design itself, relabelled
        print(res.summary())
        raise InputError(args.file, "--generation", f"a generation with hardware for the "
                         f"design's GPU systems ({args.generation} maps none of its "
                         f"{res.gpus_after:,} GPUs; nothing written)")
    _refuse_existing(out, args.force)
    try:
        save_layout(res.layout, out)
    except OSError as exc:
        raise InputError(out, "", f"a writable layout path ({exc.strerror or exc})") \
            from None
    print(res.summary())
    print(f"wrote {_shown_path(out)}")
    return EXIT_OK


def cmd_report(args) -> int:
    """``rackscape report FILE -o OUT``: the reports of designer.reports, with the file name in
    every error (the engine's errors carry none) and the layout never overwritten."""
    try:
        from designer.reports import (
            PNG_METRICS,
            SUFFIXES,
            ReportError,
            existing_files,
            export,
            layout_file_clash,
            parse_size,
        )
    except ImportError:
        print("rackscape: report is not available in this build", file=sys.stderr)
        return EXIT_INPUT
    out = _output_name(args.output)
    suffix = Path(out).suffix.lower()
    try:
        if os.path.isdir(out):
            raise ReportError(f"{out}: expected an output file, not a folder (a report file "
                              f"name ending in {', '.join(SUFFIXES)})")
        if suffix not in SUFFIXES:
            raise ReportError(f"{out}: expected an output file ending in {', '.join(SUFFIXES)} "
                              f"(got {suffix or 'no suffix'!r})")
        # options a format has no use for are refused, not silently dropped
        if args.overlay and suffix not in (".pdf", ".png"):
            raise ReportError(f"--overlay: expected a .pdf or .png report (a {suffix} report "
                              "has no floor plan)")
        overlays = _overlay_names(args.overlay)
        if args.size is not None and suffix != ".png":
            raise ReportError(f"--size: expected a .png report (a {suffix} report has no "
                              "image size)")
        if args.page and suffix != ".pdf":
            raise ReportError(f"--page: expected a .pdf report (a {suffix} report has no pages)")
        if args.metric is not None and suffix not in (".pdf", ".png"):
            raise ReportError(f"--metric: expected a .pdf or .png report (a {suffix} report "
                              "has no floor plan)")
        if args.metric is not None and args.metric not in PNG_METRICS:
            raise ReportError(f"--metric: expected one of {', '.join(PNG_METRICS)} "
                              f"(got {args.metric!r})")
        size = parse_size("2400x1600" if args.size is None else args.size) \
            if suffix == ".png" else (2400, 1600)
        _refuse_overwriting(args.file, out,
                            also=_csv_siblings(args.file, out) if suffix == ".csv" else None)
        from engine.io import own_folder_clash, project_file_kind

        if clash := own_folder_clash(out):  # a new file there would be read as one of them
            raise ReportError(f"-o {out}: expected {clash}")
        if kind := project_file_kind(out):
            raise ReportError(f"-o {out}: expected a file a report may replace ({kind}, "
                              "which a report never replaces: choose another file name)")
        if clash := layout_file_clash(out, None):
            raise ReportError(clash)
        # (a layout, template, catalog file or bundle among them is refused by name, --force
        # or not)

        there = [] if args.force else [p for p in existing_files(out)
                                       if not project_file_kind(p)]
        if there:
            what = (f"{there[0]} and {len(there) - 1} more of the report's files are"
                    if len(there) > 1 else f"{there[0]} is")
            raise ReportError(f"-o {out}: expected a new file name ({what} already there; "
                              f"--force replaces {'them' if len(there) > 1 else 'it'})")
        layout = _load(args.file)
        analysis = _analyze_layout(layout, args.file)
        files = export(layout, analysis, out, overlays=overlays, size=size,
                       page=(args.page or "a4").lower(), metric=args.metric or "kw")
    except ReportError as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        # a report is written to a hidden temporary file beside it first: name the report
        name = exc.filename if exc.filename and not Path(exc.filename).name.startswith(".") \
            else out
        print(f"rackscape: {name}: cannot write the report "
              f"({exc.strerror or exc})",
              file=sys.stderr)
        return EXIT_INPUT
    for f in files:
        print(f"wrote {_shown_path(f)}")
    return EXIT_OK


def _whole_number(what: str):
    """An argparse type: a whole number written in decimal digits (the range is the
    command's to check, with its limits in the message)."""
    def parse(text: str) -> int:
        if not re.fullmatch(r"\s*[+-]?[0-9]{1,4000}\s*", text):
            raise argparse.ArgumentTypeError(f"expected a whole number of {what}, got "
                                             f"{text[:40]!r}")
        return int(text)
    return parse


def _number(what: str):
    """An argparse type: a decimal number (``inf`` and ``nan`` pass, for the command to
    refuse with its limits)."""
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text[:40]!r}") from None
    return parse


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``rackscape`` command."""
    p = _Parser(prog="rackscape", description="Design AI data-center halls: power, cooling, "
                "cabling and bisection bandwidth, live.", epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--screenshot", metavar="OUT.png", help="render the main window offscreen "
                   "to OUT.png and exit: rackscape --screenshot OUT.png [FILE] [--size WxH] "
                   "[--overlay heatmap|cooling|airflow|cables|violations] [--force]")
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
    s.add_argument("--author", default=None, metavar="NAME",
                   help="the design's author, as reports name it (the template's author "
                   "is not the design's)")
    s.add_argument("--force", action="store_true", help="replace the output file if it exists")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser(
        "compare", help="one design intent across generations",
        description="Lay out one design intent with each generation's reference template, in "
        "whole blocks (scalable units, pods), and compare the figures. The intent is one of: "
        "--gpus N (the fewest blocks reaching N GPUs), --power-mw P (the most blocks within P "
        "MW of facility power), or --hall WxD alone (the most blocks that fit the hall). With "
        "--gpus or --power-mw, --hall also fits the rows to the hall and says how much of "
        "each generation the hall holds when the design does not fit.")
    s.add_argument("--gpus", type=_whole_number("GPUs such as 4096"), metavar="N",
                   help="the fewest whole blocks reaching N GPUs")
    s.add_argument("--power-mw", type=_number("a power in MW such as 20"), metavar="P",
                   help="the most whole blocks within P MW of facility power (IT x PUE)")
    s.add_argument("--generations", default=None, metavar="G1,G2",
                   help="comma-separated generations (or generation:template-id); default "
                   "hopper,blackwell,blackwell-ultra,rubin,amd-instinct")
    s.add_argument("--hall", metavar="WxD",
                   help="hall width x depth in metres, e.g. 60x40; alone, the most whole "
                   "blocks that fit it")
    s.add_argument("--json", action="store_true",
                   help="print the rows as JSON (schema rackscape.compare/1) instead of a table")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("library", help="export or import template library bundles")
    lib = s.add_subparsers(dest="library_command", parser_class=_Parser, required=True)
    e = lib.add_parser("export", help="write templates to one bundle file")
    e.add_argument("output", metavar="OUT.rsbundle")
    e.add_argument("ids", nargs="+", metavar="ID")
    e.add_argument("--name", default="rackscape-templates")
    e.add_argument("--version", default="1.0")
    e.add_argument("--force", action="store_true", help="replace the bundle file if it exists")
    e.set_defaults(func=cmd_library_export)
    i = lib.add_parser("import", help="install a bundle into the user library")
    i.add_argument("bundle", metavar="BUNDLE")
    i.add_argument("--on-clash", choices=["skip", "replace", "rename"], default="ask",
                   help="what to do with templates already in the library (default: refuse)")
    i.set_defaults(func=cmd_library_import)

    s = sub.add_parser("retarget", help="map a layout to another generation's hardware")
    s.add_argument("file")
    s.add_argument("--generation", "-g", required=True)
    s.add_argument("--server", metavar="ID",
                   help="the GPU server of the generation every GPU server becomes (default: "
                        "its flagship, or its top air-cooled server for an air-cooled hall)")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--force", action="store_true", help="replace the output file if it exists")
    s.set_defaults(func=cmd_retarget)

    s = sub.add_parser("report", help="write a report (pdf, xlsx, csv, png, json)")
    s.add_argument("file", help="the layout file (.json)")
    s.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the report; its suffix picks the format: .pdf, .xlsx, .csv (one file "
                        "per table), .png (the floor plan) or .json (the analysis)")
    s.add_argument("--overlay", action="append", default=[], metavar="NAME",
                   help=f"overlay on the floor plan of the PNG and of the PDF's main plan, repeatable "
                        f"or comma-separated: {', '.join(_OVERLAY_HELP)} or all")
    s.add_argument("--size", default=None, metavar="WxH",
                   help="PNG size in pixels (default 2400x1600)")
    s.add_argument("--page", choices=["a4", "letter"], default=None,
                   help="PDF page size (default a4)")
    s.add_argument("--metric", default=None, metavar="NAME",
                   help="what colours the racks of a PNG and of a PDF's main floor plan: kw "
                        "(default), utilization (the feeds' with one side lost) or liquid "
                        "(liquid-cooled share)")
    s.add_argument("--force", action="store_true",
                   help="replace the report's files (a CSV report's table files too) if they "
                        "exist")
    s.set_defaults(func=cmd_report)
    return p


#: the report's overlay names (designer.reports.floorplan.OVERLAYS; not imported here, so
#: `--help` needs no Qt)
_OVERLAY_HELP = ("heatmap", "cooling", "airflow", "cables", "violations")


def _screenshot_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rackscape --screenshot", description="render the main window offscreen")
    p.add_argument("--screenshot", required=True, metavar="OUT.png")
    p.add_argument("--size", default="1600x1000")
    p.add_argument("--overlay", action="append", default=[])
    p.add_argument("--metric", default="kw", help="rack colouring: kw, utilization, liquid")
    p.add_argument("--select", action="append", default=[], metavar="ID",
                   help="select items (comma-separated ids) for the inspector and elevation")
    p.add_argument("--force", action="store_true", help="replace OUT.png if it exists")
    p.add_argument("file", nargs="?")
    return p


class _OutputError(Exception):
    """Writing standard output failed (a full disk, an I/O error): not the user's input."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc.strerror or str(exc))


class _ClosedStdout:
    """The standard output of a process started with it closed (``>&-``): writing to it
    fails as writing to a full disk does, so a result never vanishes with exit code 0."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError("it is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise OSError("it is closed")


def _shown_path(path) -> str:
    r"""A file name as a line of standard output names it: a line break in it written as
    ``\n`` (as standard error writes it), so a script reading "wrote" lines gets one
    line per file.

    >>> _shown_path("a\nb.pdf")
    'a\\nb.pdf'
    """
    return str(path).replace("\r", "\\r").replace("\n", "\\n")


def _write_text(stream, text: str) -> int:
    r"""Write ``text`` to ``stream``; a file name's bytes that no encoding reads (held as
    surrogates, ``os.fsdecode``) go out as the bytes they were, or as U+FFFD where the
    stream takes no bytes, never a UnicodeEncodeError.

    >>> import io
    >>> buf = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    >>> _write_text(buf, "wrote r\udce9.pdf\n")
    13
    >>> buf.flush(); buf.buffer.getvalue()
    b'wrote r\xe9.pdf\n'
    """
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)  # standard error would print a surrogate as "\udce9"
    except UnicodeEncodeError:
        try:
            data = text.encode(encoding, "surrogateescape")
        except UnicodeEncodeError:  # a character the encoding has no code for
            data = text.encode(encoding, "replace")
        raw = getattr(stream, "buffer", None)
        if raw is not None:
            stream.flush()
            raw.write(data)
            raw.flush()
            return len(text)
        return stream.write(data.decode(encoding, "replace"))
    return stream.write(text)


class _OneLineStderr:
    r"""Standard error whose messages stay one line each: a line break inside one (a file
    name holding a newline) is written as ``\n``.

    >>> import io
    >>> buf = io.StringIO()
    >>> err = _OneLineStderr(buf)
    >>> print("rackscape: a\nb.json: expected a layout", file=err)
    >>> buf.getvalue()
    'rackscape: a\\nb.json: expected a layout\n'
    """

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        body, end = (text[:-1], "\n") if text.endswith("\n") else (text, "")
        if "\n" in body or "\r" in body:
            body = body.replace("\r", "\\r").replace("\n", "\\n")
        return _write_text(self._stream, body + end)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class _GuardedStdout:
    """Standard output whose write errors are told apart from every other OSError."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return _write_text(self._stream, text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(exc) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _drop_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


#: options whose value may start with "-" (a negative number, a hall of "-3x10"): argparse
#: would take such a value for an option and say only that the option needs an argument
_VALUE_OPTIONS = ("--hall", "--gpus", "--power-mw", "--size", "--set")
#: the same for ``rackscape --screenshot OUT.png``, whose options take no numbers but
#: whose checks name a bad size, overlay or colouring (and a file called "-s.png" is one)
_SCREENSHOT_VALUE_OPTIONS = ("--screenshot", "--size", "--overlay", "--metric")


def _joined_values(argv: list[str], options: tuple[str, ...] = _VALUE_OPTIONS) -> list[str]:
    """Join ``--hall -3x10`` into ``--hall=-3x10`` (for each of ``options``), so the
    option's own check says what is wrong with the value.

    Examples
    --------
    >>> _joined_values(["compare", "--gpus", "-5", "--hall", "-3x10"])
    ['compare', '--gpus=-5', '--hall=-3x10']
    >>> _joined_values(["compare", "--hall", "--gpus", "5"])
    ['compare', '--hall', '--gpus', '5']
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if a in options and nxt is not None and nxt.startswith("-") \
                and not nxt.startswith("--") and len(nxt) > 1:
            out.append(f"{a}={nxt}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _run(argv: list[str]) -> int:
    parser = build_parser()
    commands = next(a.choices for a in parser._subparsers._group_actions
                    if isinstance(a, argparse._SubParsersAction))
    # `--screenshot` is an option of the bare command; after a subcommand, that
    # command's parser names it as an argument it does not know
    if not (argv[:1] and argv[0] in commands) and any(
            a == "--screenshot" or a.startswith("--screenshot=") for a in argv):
        from designer.app import screenshot

        args = _screenshot_parser().parse_args(_joined_values(argv, _SCREENSHOT_VALUE_OPTIONS))
        out = _output_name(args.screenshot, "--screenshot")
        _refuse_overwriting(args.file, out, "--screenshot")
        # an image already there is replaced on purpose only, as a report's is (any other
        # file of the name is refused whatever is asked, by the screenshot itself)
        if not args.force and _is_png(out):
            raise _OptionError(f"--screenshot {out}: expected a new file name (it is already "
                               "a PNG image; --force replaces it)")
        _report_catalog_problems()
        overlays = list(_overlay_names(args.overlay))
        return screenshot(out, args.file, args.size, overlays, args.metric, args.select)
    if len(argv) == 1 and argv[0] not in commands and not argv[0].startswith("-"):
        # `rackscape FILE` (a file manager's "open with") is `rackscape open FILE`
        argv = ["open", argv[0]]
    args = parser.parse_args(_joined_values(argv))
    _report_catalog_problems()
    if args.command is None:
        from designer.app import run_app

        return run_app(None, report_catalog=False)
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from engine.templates import ParameterError

    argv = sys.argv[1:] if argv is None else list(argv)
    given = real_stdout = sys.stdout
    if real_stdout is None:  # started with standard output closed: as unwritable as a full disk
        real_stdout = _ClosedStdout()
    sys.stdout = _GuardedStdout(real_stdout)
    given_err = sys.stderr
    if given_err is not None:
        sys.stderr = _OneLineStderr(given_err)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a full disk shows here, not at exit where it cannot be reported
        return code
    except (InputError, ParameterError, _OptionError) as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`rackscape analyze FILE --json | head`): stop quietly
        _drop_stdout()
        return EXIT_PIPE
    except _OutputError as exc:
        _drop_stdout()
        print(f"rackscape: standard output: expected a writable output ({exc})",
              file=sys.stderr)
        return EXIT_INPUT
    finally:
        if isinstance(sys.stdout, _GuardedStdout):
            sys.stdout = given
        if isinstance(sys.stderr, _OneLineStderr):
            sys.stderr = given_err


if __name__ == "__main__":
    sys.exit(main())
