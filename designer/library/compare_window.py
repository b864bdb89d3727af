"""Tools → Compare generations: one design intent across hardware generations.

The intent (a GPU count, a facility power envelope in MW or the most blocks
that fit a hall; the generations; optionally a hall W × D for the first two)
runs through :func:`engine.compare.compare` on a background thread, one
generation at a time (:mod:`designer.library.compare_job`): each column and bar
fills in as its generation arrives, a progress bar counts them, the status line
counts the layouts tried for the generation under way, and Cancel stops the
computation at its next probe, keeping the generations done (or, with none done, putting
the previous comparison back). The figures show in a table (one column
per generation, one row per figure, as ``rackscape compare`` prints them) and as
bar charts. Opened from a design, the intent starts from its GPUs and its hall.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.panels.charts import CategoryAxis
from designer.panels.editors import DecimalCommaGuard, misplaced_comma
from designer.screens import fit_to_screen
from engine.catalog import Catalog, default_catalog, generation_name
from engine.compare import DEFAULT_GENERATIONS, MAX_GPUS, PLANS, CompareRow, bound_mark

__all__ = ["CompareWindow", "CompareTableModel", "FIGURES", "CHARTS", "GENERATION_COLORS",
           "rule_details"]

#: Rows of the table: (label, CompareRow attribute, format).
FIGURES: list[tuple[str, str, str]] = [
    ("Template", "template", "{}"),
    ("Block", "block", "{}"),
    ("GPUs", "gpus", "{:,}"),
    ("Racks", "racks", "{:,}"),
    ("Hall area (m²)", "floor_area_m2", "{:,.0f}"),
    ("IT MW", "it_mw", "{:.2f}"),
    ("Facility MW", "facility_mw", "{:.2f}"),
    ("Liquid share", "liquid_share", "{:.0%}"),
    ("GPUs per IT MW", "gpus_per_mw", "{:,.0f}"),
    ("GPUs per facility MW", "gpus_per_facility_mw", "{:,.0f}"),
    ("Switches", "switches", "{:,}"),
    ("Cables", "cables", "{:,}"),
    ("Optics", "optics", "{:,}"),
    ("Optics kW (beyond switch power)", "optics_kw", "{:,.1f}"),
    ("Bisection Tb/s", "bisection_tbps", "{:,.1f}"),
    ("Per-GPU bisection Gb/s", "per_gpu_bisection_gbps", "{:,.1f}"),
    ("Scale-up domain (GPUs)", "scaleup_domain_gpus", "{}"),
    ("Fits hall", "fits_hall", "{}"),
    ("Failing rules", "failing_rules", "{}"),
    ("Warnings", "warnings", "{}"),
    ("Note", "note", "{}"),
]
#: Bar charts: (title, CompareRow attribute, unit of the y axis).
CHARTS: list[tuple[str, str, str]] = [
    ("GPUs", "gpus", "GPUs"),
    ("IT power", "it_mw", "MW"),
    ("GPUs per IT MW", "gpus_per_mw", "GPUs/MW"),
    ("Optics", "optics", "transceivers"),
    ("Per-GPU bisection", "per_gpu_bisection_gbps", "Gb/s"),
]
SHORT_COLOR = "#c62828"
_FORMATS = {key: fmt for _, key, fmt in FIGURES}
#: The charts' least height: their titles, bars, value labels and upright axis names.
_CHARTS_MIN_PX = 170
#: The notes open to at most this many lines; longer notes scroll.
_NOTES_MAX_LINES = 10
#: Rows whose text wraps, each as tall as its longest cell needs.
_WRAPPED = ("block", "fits_hall", "failing_rules", "warnings", "note")
_SHORT = {"hopper": "Hopper", "blackwell": "Blackwell", "blackwell-ultra": "B. Ultra",
          "rubin": "Rubin", "amd-instinct": "AMD"}
_PARAM_SHORT = {"scalable_units": "SU", "pods": "pods", "racks": "racks"}
_PENDING = "#80868b"
GENERATION_COLORS = {"hopper": "#76b900", "blackwell": "#1e72c8", "blackwell-ultra": "#6a1b9a",
                     "rubin": "#d84315", "amd-instinct": "#c62828"}


def _label(gen: str) -> str:
    return generation_name(gen)


def is_short(row: CompareRow, gpus: int | None, fill: bool = False) -> bool:
    """Whether a generation falls short of the intent: fewer GPUs than asked; for a power
    envelope, not one block fits or the template's largest stays below it; for the most
    blocks that fit a hall (``fill``), not one block fits (a template whose largest fits
    with room to spare has no target to miss)."""
    if row.error:
        return False
    if gpus:
        return row.gpus < gpus
    if fill:
        return row.note.startswith("does not fit")
    return row.note.startswith(("does not fit", "capped", "short"))


def short_word(row: CompareRow, gpus: int | None, fill: bool = False) -> str:
    """Return the word a generation that misses the intent is marked with: "over" where
    its smallest block is over a power envelope, else "short" ("" when it meets it).

    Examples
    --------
    >>> r = CompareRow(generation="hopper", template="t", param="scalable_units",
    ...                param_value=1, note="does not fit: one block needs 0.6 MW")
    >>> import dataclasses
    >>> short_word(r, None), short_word(dataclasses.replace(r, note=""), None)
    ('over', '')
    """
    if not is_short(row, gpus, fill):
        return ""
    return "over" if not gpus and not fill and row.note.startswith("does not fit") else "short"


def short_figure(gpus: int | None, fill: bool = False) -> str:
    """Return the figure a short generation falls short in: ``"gpus"`` for a GPU count,
    ``"facility_mw"`` for a power envelope, ``""`` for the most blocks in a hall (its
    note says it)."""
    return "gpus" if gpus else "" if fill else "facility_mw"


def short_reason(row: CompareRow, gpus: int | None, power_mw: float | None = None,
                 fill: bool = False) -> str:
    """Return why a generation is marked short, for the tooltips of its red cells
    ("" when it is not short).

    Examples
    --------
    >>> r = CompareRow(generation="hopper", template="t", param="scalable_units",
    ...                param_value=64, gpus=16384, facility_mw=34.85,
    ...                note="capped: the template takes at most 64 scalable units")
    >>> short_reason(r, None, 300.0)
    'Short of the 300 MW facility envelope: 34.85 MW at most (capped: the template takes at most 64 scalable units)'
    """
    if not is_short(row, gpus, fill):
        return ""
    note = row.note.removeprefix("short: ")
    if gpus:
        return f"Short of the {gpus:,} GPUs asked for: {row.gpus:,} at most" + \
            (f" ({note})" if note else "")
    if fill:
        return note[:1].upper() + note[1:] if note else "Not one block fits the hall"
    what = f"the {power_mw:g} MW facility envelope" if power_mw else "the facility envelope"
    if row.note.startswith("does not fit"):
        return f"Over {what}: {note}"
    return f"Short of {what}: {row.facility_mw:,.2f} MW at most" + (f" ({note})" if note else "")


def chart_label(value: float, key: str) -> str:
    """Return a bar's label: the figure as the table shows it where that is at most five
    characters (``1.97`` MW, ``9,728`` GPUs), else abbreviated (``36.2k``) so five bars
    side by side keep their labels apart.

    Examples
    --------
    >>> chart_label(1.97, "it_mw"), chart_label(9728.0, "gpus"), chart_label(36157, "optics")
    ('1.97', '9,728', '36.2k')
    >>> chart_label(1600.0, "per_gpu_bisection_gbps"), chart_label(705.4, "gpus_per_mw")
    ('1,600', '705')
    """
    fmt = _FORMATS.get(key)
    if fmt is not None:
        # the charts draw floats; a count is a whole number in the table
        whole = fmt in ("{}", "{:,}") and float(value).is_integer()
        text = fmt.format(int(value) if whole else value)
        if len(text) <= 5:
            return text
        if text.endswith(".0") and len(text) <= 7:
            return text[:-2]  # "1,600.0" Gb/s: the table's figure, whole
    return _short(value)


def _cell(row: CompareRow, key: str, fmt: str) -> str:
    if row.error:
        return row.error if key == "template" else ""
    if key == "block":
        # the engine's own words where it gives them ("4 SU, no UFM slot"), and a mark
        # where a power figure is secondary, an estimate or the top of a range
        text = row.block or \
            f"{row.param_value} {_PARAM_SHORT.get(row.param, row.param.replace('_', ' '))}"
        return text + (" †" if row.power_figures else "")
    val = getattr(row, key)
    if key == "failing_rules":
        return ", ".join(val) if val else "none"
    if key == "warnings":
        # which rules warn, not just how many (each one's message is in the tooltip)
        return f"{val}: {', '.join(row.warning_rules)}" if val and row.warning_rules else str(val)
    if key == "fits_hall":
        if val is None:
            return "—"
        w, d = row.hall_m
        return "yes" if val else f"no: needs {w:g} × {d:g} m"
    if key == "note":
        # the size the design needs is in the Fits hall row: here what is short, and where
        short = row.hall_note.split(": ", 1)[-1].replace(" x ", " × ")
        return "; ".join(n for n in (row.note, short) if n)
    if val is None:
        return "—"
    # a power total leaving out hardware of unknown power is a lower bound (≥), GPUs per
    # MW then an upper bound (≤), as the notes say
    return bound_mark(row, key) + fmt.format(val)


def rule_details(row: CompareRow, severity: str) -> str | None:
    """Return the rules of one severity of a row, a line each: code, how many, the first
    message (None when there are none)."""
    lines = []
    for v in row.violations:
        if v["severity"] == severity:
            times = f" × {v['count']}" if v["count"] > 1 else ""
            lines.append(f"{v['code']}{times}: {v['message']}")
    return "\n".join(lines) or None



def _checked_box(base: type, what: str, unit: str):
    """A spin box of ``base`` that remembers a number typed outside its range (which Qt
    puts back to the last value when the field is left), so the window can say it
    rather than run on a value nobody typed."""

    class Checked(DecimalCommaGuard, base):
        comma_label = what

        def __init__(self) -> None:
            super().__init__()
            self._refused = ""
            # a new entry typed: the last refusal no longer stands (a field left out of
            # range again says it again)
            self.lineEdit().textEdited.connect(self._forget)

        def _forget(self, *_: object) -> None:
            self._refused = ""

        def fixup(self, text: str) -> str:  # noqa: D102 - Qt's: text it will not take
            t = text.removesuffix(self.suffix()).strip()
            if misplaced_comma(t):  # "1,5" is not 15: the guard puts the value back
                self._refused = f"{self.comma_refusal(t)}; nothing was compared"
                return super().fixup(text)
            try:
                v = float(t.replace(",", ""))
            except ValueError:
                v = None
            if v is not None and not self.minimum() <= v <= self.maximum():
                def num(x: float) -> str:
                    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"

                self._refused = (f"{what}: {num(v)}{unit} is outside {num(self.minimum())} "
                                 f"to {num(self.maximum())}{unit}; nothing was compared")
            return super().fixup(text)

        def validate(self, text: str, pos: int):
            state = super().validate(text, pos)
            if state[0] == QValidator.State.Invalid:
                t = text.removesuffix(self.suffix()).strip().replace(",", "")
                if re.fullmatch(r"-?\d+(\.\d*)?", t):  # a number, out of range: held
                    return (QValidator.State.Intermediate, text, pos)
            return state

        def take_refusal(self) -> str:
            """Return (and forget) what a number typed out of range was refused for."""
            said, self._refused = self._refused, ""
            return said

    return Checked()

class CompareTableModel(QAbstractTableModel):
    """The comparison as a table: one column per generation, one row per figure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CompareRow] = []
        self.gpus: int | None = None
        self.fill = False
        self.power_mw: float | None = None
        #: Columns still being compared: their state ("computing…", "waiting").
        self.pending: dict[int, str] = {}

    def set_rows(self, rows: list[CompareRow], gpus: int | None = None,
                 fill: bool = False, pending: dict[int, str] | None = None,
                 power_mw: float | None = None) -> None:
        """Show ``rows`` (compared for ``gpus`` GPUs, or a power envelope when None, or
        the most blocks that fit a hall with ``fill``); the columns of ``pending`` are
        placeholders of generations still to come."""
        self.beginResetModel()
        self.rows = list(rows)
        self.gpus = gpus
        self.fill = fill
        self.power_mw = power_mw
        self.pending = dict(pending or {})
        self.endResetModel()

    def is_red(self, column: int, key: str) -> bool:
        """Whether the cell of figure ``key`` in ``column`` is drawn red: an error, failing
        rules, a hall not fitted, or the figure a short generation falls short in (and its
        note), each with a tooltip saying why."""
        row = self.rows[column]
        if column in self.pending:
            return False
        if row.error:
            return True
        if key == "failing_rules":
            return bool(row.failing_rules)
        if key == "fits_hall":
            return row.fits_hall is False
        if key in ("note", short_figure(self.gpus, self.fill)):
            return is_short(row, self.gpus, self.fill)
        return False

    def red_reason(self, column: int, key: str) -> str:
        """Return why the cell of ``key`` in ``column`` is red ("" when it is not)."""
        if not self.is_red(column, key):
            return ""
        row = self.rows[column]
        if row.error:
            return row.error
        if key == "failing_rules":
            return rule_details(row, "error") or "Rules the design fails"
        if key == "fits_hall":
            # the engine's own words where it gives them: what sticks out, and by how much
            if row.hall_note:
                return "; ".join(n for n in (row.note, row.hall_note.replace(" x ", " × "))
                                 if n)
            w, d = row.hall_m
            return f"Does not fit the hall: laid out it needs {w:g} × {d:g} m"
        why = short_reason(row, self.gpus, self.power_mw, self.fill)
        if key == "note" and row.hall_note:
            why += "\n" + row.hall_note.replace(" x ", " × ")
        return why

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(FIGURES)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.column()]
        label, key, fmt = FIGURES[index.row()]
        state = self.pending.get(index.column())
        if state is not None:
            if role == Qt.ItemDataRole.DisplayRole:
                return row.template if key == "template" else state if key == "block" else ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(_PENDING))
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, key, fmt)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            left = key in ("template", "block", "fits_hall", "failing_rules", "warnings",
                           "note")
            return int((Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight)
                       | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.is_red(index.column(), key):
                return QBrush(QColor(SHORT_COLOR))
        if role == Qt.ItemDataRole.ToolTipRole:
            # a red cell says why it is red
            red = self.red_reason(index.column(), key)
            if red:
                return red
            if key == "block":
                from engine.compare import power_footnote

                lines = [f"{row.param} = {row.param_value}"]
                lines += [row.block_note] if row.block_note else []
                lines += [power_footnote(row.generation, f) for f in row.power_figures]
                return "\n".join(lines)
            if key in ("note", "fits_hall") and row.hall_note:
                return "; ".join(n for n in (row.note, row.hall_note.replace(" x ", " × ")) if n)
            if key == "note" and row.note:
                return row.note
            mark = bound_mark(row, key)
            if mark:
                return (f"At least: leaves out {row.unknown_power}" if mark == "≥ " and
                        key != "optics_kw" else "At least: leaves out module ends of "
                        "unknown power" if mark == "≥ " else
                        f"At most: the power leaves out {row.unknown_power}")
            if key in ("failing_rules", "warnings"):
                return rule_details(row, "error" if key == "failing_rules" else "warning")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and section not in self.pending:
            return short_reason(self.rows[section], self.gpus, self.power_mw, self.fill) or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            r = self.rows[section]
            if section in self.pending:
                return f"{_label(r.generation)} — {self.pending[section]}"
            word = short_word(r, self.gpus, self.fill)
            if not word and r.fits_hall is False and not r.error:
                word = "too big for the hall"  # the GPUs asked for, on more floor than given
            return _label(r.generation) + (" (prelim.)" if r.preliminary else "") + \
                (f" — {word}" if word else "")
        return FIGURES[section][0]


def notes_html(rows: list[CompareRow]) -> str:
    """Return the notes under the comparison table as rich text, each in full on a line
    of its own (it wraps): the settings each block departs from its template in, what the
    † power figures stand on and what the optics figure leaves out (the notes
    ``rackscape compare`` prints).

    Examples
    --------
    >>> from engine.compare import CompareRow
    >>> r = CompareRow(generation="hopper", template="t", param="su", param_value=8,
    ...                block_note="whole SUs without the UFM slot; the RA leaves one")
    >>> notes_html([r]).split("<br>")[0]
    'Hopper: whole SUs without the UFM slot; the RA leaves one'
    """
    return "<br>".join(html.escape(n) for n in notes_text(rows))


def notes_text(rows: list[CompareRow]) -> list[str]:
    """Return the notes under the comparison table in full, one per line."""
    from engine.compare import power_footnote

    out = [f"{_label(r.generation)}: {r.block_note}" for r in rows
           if r.block_note and not r.error]
    out += [power_footnote(r.generation, f) for r in rows if not r.error
            for f in r.power_figures]
    out += [f"{_label(r.generation)}: the power figures leave out {r.unknown_power}, counted "
            "as 0 W (≥: at least; ≤: at most)" for r in rows if r.unknown_power and not r.error]
    if rows:
        out.append("Optics kW (beyond switch power): a switch whose power figure includes "
                   "its optics (QM9700, SN5610, Q3400) adds only the node ends")
    return out


class CompareWindow(QWidget):
    """A window comparing one design intent across generations: a table and bar charts."""

    compared = Signal(list)

    def __init__(self, parent: QWidget | None = None, catalog: Catalog | None = None) -> None:
        from designer.library.compare_job import CompareJobs

        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare generations — Rackscape")
        fit_to_screen(self, 1440, 940)  # a laptop's screen: its free area
        self.catalog = catalog or default_catalog()
        #: The rows on show of the last comparison that ran to its end.
        self.rows: list[CompareRow] = []
        self._shown_intent: dict[str, Any] | None = None
        #: The run being waited for (-1: none), its intent and the rows it has sent.
        self._serial = -1
        self._run_intent: dict[str, Any] | None = None
        self._partial: list[CompareRow | None] = []
        #: The generation being computed (its index in the run's generations).
        self._computing = 0
        self.jobs = CompareJobs(self)
        self.jobs.generation_started.connect(self._on_generation_started)
        self.jobs.probed.connect(self._on_probed)
        self.jobs.row_ready.connect(self._on_row)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)
        self._build()
        for keys in (QKeySequence.StandardKey.Close, QKeySequence(Qt.Key.Key_Escape)):
            QShortcut(keys, self, self.close)

    def set_intent_gpus(self, gpus: int) -> None:
        """Start from a GPU count (the open design's), when it has GPUs."""
        if gpus > 0:
            self.by_gpus.setChecked(True)
            self.gpus.setValue(int(gpus))

    def set_intent_hall(self, width_m: float, depth_m: float) -> None:
        """Start from a hall W × D (the open design's), when it has one; to the centimetre
        the boxes show, rounded up, so the open design fits the hall compared."""
        if width_m > 0 and depth_m > 0:
            for box, v in ((self.hall_w, width_m), (self.hall_d, depth_m)):
                box.setValue(max(box.minimum(), math.ceil(v * 100 - 1e-6) / 100))

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        intent = QGroupBox("Design intent")
        grid = QGridLayout(intent)
        self.by_gpus = QRadioButton("GPUs")
        self.by_power = QRadioButton("Facility power")
        self.by_hall = QRadioButton("Most blocks that fit the hall")
        self.by_hall.setToolTip("The most whole blocks (scalable units, pods) whose laid-out "
                                "hall fits W × D, clearance to the walls included")
        self.by_gpus.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.by_gpus, self.by_power, self.by_hall):
            group.addButton(button)
        self.gpus = _checked_box(QSpinBox, "GPUs", "")
        self.gpus.setRange(1, MAX_GPUS)
        self.gpus.setSingleStep(256)
        self.gpus.setValue(1024)
        self.gpus.setToolTip("The fewest whole blocks (scalable units, pods) reaching this "
                             "many GPUs")
        self.power_mw = _checked_box(QDoubleSpinBox, "Facility power", " MW")
        self.power_mw.setRange(0.01, 10_000)
        self.power_mw.setDecimals(2)
        self.power_mw.setValue(10.0)
        self.power_mw.setSuffix(" MW")
        self.power_mw.setToolTip("The most whole blocks within this facility power (IT × PUE)")
        self.has_hall = QCheckBox("Hall")
        self.hall_w = _checked_box(QDoubleSpinBox, "Hall width", " m")
        self.hall_d = _checked_box(QDoubleSpinBox, "Hall depth", " m")
        for box, val in ((self.hall_w, 60.0), (self.hall_d, 40.0)):
            box.setRange(1.0, 10_000.0)
            box.setDecimals(2)
            box.setSuffix(" m")
            box.setValue(val)
        self.has_hall.setToolTip("Choose the row length so each design fits this hall; "
                                 "racks that do not fit show as failing rules, and the note "
                                 "says how many blocks the hall holds")
        hall_row = QHBoxLayout()
        hall_row.addWidget(self.hall_w)
        hall_row.addWidget(QLabel("×"))
        hall_row.addWidget(self.hall_d)
        hall_row.addStretch(1)
        grid.addWidget(self.by_gpus, 0, 0)
        grid.addWidget(self.gpus, 0, 1)
        grid.addWidget(self.by_power, 1, 0)
        grid.addWidget(self.power_mw, 1, 1)
        grid.addWidget(self.by_hall, 2, 0, 1, 2)
        grid.addWidget(self.has_hall, 3, 0)
        grid.addLayout(hall_row, 3, 1)
        self.by_gpus.toggled.connect(self._sync_inputs)
        self.by_hall.toggled.connect(self._on_by_hall)
        self.has_hall.toggled.connect(self._sync_inputs)

        gens = QGroupBox("Generations")
        gl = QGridLayout(gens)
        self.generation_boxes: dict[str, QCheckBox] = {}
        for k, gen in enumerate(PLANS):
            box = QCheckBox(_label(gen))
            box.setChecked(gen in DEFAULT_GENERATIONS)
            box.setToolTip(f"{PLANS[gen].template_id}, scaled by {PLANS[gen].param}")
            box.toggled.connect(self._sync_inputs)
            self.generation_boxes[gen] = box
            gl.addWidget(box, k // 3, k % 3)

        self.run_button = QPushButton("Compare")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the comparison and show the previous one again")
        self.cancel_button.clicked.connect(self.cancel)
        # both buttons keep their places (a double click on Compare never lands on Cancel)
        self.cancel_button.setEnabled(False)
        # Enter in a figure of the intent runs the comparison, as the default button would
        for box in (self.gpus, self.power_mw, self.hall_w, self.hall_d):
            box.lineEdit().returnPressed.connect(self._run_from_keyboard)
            # but not on "12,5", which the field keeps: the status says why instead
            box.comma_refused.connect(self._refuse_entry)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        # generations done of those asked; each takes seconds when a hall is filled
        self.progress = QProgressBar()
        # the status line's own count ("2 of 5 generations done"), set with it
        self.progress.setFormat("%v of %m done")
        self.progress.setMinimumWidth(220)
        self.progress.setMaximumWidth(300)
        self.progress.hide()
        top = QHBoxLayout()
        top.addWidget(intent)
        top.addWidget(gens, 1)
        side = QVBoxLayout()
        side.addStretch(1)
        side.addWidget(self.run_button)
        side.addWidget(self.cancel_button)
        top.addLayout(side)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignTop)

        self.model = CompareTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(130)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # a long note ("short: the template takes at most 16 scalable units, reaching ...") wraps in its
        # row, which grows to fit, instead of ending in "..."
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._rows_queued = False
        self.table.horizontalHeader().sectionResized.connect(self._queue_fit_rows)

        self.charts = pg.GraphicsLayoutWidget()
        self.charts.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self._bar_labels: dict[str, tuple[np.ndarray, list[pg.TextItem]]] = {}
        font = QFont()
        font.setPointSizeF(8.0)
        self._label_font = font  # the bars' value labels as small as the axes' ticks
        for k, (title, key, unit) in enumerate(CHARTS):
            # a category axis names every generation level, smaller or upright, as the
            # dashboard's charts do
            plot = self.charts.addPlot(row=0, col=k, axisItems={"bottom": CategoryAxis()})
            plot.setTitle(title, color="#333", size="10pt")
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.showGrid(y=True, alpha=0.25)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen("#333")
                plot.getAxis(axis).setPen("#999")
                plot.getAxis(axis).setStyle(tickFont=font)
            plot.setLabel("left", unit, **{"color": "#333", "font-size": "8pt"})
            self.plots[key] = plot
            # the value labels stand above their bars in pixels: the top of the axis
            # follows the plot's height so the tallest bar's label stays inside
            plot.vb.sigResized.connect(lambda _vb, key=key: self._fit_labels(key))

        # the table on top at full width keeps every generation's column readable; the
        # charts below as one strip share its left-to-right order
        # what the table's † and its blocks stand on, as the command line prints it below
        self.notes = QLabel()
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setWordWrap(True)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setStyleSheet("color: #5f6368; font-size: 8.5pt;")
        # every note in full, wrapped: a footnote's source and its alternatives are what
        # it is there for; past a few lines they scroll rather than squeeze the charts
        self.notes_area = QScrollArea()
        self.notes_area.setWidget(self.notes)
        self.notes_area.setWidgetResizable(True)
        self.notes_area.setFrameShape(QFrame.Shape.NoFrame)
        self.notes_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.notes_area.hide()
        # one line under the charts that opens on the notes: the table keeps the height
        # of all its rows and the charts theirs until the notes are asked for
        self.notes_button = QToolButton()
        self.notes_button.setCheckable(True)
        self.notes_button.setAutoRaise(True)
        self.notes_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.notes_button.setArrowType(Qt.ArrowType.RightArrow)
        self.notes_button.toggled.connect(self._show_notes)
        self.notes_button.hide()
        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        low.setSpacing(2)
        # the charts never go below the height their bars and labels need: opened notes
        # take their room from the table, which scrolls
        self.charts.setMinimumHeight(_CHARTS_MIN_PX)
        low.addWidget(self.charts, 1)
        low.addWidget(self.notes_button, 0, Qt.AlignmentFlag.AlignLeft)
        low.addWidget(self.notes_area)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([500, 330])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(status_row)
        lay.addWidget(split, 1)
        self._sync_inputs()

    def _on_by_hall(self, checked: bool) -> None:
        # the hall is the intent itself: ticked, and not to be unticked while it is
        if checked:
            self.has_hall.setChecked(True)
        self.has_hall.setEnabled(not checked)
        self._sync_inputs()

    def _sync_inputs(self, *_: object) -> None:
        self.gpus.setEnabled(self.by_gpus.isChecked())
        self.power_mw.setEnabled(self.by_power.isChecked())
        self.hall_w.setEnabled(self.has_hall.isChecked())
        self.hall_d.setEnabled(self.has_hall.isChecked())
        self.run_button.setEnabled(bool(self.generations()) and not self.is_running())

    # -- intent and run --------------------------------------------------------------------------

    def generations(self) -> list[str]:
        """Return the ticked generations, in display order."""
        return [g for g, box in self.generation_boxes.items() if box.isChecked()]

    def set_generations(self, gens: list[str]) -> None:
        """Tick exactly ``gens``."""
        for g, box in self.generation_boxes.items():
            box.setChecked(g in gens)

    def intent(self) -> dict[str, Any]:
        """Return the keyword arguments of :func:`engine.compare.compare` for the form."""
        hall = (self.hall_w.value(), self.hall_d.value()) if self.has_hall.isChecked() else None
        if self.by_hall.isChecked():
            return {"gpus": None, "power_mw": None, "generations": self.generations(),
                    "hall": (self.hall_w.value(), self.hall_d.value())}
        if self.by_gpus.isChecked():
            return {"gpus": int(self.gpus.value()), "power_mw": None,
                    "generations": self.generations(), "hall": hall}
        return {"gpus": None, "power_mw": float(self.power_mw.value()),
                "generations": self.generations(), "hall": hall}

    def is_running(self) -> bool:
        """Whether a comparison is being waited for."""
        return self._serial >= 0

    def run(self) -> int:
        """Start the comparison on the background thread, a generation at a time; return
        its serial."""
        # a number typed out of range was put back by the field: say so, run nothing
        for box in (self.gpus, self.power_mw, self.hall_w, self.hall_d):
            said = box.take_refusal()
            if said:
                self.status.setText(html.escape(said))
                box.setFocus()
                return -1
        kw = self.intent()
        if not kw["generations"]:
            self.status.setText("Tick at least one generation.")
            return -1
        if self.is_running():
            self.jobs.cancel(self._serial)
        self._run_intent = kw  # the rows answer this intent, whatever the form says later
        self._partial = [None] * len(kw["generations"])
        self._serial = self.jobs.start(kw, self.catalog)
        self.progress.setRange(0, len(kw["generations"]))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self._show_partial(0)
        self._sync_inputs()
        return self._serial

    def cancel(self) -> None:
        """Stop waiting for the comparison: the previous one shows again (or, with none,
        the generations done so far)."""
        if not self.is_running():
            return
        self.jobs.cancel(self._serial)
        done = [r for r in self._partial if r is not None]
        asked = len(self._partial)
        gens = (self._run_intent or {}).get("generations") or []
        stopped = f" {_label(gens[self._computing])} was stopped part-way." \
            if len(done) < asked and self._computing < len(gens) else ""
        self._end_run()
        if done or self._shown_intent is None:
            # the generations done are kept: they answer the intent the form still shows
            kw = dict(self._run_intent or self.intent())
            kw["generations"] = [g for g, r in zip(gens, self._partial, strict=False)
                                 if r is not None]
            self.rows, self._shown_intent = list(done), kw
            self._display(done, kw)
            self.status.setText(f"Cancelled after {len(done)} of {asked} generations"
                                + ("; those done are shown." if done else ".") + stopped)
        else:
            self._display(self.rows, self._shown_intent)
            self.status.setText(f"Cancelled before any generation was done; the previous "
                                f"comparison, {_what(self._shown_intent)}, is shown." + stopped)

    def wait(self, timeout_ms: int = 120_000) -> bool:
        """Block until the comparison is computed (scripts and tests); its rows arrive
        with the next events."""
        return self.jobs.wait(timeout_ms)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # nobody is waiting any more: the run stops at its next probe
        self.cancel()
        super().closeEvent(event)

    def _end_run(self) -> None:
        self._serial = -1
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self._sync_inputs()

    def _refuse_entry(self, why: str) -> None:
        """Say why Enter on a figure of the intent ran nothing (a decimal comma)."""
        self.status.setText(html.escape(f"{why}; nothing was compared"))

    def _run_from_keyboard(self) -> None:
        if self.run_button.isEnabled():
            self.run()

    def _on_generation_started(self, serial: int, index: int) -> None:
        if serial == self._serial:
            self._show_partial(index)

    def _on_probed(self, serial: int, index: int, probes: int) -> None:
        if serial == self._serial and index == self._computing:
            self._show_status(index, probes)

    def _on_row(self, serial: int, index: int, row: CompareRow) -> None:
        if serial != self._serial:
            return  # a cancelled or replaced run
        self._partial[index] = row
        self._show_partial(index + 1)

    def _on_failed(self, serial: int, error: str) -> None:
        if serial != self._serial:
            return
        self._end_run()
        if self._shown_intent is not None:
            self._display(self.rows, self._shown_intent)
        self.status.setText(f"<span style='color:#c62828'>Comparison failed: "
                            f"{html.escape(error)}</span>")

    def _on_finished(self, serial: int, rows: list[CompareRow]) -> None:
        if serial != self._serial:
            return
        self._end_run()
        self.show_rows(rows)
        self.compared.emit(rows)

    def _show_partial(self, computing: int) -> None:
        """Show the rows done so far, the generation ``computing`` and those waiting."""
        kw = self._run_intent or self.intent()
        rows, pending = [], {}
        for k, (gen, row) in enumerate(zip(kw["generations"], self._partial, strict=True)):
            if row is None:
                plan = PLANS[gen]
                row = CompareRow(generation=gen, template=plan.template_id, param=plan.param,
                                 param_value=0)
                pending[k] = "computing…" if k == computing else "waiting"
            rows.append(row)
        self._display(rows, kw, pending)
        self._computing = computing
        self._show_status(computing)

    def _show_status(self, computing: int, probes: int = 0) -> None:
        """Say how far the run is: the generations done, the one computing and the layouts
        it has tried."""
        kw = self._run_intent or self.intent()
        asked = len(self._partial)
        done = sum(r is not None for r in self._partial)
        gen = kw["generations"][computing] if computing < asked else ""
        tried = f" ({probes:,} layout{'s' if probes != 1 else ''} tried)" if probes else ""
        self.status.setText(f"Comparing {_what(kw)}: {done} of {asked} generations done"
                            + (f"; computing {_label(gen)}…{tried}" if gen else "…"))
        # the bar and the words count the same, and show it together: a progress bar
        # repaints at once on a new value, a label when the event loop comes round,
        # which a busy comparison delays
        self.status.repaint()
        self.progress.setValue(done)

    def show_rows(self, rows: list[CompareRow], intent: dict[str, Any] | None = None) -> None:
        """Show comparison rows (the answer to ``intent``, the last run's by default) in
        the table and the charts."""
        kw = intent or self._run_intent or self.intent()
        self.rows = list(rows)
        self._shown_intent = kw
        self._display(self.rows, kw)
        fill = not kw["gpus"] and not kw["power_mw"]
        what = (f"the fewest whole blocks reaching {kw['gpus']:,} GPUs" if kw["gpus"]
                else f"the most whole blocks within {kw['power_mw']:g} MW of facility power"
                if kw["power_mw"] else f"the most whole blocks that fit the "
                f"{_hall(kw['hall'])} hall (clearance to the walls included)")
        # a "short" note is the red line below, with its numbers
        notes = [f"{_label(r.generation)}: {r.note.rstrip('.')}" for r in self.rows
                 if r.note and not r.note.startswith("short:")]
        failed = [f"{_label(r.generation)}: {r.error.rstrip('.')}" for r in self.rows if r.error]
        short = [f"{_label(r.generation)} {r.gpus:,}" for r in self.rows
                 if not r.error and kw["gpus"] and r.gpus < kw["gpus"]]
        short_mw = [f"{_label(r.generation)} {r.facility_mw:,.2f} MW" for r in self.rows
                    if kw["power_mw"] and is_short(r, None) and r.note.startswith(("capped",
                                                                                   "short"))]
        head = ("Each generation's flagship design, " + what
                + (f"; row length fitted to a {_hall(kw['hall'])} hall"
                   if kw["hall"] and not fill else "") + ".")
        lines = [head]
        if short:
            lines.append(f"<b style='color:#c62828'>Short of {kw['gpus']:,} GPUs</b> (the most "
                         f"blocks a template takes): {' · '.join(short)}")
        if short_mw:
            lines.append(f"<b style='color:#c62828'>Short of {kw['power_mw']:g} MW</b> of "
                         f"facility power (the most blocks a template takes): "
                         f"{' · '.join(short_mw)}")
        lines += [" · ".join(notes + failed)] if notes or failed else []
        if any(is_short(r, kw["gpus"], fill) or r.error or r.failing_rules
               or r.fits_hall is False for r in self.rows):
            # the legend of the table's red cells, on the first line to leave the table room
            lines[0] += (" <span style='color:#5f6368'>Red: short of the intent, failing "
                         "rules or not fitting the hall; hover a red cell for why.</span>")
        self.status.setText("<br>".join(lines))
        self.notes.setText(notes_html(self.rows))
        n = len(notes_text(self.rows))
        self.notes_button.setText(f"Notes ({n}): what the † power figures and the blocks "
                                  "stand on, and what the optics figure leaves out")
        self.notes_button.setVisible(n > 0)
        self.notes_area.setVisible(n > 0 and self.notes_button.isChecked())
        self._fit_notes()
        self._fit_table()

    def _show_notes(self, on: bool) -> None:
        self.notes_area.setVisible(on)
        self.notes_button.setArrowType(Qt.ArrowType.DownArrow if on else
                                       Qt.ArrowType.RightArrow)
        self._fit_notes()
        self._fit_table()

    def _fit_notes(self) -> None:
        """Make the open notes as tall as their text wrapped at the window's width now, up
        to :data:`_NOTES_MAX_LINES` lines (more scroll)."""
        if self.notes_area.isHidden():
            return
        area = self.notes_area
        bar = area.verticalScrollBar().sizeHint().width()
        width = max((area.width() if area.width() > 100 else self.width()) - bar - 4, 100)
        need = self.notes.heightForWidth(width)
        if need < 0:
            need = self.notes.sizeHint().height()
        most = _NOTES_MAX_LINES * self.notes.fontMetrics().lineSpacing() + 4
        area.setFixedHeight(min(need + 2, most))

    def _lower_min_px(self) -> int:
        """The height the charts and, when shown, the notes line and the open notes take."""
        need = _CHARTS_MIN_PX
        if not self.notes_button.isHidden():
            need += self.notes_button.sizeHint().height() + 2
        if not self.notes_area.isHidden():
            need += self.notes_area.height() + 2
        return need

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self.notes_area.isHidden():
            # another width wraps the notes on other words
            self._fit_notes()
            self._fit_table()

    def _display(self, rows: list[CompareRow], kw: dict[str, Any],
                 pending: dict[int, str] | None = None) -> None:
        """Fill the table and the charts with ``rows`` (placeholders at ``pending``)."""
        fill = not kw["gpus"] and not kw["power_mw"]
        self.model.set_rows(rows, kw["gpus"], fill, pending, kw["power_mw"])
        self._fit_rows()
        self._fit_table()
        pending = pending or {}
        self._draw_charts([r for k, r in enumerate(rows) if k not in pending], kw["gpus"], fill)

    def _fit_rows(self) -> bool:
        """Make each row of wrapping text (the block, the hall's shortfall, rule codes, the
        note) as tall as its text wrapped at its column's width now, then share the height
        out again; run again whenever a column changes width, so a narrower window never
        cuts a note's last lines off. Return whether a row changed height."""
        self._rows_queued = False
        t, m = self.table, self.model
        changed = False
        one_line = t.verticalHeader().defaultSectionSize()
        fm = t.fontMetrics()
        # the item delegate's text margins, and a little more: words wrap no later than Qt's
        pad = 2 * (t.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, t) + 1) + 4
        for k, (_, key, _fmt) in enumerate(FIGURES):
            if key not in _WRAPPED:
                continue
            need = one_line
            for c in range(m.columnCount()):
                text = m.data(m.index(k, c)) or ""
                width = max(t.columnWidth(c) - pad, 20)
                rect = fm.boundingRect(QRect(0, 0, width, 100_000),
                                       int(Qt.TextFlag.TextWordWrap), text)
                # the last line's descenders and the cell's frame: a little air
                need = max(need, rect.height() + 8)
            if t.rowHeight(k) != need:
                t.setRowHeight(k, need)
                changed = True
        return changed

    def _queue_fit_rows(self, *_: object) -> None:
        # a window resize moves every column: fit the rows once, after the last of them
        if not self._rows_queued:
            self._rows_queued = True
            QTimer.singleShot(0, self._refit_rows)

    def _refit_rows(self) -> None:
        if self._fit_rows():
            self._fit_table()

    def _fit_table(self) -> None:
        """Give the table the height of all its rows (the note included) when the window
        has room, the charts the rest."""
        split = self.table.parentWidget()
        if not isinstance(split, QSplitter):
            return
        t = self.table
        need = t.horizontalHeader().height() + 2 * t.frameWidth() + sum(
            t.rowHeight(k) for k in range(self.model.rowCount())) + 4
        total = sum(split.sizes())
        if total > 0:
            # the charts keep room for their bars and labels (and the notes, when open,
            # theirs); the table's scroll bar the rest
            low = self._lower_min_px()
            split.setSizes([min(need, total - low), max(total - need, low)])

    def _draw_charts(self, rows: list[CompareRow], gpus: int | None = None,
                     fill: bool = False) -> None:
        """Draw the bars of ``rows``; a generation short of the intent is dimmed, hatched,
        outlined in red and labelled "short", so its smaller bar is not read as a better
        design."""
        ok = [r for r in rows if not r.error]
        short = [is_short(r, gpus, fill) for r in ok]
        words = [short_word(r, gpus, fill) for r in ok]
        self.short_generations = [r.generation for r, s in zip(ok, short, strict=True) if s]
        ticks = [[(k, _SHORT.get(r.generation, r.generation)) for k, r in enumerate(ok)]]
        for key, plot in self.plots.items():
            plot.clear()
            if not ok:
                continue
            heights = np.array([float(getattr(r, key) or 0.0) for r in ok])
            brushes, pens = [], []
            for r, s in zip(ok, short, strict=True):
                color = QColor(GENERATION_COLORS.get(r.generation, "#607d8b"))
                if s:
                    color.setAlpha(80)
                brushes.append(pg.mkBrush(color))
                pens.append(pg.mkPen(SHORT_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
                            if s else pg.mkPen(None))
            x = np.arange(len(ok))
            plot.addItem(pg.BarGraphItem(x=x, height=heights, width=0.6, brushes=brushes,
                                         pens=pens))
            if any(short):
                k = np.flatnonzero(short)
                plot.addItem(pg.BarGraphItem(
                    x=x[k], height=heights[k], width=0.6, pen=pg.mkPen(None),
                    brush=QBrush(QColor(SHORT_COLOR), Qt.BrushStyle.BDiagPattern)))
            texts = []
            for k, h in enumerate(heights):
                # "short" under the value keeps neighbouring labels apart on narrow bars
                label = chart_label(h, key) + (f"\n{words[k]}" if short[k] else "")
                text = pg.TextItem(label, color=SHORT_COLOR if short[k] else "#333",
                                   anchor=(0.5, 1.0))
                text.setFont(self._label_font)
                text.setPos(k, h)
                plot.addItem(text)
                texts.append(text)
            self._bar_labels[key] = (heights, texts)
            plot.getAxis("bottom").set_labels([label for _k, label in ticks[0]])
            plot.setXRange(-0.6, len(ok) - 0.4, padding=0)
            self._fit_labels(key)

    def _fit_labels(self, key: str) -> None:
        """Set the top of chart ``key``'s axis so every bar's label (its pixel height above
        the bar) stays inside the plot: a label ``l`` px tall over a bar of height ``h`` in
        a plot ``H`` px tall needs a top of at least ``h / (1 - l / H)``."""
        heights, texts = self._bar_labels.get(key, (np.zeros(0), []))
        if not len(heights):
            return
        # a label wider than its bar's slot would run into its neighbour's ("1,1521,152"):
        # in a narrow chart the labels give way (the table beside gives every figure)
        width_px = float(self.plots[key].vb.width())
        slot_px = width_px / max(len(heights), 1)
        for t in texts:  # (a plot not laid out yet keeps them)
            t.setVisible(width_px <= 1 or t.textItem.boundingRect().width() <= slot_px - 2)
        plot_px = float(self.plots[key].vb.height())
        top = max(float(heights.max()), 1e-9) * 1.3  # before the plot has a size
        if plot_px > 40:
            need = [(float(h), t.textItem.boundingRect().height() + 4.0)
                    for h, t in zip(heights, texts, strict=True)]
            top = max([h / max(1.0 - px / plot_px, 0.2) for h, px in need] + [1e-9])
        self.plots[key].setYRange(0, top, padding=0)


def _hall(hall: tuple[float, float]) -> str:
    return f"{hall[0]:g} × {hall[1]:g} m"


def _what(kw: dict[str, Any]) -> str:
    """The intent in a few words: ``"1,024 GPUs"``, ``"10 MW"``, ``"the most blocks in a
    30 × 20 m hall"``."""
    return (f"{kw['gpus']:,} GPUs" if kw["gpus"] else f"{kw['power_mw']:g} MW"
            if kw["power_mw"] else f"the most blocks in a {_hall(kw['hall'])} hall")


def _short(v: float) -> str:
    """Return a bar label, at most five characters wide: ``0.35``, ``12.3``, ``1,024``,
    ``97.6k``, ``125k`` (five bars side by side keep their labels apart).

    Examples
    --------
    >>> [_short(v) for v in (0.349, 7.4, 12.34, 1024, 9216, 97646, 125_000)]
    ['0.35', '7.4', '12.3', '1,024', '9,216', '97.6k', '125k']
    """
    if v >= 100_000:
        return f"{v / 1000:,.0f}k"
    if v >= 10_000:
        return f"{v / 1000:.1f}k"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}" if v < 1 else f"{v:,.1f}"
