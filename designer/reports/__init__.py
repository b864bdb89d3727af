"""Reports and exports: PDF design report, XLSX workbook, CSV tables, PNG floor plan, JSON.

:func:`export` writes one report chosen by the file suffix (``rackscape report
FILE -o OUT`` in ``designer.cli`` calls it); :func:`export_dialog` is File → Export in
the designer. Every tabular output is drawn from :func:`engine.report_tables.build_tables`,
so the PDF, the workbook and the CSV files carry the same numbers.

=========  =====================================================================
``.pdf``   design report (A4 or Letter): cover, contents, floor plans, tables,
           charts, violations, assumptions and sources
``.xlsx``  one sheet per table (bill of materials, racks, rack elevations, rows,
           feeds, cooling, network, cabling, violations, cable cut-sheet, sources)
``.csv``   ``OUT-<table>.csv`` per table and ``OUT.csv`` as their index
``.png``   the floor plan at ``size`` pixels with the chosen overlays
``.json``  the analysis JSON of the public contract
=========  =====================================================================
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.io import own_folder, project_file_kind

__all__ = ["SUFFIXES", "PNG_METRICS", "ReportError", "ExportCancelled", "export", "parse_size",
           "export_dialog", "layout_file_clash", "user_message", "report_files",
           "existing_files"]

SUFFIXES = (".pdf", ".xlsx", ".csv", ".png", ".json")
_FILTERS = {".pdf": "PDF design report (*.pdf)", ".xlsx": "Excel workbook (*.xlsx)",
            ".csv": "CSV tables (*.csv)", ".png": "PNG floor plan (*.png)",
            ".json": "Analysis JSON (*.json)"}

Progress = Callable[[float, str], Any] | None


class ReportError(ValueError):
    """A report request the user can fix: unknown suffix, size, overlay or page."""


class ExportCancelled(Exception):
    """The user cancelled an export from its progress dialog."""


#: the least side of a PNG report (pixels)
MIN_PNG_PX = 64


def parse_size(text: str | Sequence[int]) -> tuple[int, int]:
    """Return ``(width, height)`` in pixels from ``"WxH"`` (or a pair).

    Examples
    --------
    >>> parse_size("2400x1600")
    (2400, 1600)

    Digits are ASCII (``--set`` takes no others either), and a side is at least
    :data:`MIN_PNG_PX`, the least a floor plan with its title is drawn at.
    """
    if not isinstance(text, str):
        w, h = (int(v) for v in text)
    else:
        found = re.fullmatch(r"\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*", text.lower())
        if found is None:
            raise ReportError(f"--size: expected WIDTHxHEIGHT in pixels such as 2400x1600, "
                              f"got {text!r}")
        w, h = int(found[1]), int(found[2])
    if not (MIN_PNG_PX <= w <= 20000 and MIN_PNG_PX <= h <= 20000):
        raise ReportError(f"--size: expected {MIN_PNG_PX} to 20000 pixels per side, "
                          f"got {w}x{h}")
    return w, h


def _suffix(path: str | Path) -> str:
    s = Path(path).suffix.lower()
    if s not in SUFFIXES:
        raise ReportError(f"{path}: expected an output file ending in "
                          f"{', '.join(SUFFIXES)} (got {s or 'no suffix'!r})")
    return s


def design_stamp(layout: Any) -> dict[str, Any]:
    """Return what a report says of the design it is of: its name, generation, author,
    when the report was written (UTC) and by which Rackscape.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> d = design_stamp(Layout(name="Hall 3", hall=Hall(outline=[(0, 0), (1, 0), (1, 1)])))
    >>> d["name"], d["generation"], d["author"], sorted(d)
    ('Hall 3', 'hopper', None, ['author', 'generation', 'name', 'rackscape_version', 'written'])
    """
    import datetime as _dt
    from importlib import metadata

    try:
        version = metadata.version("rackscape")
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        version = None
    return {"name": layout.name, "generation": layout.generation, "author": layout.author,
            "written": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "rackscape_version": version}


def _about(layout: Any) -> list[tuple[str, Any]]:
    return [("Design", layout.name), ("Generation", layout.generation),
            ("Author", layout.author or "")]


#: what may colour the racks of a PNG (designer.canvas.style.METRICS; named here so a
#: report needs no Qt to check it)
PNG_METRICS = ("kw", "utilization", "liquid")


def export(layout: Any, analysis: Any, path: str | Path, overlays: Sequence[str] = (),
           size: tuple[int, int] | str = (2400, 1600), progress: Progress = None, *,
           page: str = "a4", catalog: Any = None, metric: str = "kw") -> list[Path]:
    """Write the report for ``path``'s suffix; return the files written.

    Python's automatic cyclic collection waits until the report is written, so none
    runs on a worker thread while Qt objects live (the floor plan's scene analyzes,
    and the cooling model runs on a thread pool; see
    :func:`designer.gui_gc.collecting_here`).

    Parameters
    ----------
    layout, analysis
        The design and its :class:`engine.analysis.Analysis`.
    path : str or Path
        ``.pdf``, ``.xlsx``, ``.csv``, ``.png`` or ``.json``.
    overlays : sequence of str
        Floor-plan overlays for the PNG and the PDF's main plan (``heatmap``,
        ``cooling``, ``airflow``, ``cables``, ``violations``).
    size : (int, int) or "WxH"
        PNG size in pixels.
    progress : callable, optional
        ``progress(fraction, message)``, fraction from 0 to 1. Raising
        :class:`ExportCancelled` from it stops the export and writes nothing.
    page : {"a4", "letter"}
        PDF paper size.
    metric : {"kw", "utilization", "liquid"}
        What colours the racks of the PNG and of the PDF's main floor plan, as the
        designer's Colour by does.

    Raises
    ------
    ReportError
        For an unknown suffix, size, overlay or page size, or a file to write that
        is a layout (a CSV report's table files too).
    """
    from designer.gui_gc import collecting_here

    with collecting_here():
        return _export(layout, analysis, path, overlays, size, progress, page=page,
                       catalog=catalog, metric=metric)


def _export(layout: Any, analysis: Any, path: str | Path, overlays: Sequence[str],
            size: tuple[int, int] | str, progress: Progress, *, page: str,
            catalog: Any, metric: str = "kw") -> list[Path]:
    suffix = _suffix(path)
    if metric not in PNG_METRICS:
        raise ReportError(f"--metric: expected one of {', '.join(PNG_METRICS)} (got {metric!r})")
    if metric != "kw" and suffix not in (".pdf", ".png"):
        raise ReportError(f"--metric: expected a .pdf or .png report (a {suffix} report "
                          "has no floor plan)")
    path = Path(path)
    if clash := layout_file_clash(path, None):
        raise ReportError(clash)

    def step(f: float, msg: str) -> None:
        if progress is not None:
            progress(max(0.0, min(1.0, f)), msg)

    step(0.0, f"Writing {path.name}")
    if suffix == ".json":
        import json

        from designer.reports.files import write_bytes

        # the contract's analysis, with the design it is of: a file sent on says what it is
        data = {**analysis.to_dict(), "design": design_stamp(layout)}
        write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
        step(1.0, "Done")
        return [path]
    try:
        from designer.reports.floorplan import normalize_overlays
    except ImportError:  # Qt missing: only json/csv/xlsx possible, checked below
        ovl = tuple(overlays or ())
    else:
        try:
            ovl = normalize_overlays(overlays)
        except ValueError as exc:
            raise ReportError(f"--overlay: {exc}") from None
    if suffix == ".png":
        from designer.reports.files import temp_target
        from designer.reports.png import write_png

        w, h = parse_size(size)
        step(0.2, "Drawing the floor plan")
        with temp_target(path) as tmp:
            write_png(layout, analysis, tmp, (w, h), ovl, metric)
        step(1.0, "Done")
        return [path]
    from engine.report_tables import build_tables

    if suffix == ".pdf":
        from designer.reports.files import temp_target
        from designer.reports.pdf import write_pdf

        if page.lower() not in ("a4", "letter"):
            raise ReportError(f"page size: expected a4 or letter, got {page!r}")
        tables = build_tables(layout, analysis, catalog, progress=lambda f, m: step(0.2 * f, m))
        with temp_target(path) as tmp:
            write_pdf(layout, analysis, tmp, page=page, overlays=ovl, tables=tables,
                      progress=lambda f, m: step(0.2 + 0.8 * f, m), metric=metric)
            _check_pdf_complete(tmp)
        return [path]
    tables = build_tables(layout, analysis, catalog, progress=lambda f, m: step(0.3 * f, m))
    if suffix == ".xlsx":
        from designer.reports.xlsx import write_xlsx

        write_xlsx(tables, path, title=layout.name, about=_about(layout),
                   progress=lambda f, m: step(0.3 + 0.7 * f, m))
        step(1.0, "Done")
        return [path]
    from designer.reports.csv import csv_paths, write_csv

    for table_file in csv_paths(path, tables).values():
        # a table file that is a layout (or a link to one) would be lost
        kind = project_file_kind(table_file)
        if kind:
            raise ReportError(f"{path.name}: the CSV report writes a table to "
                              f"{table_file.name}, which is {kind}: a report "
                              "cannot replace it. Choose another file name.")
    files = write_csv(tables, path, progress=lambda f, m: step(0.3 + 0.7 * f, m))
    step(1.0, "Done")
    return files


def report_files(path: str | Path) -> list[Path]:
    """Return every file a report to ``path`` writes: the file itself and, for a CSV
    report, its table files ``<stem>-<table>.csv``.

    Examples
    --------
    >>> [p.name for p in report_files("hall.csv")][:3]
    ['hall.csv', 'hall-summary.csv', 'hall-bom.csv']
    >>> report_files("hall.pdf")
    [PosixPath('hall.pdf')]
    """
    from engine.report_tables import TABLE_KEYS

    path = Path(path)
    if path.suffix.lower() != ".csv":
        return [path]
    return [path, *(path.with_name(f"{path.stem}-{k}.csv") for k in TABLE_KEYS)]


def existing_files(path: str | Path) -> list[Path]:
    """Return the files of :func:`report_files` that are already there (files, not folders)."""
    return [p for p in report_files(path) if p.is_file()]


#: QSettings key of the folder the last report was exported to
_EXPORT_FOLDER_KEY = "reports/last_folder"


def export_folder(window: Any) -> Path:
    """Return the folder File → Export proposes for a design not saved yet: the folder
    of the last export, else of the file used last (File → Recent), else home."""
    from PySide6.QtCore import QSettings

    recent = getattr(window, "_recent", None)
    places = [QSettings().value(_EXPORT_FOLDER_KEY, "")]
    places += [Path(p).parent for p in (recent() if callable(recent) else [])]
    return next((Path(str(p)) for p in places if p and Path(str(p)).is_dir()), Path.home())


def export_dialog(window: Any) -> list[Path] | None:
    """File → Export: ask for a file, export with a progress dialog; return the files.

    ``window.document`` provides ``layout`` and ``analysis``. The progress
    dialog can cancel; a cancelled or failed export leaves no partial file.
    """
    from PySide6.QtCore import QLocale, QSettings, Qt
    from PySide6.QtWidgets import (
        QApplication,
        QFileDialog,
        QMessageBox,
        QProgressBar,
        QProgressDialog,
    )

    from designer.reports.files import progress_bar_state

    doc = window.document
    wait = getattr(doc, "wait_for_analysis", None)
    if callable(wait):
        wait()  # a background analysis of the latest edit
    layout = doc.layout
    analysis = getattr(doc, "analysis", None)
    if callable(analysis):
        analysis = analysis()
    if analysis is None:
        from engine.analysis import analyze

        analysis = analyze(layout)
    filters = ";;".join(_FILTERS.values())
    stem = report_stem(layout.name)
    # "<layout>-report.pdf": a JSON filter then suggests a name that is not the layout's own
    base = Path(getattr(doc, "path", None) or export_folder(window) / stem)
    folder = base.with_name(f"{base.stem}-report.pdf")
    path, chosen = QFileDialog.getSaveFileName(window, "Export report", str(folder), filters)
    if not path:
        return None
    QSettings().setValue(_EXPORT_FOLDER_KEY, str(Path(path).resolve().parent))
    confirmed = {Path(path)}  # the file dialog asked about the file it returned
    if Path(path).suffix.lower() not in SUFFIXES:
        path += next((s for s, f in _FILTERS.items() if f == chosen), ".pdf")
    clash = layout_file_clash(path, getattr(doc, "path", None))
    if clash:
        QMessageBox.warning(window, "Export report", clash)
        return None
    # a CSV report's table files (and a file whose suffix was added here) were not asked
    # about: say which would be replaced before replacing them
    there = [p for p in existing_files(path) if p not in confirmed]
    if there:
        names = ", ".join(p.name for p in there[:4]) + (
            f" and {len(there) - 4} more" if len(there) > 4 else "")
        answer = QMessageBox.question(
            window, "Export report",
            f"{len(there)} file{'s' * (len(there) != 1)} of this report already "
            f"exist{'s' * (len(there) == 1)} in {Path(path).parent}: {names}. Replace "
            f"{'them' if len(there) != 1 else 'it'}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return None
    letter = QLocale.system().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    overlays = _window_overlays(window)
    dlg = QProgressDialog("Exporting…", "Cancel", 0, 1000, window)
    dlg.setWindowTitle("Export report")
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(400)
    # the last page reaches the bar's end before the file is written: no reset there
    dlg.setAutoReset(False)
    dlg.setAutoClose(False)
    bar = QProgressBar(dlg)
    dlg.setBar(bar)

    def progress(f: float, msg: str) -> None:
        # "Page 6 of 16" with the bar at 6 of 16 pages, not at the export's 59%
        value, top, fmt = progress_bar_state(f, msg)
        if dlg.maximum() != top:
            dlg.setMaximum(top)
        bar.setFormat(fmt)
        dlg.setValue(value)
        dlg.setLabelText(msg)
        QApplication.processEvents()
        if dlg.wasCanceled():
            raise ExportCancelled

    try:
        # the PNG and the PDF's main plan are coloured as the floor plan on screen is
        # (Colour by)
        metric = getattr(getattr(window, "scene", None), "metric", "kw")
        files = export(layout, analysis, path, overlays=overlays, progress=progress,
                       page="letter" if letter else "a4",
                       metric=metric if _suffix(path) in (".pdf", ".png") else "kw")
    except ExportCancelled:
        return None
    except (InputError, ReportError, OSError) as exc:  # the user's target or request
        QMessageBox.warning(window, "Export failed", user_message(exc, path))
        return None
    except Exception as exc:  # a fault of the report code: say so, keep the design open
        traceback.print_exc()
        QMessageBox.critical(window, "Export failed",
                             f"{Path(path).name} could not be written ({type(exc).__name__}: "
                             f"{exc}). Nothing was written; the design is unchanged.")
        return None
    finally:
        dlg.reset()
        dlg.close()
    status = getattr(window, "statusBar", None)
    if callable(status):
        status().showMessage(f"Exported {path}", 6000)
    return files


def user_message(exc: BaseException, path: str | Path) -> str:
    """Return what to tell the user about an export to ``path`` that failed with ``exc``.

    Names the report, never the hidden temporary file it was being written to
    (``.hall.pdf.0ijq3zot.tmp``), and says the earlier file is untouched.

    Examples
    --------
    >>> user_message(PermissionError(13, "Permission denied", "/r/.hall.pdf.0ijq.tmp"),
    ...              "/r/hall.pdf")
    'hall.pdf: cannot write the report (Permission denied). Nothing was written.'
    """
    name = Path(path).name
    if isinstance(exc, OSError):
        written = Path(exc.filename).name if exc.filename else ""
        what = exc.strerror or str(exc)
        # a CSV report names the table file it failed on; a temp file is ours, not theirs
        target = written if written and not written.startswith(".") else name
        return f"{target}: cannot write the report ({what}). Nothing was written."
    return str(exc)


def report_stem(name: str | None, max_chars: int = 60) -> str:
    """Return a file name stem from a layout's name: whole words and whole parameters
    ("scalable_units=4", never "scalable"), as many as ``max_chars`` holds.

    Examples
    --------
    >>> report_stem("DGX H100 hall (racks=16, racks_per_row=8)")
    'DGX-H100-hall-racks-16-racks_per_row-8'
    >>> report_stem("SuperPOD with DGX H100 (scalable_units=8, ufm_port=True, racks_per_row=16)",
    ...             50)
    'SuperPOD-with-DGX-H100-scalable_units-8'
    >>> report_stem("NVIDIA DGX SuperPOD with DGX B300 systems and a long tail", 40)
    'NVIDIA-DGX-SuperPOD-with-DGX-B300'
    >>> report_stem("  ")
    'report'

    A closing note in brackets that is not a parameter list, such as a retargeted
    copy's, is kept at the end, so the copy's report is not named as its original's:

    >>> report_stem("NVIDIA DGX SuperPOD with DGX H100 (scalable_units=4, racks_per_row=16) "
    ...             "(retargeted to Blackwell)")
    'NVIDIA-DGX-SuperPOD-with-DGX-H100-retargeted-to-Blackwell'
    """
    def slug(text: str) -> str:
        return re.sub(r"[^\w.-]+", "-", text).strip("-.")

    note = re.search(r"\s*\(([^()=]*)\)\s*$", name or "")
    if note and note.start() > 0 and slug(note.group(1)):
        tail = slug(note.group(1))[:max_chars // 2].strip("-.")
        head = report_stem(name[:note.start()], max(max_chars - len(tail) - 1, 1))
        return f"{head}-{tail}" if head != "report" else tail

    base, _, rest = (name or "").partition("(")
    words = [slug(w) for w in base.split()] + [slug(p) for p in rest.rstrip(") ").split(",")]
    stem = ""
    for word in (w for w in words if w):
        joined = f"{stem}-{word}" if stem else word
        if len(joined) > max_chars:
            break
        stem = joined
    if not stem and words:  # one word longer than the limit: cut it
        stem = next((w for w in words if w), "")[:max_chars].strip("-.")
    return stem or "report"


def _check_pdf_complete(path: str | Path) -> None:
    """Raise OSError unless ``path`` ends as a PDF does: Qt's PDF writer reports no
    write error (a full disk leaves a short file), and a short file must never
    replace a good report."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 64))
            tail = fh.read()
    except OSError as exc:
        raise OSError(f"cannot read back the PDF ({exc.strerror or exc})") from None
    if size == 0 or b"%%EOF" not in tail:
        raise OSError(28, "the PDF was not written completely (is the disk full?)")


def layout_file_clash(path: str | Path, open_path: str | Path | None) -> str:
    """Return why a report must not be written to ``path`` ("" when it may).

    A report never replaces a layout: not the open one, and not another design
    saved there (a file that reads as a Rackscape layout).

    Examples
    --------
    >>> layout_file_clash("/tmp/a.pdf", "/tmp/a.json")
    ''
    >>> layout_file_clash("/tmp/a.json", "/tmp/a.json")[:32]
    'a.json is the open layout: a rep'
    """
    p = Path(path)
    folder = own_folder(p)
    if folder is not None:
        return (f"{p.name} would go in {folder[0]} ({folder[1]}): Rackscape reads every file "
                "there as its own data, so a report is not written there. Choose another "
                "folder.")
    if open_path is not None and p.resolve() == Path(open_path).resolve():
        return (f"{p.name} is the open layout: a report cannot replace it. "
                "Choose another file name.")
    kind = project_file_kind(p)
    if kind:
        return f"{p.name} is {kind}: a report cannot replace it. Choose another file name."
    return ""


def _window_overlays(window: Any) -> tuple[str, ...]:
    """The overlays shown in the window's canvas, when it says."""
    for owner in (window, getattr(window, "canvas", None), getattr(window, "scene", None)):
        if owner is None:
            continue
        for name in ("active_overlays", "overlays_shown", "visible_overlays"):
            v = getattr(owner, name, None)
            v = v() if callable(v) else v
            if v:
                try:
                    from designer.reports.floorplan import normalize_overlays

                    return normalize_overlays(list(v))
                except ValueError:
                    return ()
    return ()
