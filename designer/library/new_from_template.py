"""New from template: templates by generation, their parameters as a form, a live preview.

The parameters are checked on every change (:func:`engine.templates.resolve_params`
is quick), so a bad value shows one line at once and disables OK; a number typed
outside a parameter's range stays as typed and is refused in the inspector's words
("expected 1 to 16 (got 20)"). The preview (instantiate, then analyze) waits for the
form to settle (:data:`PREVIEW_DELAY_MS`) and runs on a background thread; only the
newest request is computed, and it lists each rule the design breaks with its message;
until it comes the figures on show are greyed under "Computing the preview…". Opened
on a design made from a template, the form starts from the values the design's name
lists (:func:`design_params`).
OK opens the previewed layout when it is for the values on show, else lays it out anew;
``confirm_replace`` (the window's unsaved-changes question) is asked then, and a Cancel
there leaves the dialog open as it was.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.library.template_form import (
    DescriptionView,
    ParamDoubleSpinBox,
    ParamSpinBox,
    form_message,
    param_refusal,
    range_text,
)
from designer.recent import file_stem
from engine.analysis import analyze
from engine.catalog import Catalog, default_catalog, generation_name
from engine.errors import InputError
from engine.model import Layout
from engine.report_tables import unknown_hardware_text
from engine.templates import (
    ParameterError,
    TemplateFile,
    instantiate,
    layout_template_id,
    list_templates,
    read_user_library,
    resolve_params,
    template_cautions,
    user_template_dir,
)

__all__ = ["NewFromTemplateDialog", "PREVIEW_DELAY_MS", "preview_figures", "generation_label",
           "template_file_stem", "user_template_files", "skipped_files", "USER_GROUP",
           "violation_details", "design_params"]

#: Quiet time after the last change before the preview is computed, ms.
PREVIEW_DELAY_MS = 300
_ID_ROLE = Qt.ItemDataRole.UserRole
#: The group of the user's own templates, listed first.
USER_GROUP = "User library"
_ERROR_STYLE = "color: #c62828;"
_MUTED = "#5f6368"
_SEVERITY_COLORS = {"error": "#c62828", "warning": "#b26a00", "info": "#1e72c8"}
#: Rules listed with their message under the preview (the rest in the tooltip).
_RULES_SHOWN = 4


def generation_label(gen: str) -> str:
    """Return the display name of a generation (``"blackwell-ultra"`` -> ``"Blackwell Ultra"``)."""
    return generation_name(gen)


def user_template_files(folder: Path) -> dict[str, Path]:
    """Return the file of each template id in a user library folder, the one
    :func:`engine.templates.list_templates` reads (see
    :class:`engine.templates.UserLibrary`)."""
    return read_user_library(folder).files


def _split_problem(problem: str) -> tuple[Path, str]:
    """Split an :class:`InputError` text (``"<file>: <field>: expected ..."``) into the
    file and the rest."""
    file, _, rest = problem.partition(": ")
    return Path(file), rest or problem


def skipped_files(template_problems: list[str], builtin: dict[str, TemplateFile],
                  catalog_problems: list[str],
                  duplicate_files: Collection[Path] = ()) -> list[tuple[Path, str]]:
    """Return ``(file, what is wrong)`` for each user template and catalog file skipped.

    A bad user template named like a built-in one was meant to replace it: it says
    that the built-in one is listed instead. ``duplicate_files`` are user files left
    out because another file of the library has their template id (their problem
    names that file).
    """
    out = []
    duplicates = set(duplicate_files)
    for problem in template_problems:
        file, rest = _split_problem(problem)
        base = builtin.get(file.stem) if file not in duplicates else None
        if base is not None:
            rest += f" (it would replace the built-in “{base.title}”, which is listed instead)"
        out.append((file, f"template: {rest}"))
    for problem in catalog_problems:
        file, rest = _split_problem(problem)
        out.append((file, f"catalog file: {rest}"))
    return out


def preview_figures(t: TemplateFile, values: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Instantiate and analyze ``t`` for ``values``; return the figures of the preview.

    Pure engine work (no Qt), so it may run on any thread.
    """
    lay = instantiate(t, values, catalog=catalog)
    a = analyze(lay, catalog)
    x0, y0, x1, y1 = lay.hall.bounds()
    bound = bool(a.power.is_lower_bound)
    return {"layout": lay, "values": dict(values), "template": t.id,
            # where these values leave what the template's sources publish
            "cautions": template_cautions(t, values),
            "racks": len(lay.racks), "gpus": int(a.counts.get("gpus", 0)),
            # the racks a fabric puts its switches in, beyond those a parameter counts
            "network_racks": len({rid for f in lay.fabrics for rid in f.network_racks}),
            "cpu_nodes": int(a.counts.get("cpu_nodes", 0)),
            "it_kw": float(a.power.it_kw), "facility_kw": float(a.power.facility_kw),
            # hardware of unknown power counts 0 W: the loads are at least these
            "power_is_lower_bound": bound,
            "unknown_power": unknown_hardware_text(a.power.unknown_power_hardware, "power",
                                                   catalog) if bound else "",
            "switches": int(a.counts.get("switches", {}).get("total", 0)),
            "violations": a.violations_by_severity(), "hall_m": (x1 - x0, y1 - y0),
            # which rules fail, most frequent first: "FLOOR-AIRFLOW (error) x 8"
            "violation_codes": [f"{code} ({sev}) × {n}" for (code, sev), n in Counter(
                (v.code, v.severity) for v in a.violations).most_common()],
            "violation_details": violation_details(a.violations)}


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def design_params(t: TemplateFile, layout_name: str) -> dict[str, Any] | None:
    """Return the parameters a design named ``layout_name`` was made from with ``t``, as
    its name lists them ("<title> (pods=1, racks_per_row=48)"), or None when the name does
    not give every one of them or one does not suit the template any more.

    Examples
    --------
    >>> from engine.templates import get_template
    >>> t = get_template("meta-24k-roce", user_dir=None)
    >>> design_params(t, t.title + " (pods=1, racks_per_row=48)")
    {'pods': 1, 'racks_per_row': 48}
    >>> design_params(t, t.title) is None, design_params(t, t.title + " (pods=99, "
    ...                                                 "racks_per_row=48)") is None
    (True, True)
    """
    name = layout_name.strip()
    head = t.title + " ("
    if not t.parameters or not name.startswith(head) or not name.endswith(")"):
        return None
    inner = name[len(head):-1]
    raw: dict[str, str] = {}
    # in the template's order, each value up to the next parameter's name (a value may
    # hold ", ")
    names = [p.name for p in t.parameters]
    for k, pname in enumerate(names):
        key = f"{pname}="
        if not inner.startswith(key):
            return None
        inner = inner[len(key):]
        if k + 1 < len(names):
            cut = inner.find(f", {names[k + 1]}=")
            if cut < 0:
                return None
            raw[pname], inner = inner[:cut], inner[cut + 2:]
        else:
            raw[pname] = inner
    try:
        resolved = resolve_params(t, raw)
    except ParameterError:
        return None
    return {name: resolved[name] for name in names}


def violation_details(violations: list) -> list[dict[str, Any]]:
    """Return one entry per rule and severity, errors first, then the most frequent:
    ``code``, ``severity``, ``count`` and the first ``message``."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for v in violations:
        entry = out.setdefault((v.code, v.severity), {"code": v.code, "severity": v.severity,
                                                      "count": 0, "message": v.message})
        entry["count"] += 1
    return sorted(out.values(), key=lambda e: (_SEVERITY_ORDER.get(e["severity"], 3),
                                               -e["count"]))


#: Parameters that set a template's size: named in a proposed file name even at their default.
_SIZE_PARAMS = ("scalable_units", "pods", "racks", "systems", "nodes", "k")


def template_file_stem(t: TemplateFile, values: dict[str, Any], max_chars: int = 60) -> str:
    """Return a short file name stem for a design made from ``t``: its id, its size and
    the parameters set away from their defaults (the layout's own name lists every
    parameter and runs past 100 characters).

    Examples
    --------
    >>> from engine.templates import get_template
    >>> t = get_template("dgx-h100-superpod", user_dir=None)
    >>> template_file_stem(t, {"scalable_units": 2, "racks_per_row": 16})
    'dgx-h100-superpod-scalable-units-2'
    >>> template_file_stem(t, {"scalable_units": 4, "ufm_port": False})
    'dgx-h100-superpod-scalable-units-4-no-ufm-port'
    """
    parts = [t.id]
    for p in t.parameters:
        if p.name not in values:
            continue
        val = values[p.name]
        if val == p.default and p.name not in _SIZE_PARAMS:
            continue
        name = p.name.replace("_", "-")
        if isinstance(val, bool):
            parts.append(name if val else f"no-{name}")
        else:
            text = f"{val:g}" if isinstance(val, float) else str(val)
            parts.append(f"{name}-{text}")
    stem = parts[0]
    for part in parts[1:]:  # whole parameters only: the size first, then the rest
        if len(stem) + 1 + len(part) > max_chars:
            break
        stem += "-" + part
    return file_stem(stem, max_chars)


_WORDS = {"gbps": "(Gb/s)", "kw": "(kW)", "mw": "(MW)", "m": "(m)", "ufm": "UFM", "su": "SU",
          "gpus": "GPUs", "gpu": "GPU", "cpu": "CPU", "nvl": "NVL", "k": "k", "id": "id"}


def param_label(name: str) -> str:
    """Return a form label for a template parameter name.

    Examples
    --------
    >>> param_label("link_speed_gbps"), param_label("ufm_port"), param_label("k")
    ('Link speed (Gb/s)', 'UFM port', 'k')
    """
    parts = [w for w in name.split("_") if w]
    words = [_WORDS.get(w, w) for w in parts]
    if words and parts[0] not in _WORDS:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped at the width the tree gives it (Qt's tree asks
    its delegate for a size without that width, and so never wraps)."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802 - Qt's name
        tree = self.parent()
        depth, up = 0, index.parent()
        while up.isValid():
            depth, up = depth + 1, up.parent()
        indent = tree.indentation() * (depth + int(tree.rootIsDecorated()))
        opt = QStyleOptionViewItem(option)
        opt.rect = QRect(0, 0, max(tree.columnWidth(0) - indent, 40), 1)
        return super().sizeHint(opt, index)


class TemplateTree(QTreeWidget):
    """The template list: every title whole, wrapped onto more lines where it is long."""

    #: the widest the list opens at (wider titles wrap; the splitter gives more)
    MAX_OPEN_WIDTH = 460

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderHidden(True)
        self.setWordWrap(True)
        # what still does not fit wrapped loses its middle, so a copy's id stays in view
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegate(_WrappingDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def open_width(self) -> int:
        """Return the width that shows the longest title on one line, up to MAX_OPEN_WIDTH."""
        bar = self.verticalScrollBar().sizeHint().width()
        text = 0
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            for k in range(top.childCount()):
                item = top.child(k)
                text = max(text, self.fontMetrics().horizontalAdvance(item.text(0)))
        return min(text + 2 * self.indentation() + 12 + bar + 2 * self.frameWidth(),
                   self.MAX_OPEN_WIDTH)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.doItemsLayout()  # rows take the height their titles wrap to


def _fmt_kw(kw: float) -> str:
    return f"{kw / 1000.0:,.2f} MW" if kw >= 1000 else f"{kw:,.1f} kW"


class NewFromTemplateDialog(QDialog):
    """Pick a template, fill in its parameters, see what it gives; OK returns the layout.

    Parameters
    ----------
    parent : QWidget, optional
    generation : str, optional
        Select the first template of this generation.
    layout : Layout, optional
        The open design: the template it was made from is selected when its name
        says which (:func:`engine.templates.layout_template_id`), else the first
        template of its generation.
    catalog : Catalog, optional
        The hardware catalog (built-in plus user by default).
    templates : list of TemplateFile, optional
        The templates to offer; the built-in and user library by default.
    """

    preview_updated = Signal(dict)

    def __init__(self, parent: QWidget | None = None, generation: str | None = None,
                 catalog: Catalog | None = None,
                 templates: list[TemplateFile] | None = None,
                 confirm_replace: Callable[[], bool] | None = None,
                 layout: Layout | None = None) -> None:
        from designer.library.worker import TaskRunner

        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.catalog = catalog or default_catalog()
        #: Asked once Create has a layout (the window's unsaved-changes question); False
        #: keeps the dialog open with everything as it was.
        self.confirm_replace = confirm_replace
        self.problems: list[str] = []
        #: The file of each user template (shown in its tooltip).
        self.user_files: dict[str, Path] = {}
        duplicates: list[Path] = []
        if templates is None:
            templates = list_templates(problems=self.problems)
            builtin = {t.id: t for t in list_templates(user_dir=None)}
            lib = read_user_library(user_template_dir())
            self.user_files = dict(lib.files)
            duplicates = [p for paths in lib.duplicates.values() for p in paths]
        else:
            builtin = {t.id: t for t in templates}
        #: every user template and catalog file that was left out, and why
        self.skipped = skipped_files(self.problems, builtin, list(self.catalog.problems),
                                     duplicates)
        self.templates = {t.id: t for t in sorted(templates, key=lambda t: (t.generation,
                                                                            t.title))}
        # a user template may replace a built-in one of the same id: it is the user's then
        self.user_ids = {tid for tid, t in self.templates.items()
                         if tid not in builtin or t != builtin[tid]}
        self.editors: dict[str, QWidget] = {}
        self.preview: dict[str, Any] | None = None
        self.layout_result: Layout | None = None
        self._pending_serial = -1
        #: the serial of the last preview that came back (shown, or shown as an error)
        self._answered_serial = -1
        #: Create was pressed before the preview of the form's values came back
        self._create_when_ready = False
        self._runner = TaskRunner(self)
        self._runner.finished.connect(self._on_preview)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._start_preview)
        self._build()
        if layout is not None:
            generation = generation or layout.generation
        # the open design's own template, in the order the list shows (the user's first)
        first = layout_template_id(layout, [self.templates[tid] for tid in self.template_ids()]) \
            if layout is not None else None
        made_from = first
        first = first or next((tid for tid, t in self.templates.items()
                               if t.generation == generation), next(iter(self.templates), None))
        if first is not None:
            self.select_template(first)
        if made_from is not None and layout is not None:
            # the values the open design was made with, where its name lists them: "the
            # same, but bigger" starts from the design, not from the template's defaults
            for name, value in (design_params(self.templates[made_from], layout.name)
                                or {}).items():
                if name in self.editors:
                    self.set_value(name, value)

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.tree = TemplateTree()
        self.tree.setMinimumWidth(260)
        groups: dict[str, QTreeWidgetItem] = {}

        def group(label: str) -> QTreeWidgetItem:
            if label not in groups:
                top = QTreeWidgetItem([label])
                top.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = top.font(0)
                font.setBold(True)
                top.setFont(0, font)
                self.tree.addTopLevelItem(top)
                groups[label] = top
            return groups[label]

        # the user's own templates first, apart from the built-in ones they may copy
        mine = sorted((tid for tid in self.templates if tid in self.user_ids),
                      key=lambda tid: (self.templates[tid].title.lower(), tid))
        if mine:
            group(USER_GROUP).setToolTip(0, f"Your templates: {user_template_dir()}")
        for tid in mine + [tid for tid in self.templates if tid not in self.user_ids]:
            t = self.templates[tid]
            is_user = tid in self.user_ids
            parent = group(USER_GROUP if is_user else generation_label(t.generation))
            # the id tells two copies of one title apart
            item = QTreeWidgetItem(parent, [f"{t.title}  ·  {tid}" if is_user else t.title])
            item.setData(0, _ID_ROLE, tid)
            item.setToolTip(0, self._tooltip(t))
        self.tree.expandAll()
        self.tree.currentItemChanged.connect(self._on_item)

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a user's title, as typed
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.meta = QLabel()
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.meta.setStyleSheet(f"color: {_MUTED};")
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a paragraph per sentence, references as small marks, the sources listed below:
        # it takes the room the form leaves and scrolls when that is not enough
        self.description = DescriptionView()
        self.description.setMinimumHeight(120)

        self.form_box = QGroupBox("Parameters")
        self.form = QFormLayout(self.form_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)

        self.preview_box = QGroupBox("Preview")
        grid = QGridLayout(self.preview_box)
        self.figures: dict[str, QLabel] = {}
        names = [("racks", "Racks"), ("gpus", "GPUs"), ("it_kw", "IT power"),
                 ("facility_kw", "Facility power"), ("switches", "Switches"),
                 ("hall", "Hall"), ("violations", "Rule check")]
        for k, (key, label) in enumerate(names):
            cap = QLabel(label)
            cap.setStyleSheet(f"color: {_MUTED};")
            val = QLabel("—")
            val.setTextFormat(Qt.TextFormat.RichText)
            val.setStyleSheet("font-weight: 600;")
            grid.addWidget(cap, k, 0)
            grid.addWidget(val, k, 1)
            self.figures[key] = val
        grid.setColumnStretch(1, 1)
        self.status = QLabel()
        self.status.setStyleSheet(f"color: {_MUTED};")
        grid.addWidget(self.status, len(names), 0, 1, 2)

        # each rule the previewed design breaks, with its message (the preview names
        # only how many)
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.rules.setTextFormat(Qt.TextFormat.RichText)
        self.rules.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.error = QLabel()
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # room for a two-line message from the start: one appearing never moves the
        # Parameters panel above it
        self.error.setMinimumHeight(2 * self.error.fontMetrics().lineSpacing() + 2)
        self.buttons, self.ok_button = ok_cancel(self, "Create")

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        rl.addWidget(self.title)
        rl.addWidget(self.meta)
        rl.addWidget(self.description, 1)
        params_row = QHBoxLayout()
        params_row.addWidget(self.form_box, 1)
        params_row.addWidget(self.preview_box, 1)
        rl.addLayout(params_row)
        # the rules sit in a box of a fixed height (the lines of _RULES_SHOWN rules and the
        # "and N more" line, scrolling when messages wrap further): a preview with more or
        # fewer rules never moves the Parameters panel under the pointer
        self.rules_area = QScrollArea()
        self.rules_area.setWidget(self.rules)
        self.rules_area.setWidgetResizable(True)
        self.rules_area.setFrameShape(QFrame.Shape.NoFrame)
        self.rules_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rules_area.setFixedHeight(
            int((_RULES_SHOWN + 1) * self.rules.fontMetrics().lineSpacing() * 1.5) + 8)
        rl.addWidget(self.rules_area)
        rl.addWidget(self.error)
        self.skipped_label = QLabel()
        self.skipped_label.setWordWrap(True)
        self.skipped_label.setStyleSheet(_ERROR_STYLE)
        self.skipped_label.setTextFormat(Qt.TextFormat.RichText)
        self.skipped_label.linkActivated.connect(lambda _link: self.show_skipped())
        if self.skipped:
            self.skipped_label.setText(f"{html.escape(self._skipped_summary())} "
                                       "<a href='details'>Details…</a>")
            self.skipped_label.setToolTip("\n".join(f"{f.name}: {why}"
                                                     for f, why in self.skipped))
            rl.addWidget(self.skipped_label)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        tree_w = max(340, self.tree.open_width())
        # taller where the screen allows: the description reads without scrolling
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(700 + tree_w, 720 if screen is None or screen.height() >= 800 else 640)
        split.setSizes([tree_w, 700])
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)

    def _skipped_summary(self) -> str:
        if len(self.skipped) == 1:
            file, why = self.skipped[0]
            return f"Skipped {file.name}, a user {why}"
        names = ", ".join(f.name for f, _ in self.skipped)
        return f"{len(self.skipped)} user files skipped: {names}."

    def show_skipped(self) -> QMessageBox:
        """Show every skipped user template and catalog file with what is wrong with it."""
        n = len(self.skipped)
        box = QMessageBox(QMessageBox.Icon.Warning, "Skipped files",
                          f"{n} of your files {'was' if n == 1 else 'were'} left out:",
                          QMessageBox.StandardButton.Close, self)
        box.setInformativeText("\n\n".join(f"{f.name}: {why}" for f, why in self.skipped))
        box.setDetailedText("\n".join(f"{f}: {why}" for f, why in self.skipped))
        box.exec()
        return box

    def _tooltip(self, t: TemplateFile) -> str:
        where = self.user_files.get(t.id)
        origin = (f"User library: {where}" if where is not None else "User library"
                  ) if t.id in self.user_ids else "Built-in"
        return (f"{t.title}\n{t.id} · version {t.version} · {generation_label(t.generation)}"
                f"\nBy {t.author}\n{origin}")

    # -- template and form -----------------------------------------------------------------------

    def template_ids(self) -> list[str]:
        """Return the ids of the listed templates, in tree order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.extend(top.child(k).data(0, _ID_ROLE) for k in range(top.childCount()))
        return out

    def select_template(self, template_id: str) -> None:
        """Select a template by id (its form and preview follow)."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for k in range(top.childCount()):
                if top.child(k).data(0, _ID_ROLE) == template_id:
                    self.tree.setCurrentItem(top.child(k))
                    return
        raise KeyError(template_id)

    def current(self) -> TemplateFile | None:
        """Return the selected template."""
        item = self.tree.currentItem()
        tid = item.data(0, _ID_ROLE) if item is not None else None
        return self.templates.get(tid) if tid else None

    def _on_item(self, item: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        t = self.current()
        if t is None:
            return
        self.title.setText(t.title + ("  · preliminary" if t.preliminary else ""))
        origin = "user library" if t.id in self.user_ids else "built-in"
        self.meta.setText(f"{t.id} · version {t.version} · {generation_label(t.generation)} · "
                          f"{t.author} · {origin}")
        self.meta.setToolTip(self._tooltip(t))
        titles = {}
        for key in t.sources:
            src = self.catalog.sources.get(key)
            if getattr(src, "title", ""):
                titles[key] = src.title
        self.description.show_description(t.description, list(t.sources), titles)
        self._fill_form(t)
        self._changed()

    def _fill_form(self, t: TemplateFile) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        for p in t.parameters:
            if p.type == "bool":
                ed: QWidget = QCheckBox()
                ed.setChecked(bool(p.default))
                ed.toggled.connect(self._changed)
            elif p.type == "choice":
                ed = QComboBox()
                ed.addItems(p.choices)
                ed.setCurrentText(str(p.default))
                ed.currentTextChanged.connect(self._changed)
            else:
                # a number typed out of range stays as typed and is refused in words;
                # the arrows stop at the range
                if p.type == "int":
                    ed = ParamSpinBox(p.min, p.max)
                    ed.setSingleStep(2 if p.even else 1)
                    ed.setValue(int(p.default))
                else:
                    ed = ParamDoubleSpinBox(p.min, p.max)
                    ed.setValue(float(p.default))
                ed.setMinimumWidth(90)
                ed.comma_label = param_label(p.name)
                ed.valueChanged.connect(self._changed)
                ed.lineEdit().textEdited.connect(lambda _t, e=ed, q=p: self._typed(e, q))
                # Enter on "12,5" stays in the box (no Create with the old number): say why
                ed.comma_refused.connect(self._show_error)
                # an emptied box left shows its last number again: check what it shows
                ed.editingFinished.connect(lambda e=ed: self._entry_finished(e))
            rng = shown = ""
            if p.type in ("int", "float") and (p.min is not None or p.max is not None):
                lo = "" if p.min is None else f"{p.min:g}"
                hi = "" if p.max is None else f"{p.max:g}"
                rng = f"\nRange {lo} to {hi}" + (", even" if p.even else "")
                # the range on show: a spin box silently refuses a digit past its maximum
                shown = f" ({lo}–{hi}{', even' if p.even else ''})" if lo and hi else ""
            ed.setToolTip(f"{p.help}{rng}\nDefault {p.default}".strip())
            label = QLabel(param_label(p.name) + shown)
            label.setToolTip(ed.toolTip())
            self.editors[p.name] = ed
            self.form.addRow(label, ed)
        if not t.parameters:
            self.form.addRow(QLabel("This template has no parameters."))
        # Tab goes list, description, parameters, Create: the editors are made after the
        # buttons, and would otherwise come after them
        chain = [self.tree, self.description, *self.editors.values(), self.ok_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def values(self) -> dict[str, Any]:
        """Return the parameter values of the form."""
        out: dict[str, Any] = {}
        for name, ed in self.editors.items():
            if isinstance(ed, QCheckBox):
                out[name] = ed.isChecked()
            elif isinstance(ed, QComboBox):
                out[name] = ed.currentText()
            else:
                out[name] = ed.value()
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Set one parameter in the form (as typing it would)."""
        ed = self.editors[name]
        if isinstance(ed, QCheckBox):
            ed.setChecked(bool(value))
        elif isinstance(ed, QComboBox):
            ed.setCurrentText(str(value))
        else:
            ed.setValue(value)

    # -- checking and preview --------------------------------------------------------------------

    def error_text(self) -> str:
        """Return the one-line error on show (empty when the parameters are fine; a note
        that an entry with a decimal comma was put back stands until the next change)."""
        return self.error.text()

    def refusal(self) -> str:
        """Return why a number in the form does not suit its parameter ("" when all do)."""
        t = self.current()
        if t is None:
            return ""
        for p in t.parameters:
            ed = self.editors.get(p.name)
            if isinstance(ed, ParamSpinBox) and ed.fraction():
                return f"{param_label(p.name)}: expected a whole number (got {ed.fraction()})"
            if isinstance(ed, (ParamSpinBox, ParamDoubleSpinBox)):
                why = param_refusal(param_label(p.name), p, ed.value())
                if why:
                    return why
        return ""

    def _changed(self, *_: object) -> None:
        t = self.current()
        if t is None:
            return
        self._create_when_ready = False  # other values than the ones Create was pressed for
        try:
            why = self.refusal()
            if why:
                raise ParameterError(why)
            resolve_params(t, self.values())
        except ParameterError as exc:
            # "Link speed (Gb/s): …", as the form's own range messages read
            self._show_error(form_message(str(exc), t, param_label))
            self._timer.stop()
            self._pending_serial = -1
            return
        self._show_error("")
        self.status.setText("Computing the preview…")
        self._set_pending(True)
        self._timer.start()

    def _set_pending(self, on: bool) -> None:
        """Grey the figures on show while the preview of other values is computed: they
        are the last values', not these."""
        color = _MUTED if on else "#202124"
        for key, label in self.figures.items():
            if key != "violations":
                label.setStyleSheet(f"font-weight: 600; color: {color};")

    def _typed(self, ed: ParamSpinBox | ParamDoubleSpinBox, p: Any) -> None:
        """A number being typed: an empty or out-of-range entry is an error, not the old value."""
        if ed.hasAcceptableInput():
            self._changed()
            return
        self._timer.stop()
        self._pending_serial = -1
        if ed.comma_text():  # "12,5": a decimal comma, not 125
            self._show_error(ed.comma_refusal())
            return
        if isinstance(ed, ParamSpinBox) and ed.fraction():
            self._show_error(f"{param_label(p.name)}: expected a whole number "
                             f"(got {ed.fraction()})")
            return
        self._show_error(f"{param_label(p.name)}: expected a number from {range_text(p)}")

    def _entry_finished(self, ed: ParamSpinBox | ParamDoubleSpinBox) -> None:
        """A box left (or Enter pressed in it): check the number it shows. A decimal comma
        left in it was put back to the number before, which the form takes; the message
        line says so until the next change, so the entry is not lost without a word."""
        self._changed()
        put_back = ed.take_comma_refusal()
        if put_back and not self.error.text():
            self.error.setText(put_back)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.ok_button.setEnabled(not text and self.current() is not None)
        if text:
            self._set_pending(False)
            for label in self.figures.values():
                label.setText("—")
            self.status.setText("")
            # the rules of the last preview no longer apply (their box keeps its room)
            self.rules.setText("")
            self.rules.setToolTip("")

    def _start_preview(self) -> None:
        t = self.current()
        if t is None:
            return
        values, catalog = self.values(), self.catalog
        self._pending_serial = self._runner.submit(lambda: preview_figures(t, values, catalog))

    def refresh_preview(self) -> None:
        """Compute the preview now (skips the debounce delay)."""
        if self._timer.isActive():
            self._timer.stop()
            self._start_preview()

    def _on_preview(self, serial: int, result: dict | None, error: str) -> None:
        if serial != self._pending_serial:
            return  # a newer request (or an error shown since) replaced it
        self._answered_serial = serial
        waiting, self._create_when_ready = self._create_when_ready, False
        if result is None:
            t = self.current()
            first = error.splitlines()[0] if error else "the template failed"
            self._show_error(form_message(first, t, param_label) if t is not None else first)
            return
        self.preview = result
        f = self.figures
        net = int(result.get("network_racks", 0))
        f["racks"].setText(f"{result['racks']:,}" + (
            f" ({result['racks'] - net:,} + {net:,} network)" if net else ""))
        nodes = result.get("cpu_nodes", 0)
        f["gpus"].setText(f"{result['gpus']:,}" + (f" · {nodes:,} CPU nodes" if nodes else ""))
        # a load leaving out hardware of unknown power is a lower bound, as the dashboard
        # and the reports say it
        bound = "≥ " if result.get("power_is_lower_bound") else ""
        f["it_kw"].setText(bound + _fmt_kw(result["it_kw"]))
        f["facility_kw"].setText(bound + _fmt_kw(result["facility_kw"]))
        why = (f"A lower bound: {result.get('unknown_power', '')}, counted as 0 W"
               if bound else "")
        for key in ("it_kw", "facility_kw"):
            f[key].setToolTip(why)
        self._set_pending(False)
        f["switches"].setText(f"{result['switches']:,}")
        w, d = result["hall_m"]
        f["hall"].setText(f"{w:,.1f} × {d:,.1f} m")
        sev = result["violations"]
        colors = {"error": "#c62828", "warning": "#b26a00", "info": "#1e72c8"}
        parts = [f"<span style='color:{colors[k]}'>{sev[k]} {k}{'s' * (sev[k] != 1)}</span>"
                 for k in ("error", "warning", "info") if sev.get(k)]
        f["violations"].setText(" · ".join(parts) or
                                "<span style='color:#2e7d32'>no violations</span>")
        codes = result.get("violation_codes") or []
        f["violations"].setToolTip("\n".join(codes[:20]) if codes else "")
        self._show_rules(result.get("violation_details") or [], result.get("cautions") or [])
        self.status.setText("")
        self.preview_updated.emit(result)
        if waiting:  # Create was pressed while this was being built
            self.ok_button.setEnabled(True)
            self.accept()

    def _show_rules(self, details: list[dict[str, Any]], cautions: list[str] = ()) -> None:
        """List the template's cautions for these values (a size beyond its published
        table), then each broken rule with its message under the preview (what the rule
        says, not only its code); more than :data:`_RULES_SHOWN` go to the tooltip."""
        if not details and not cautions:
            self.rules.setText("")
            self.rules.setToolTip("")
            return
        notes = [f"<p style='margin:0 0 3px 0'><span style='color:{_MUTED}; font-weight:600'>"
                 f"Note</span> {html.escape(c)}</p>" for c in cautions]

        def line(d: dict[str, Any]) -> str:
            times = f" × {d['count']:,}" if d["count"] > 1 else ""
            color = _SEVERITY_COLORS.get(d["severity"], _MUTED)
            return (f"<span style='color:{color}; font-weight:600'>{html.escape(d['code'])}"
                    f"</span><span style='color:{_MUTED}'>{times}</span> "
                    f"{html.escape(d['message'])}")

        room = max(_RULES_SHOWN - len(cautions), 1)
        shown = notes + [f"<p style='margin:0 0 3px 0'>{line(d)}</p>" for d in details[:room]]
        rest = len(details) - room
        if rest > 0:
            shown.append(f"<p style='margin:0; color:{_MUTED}'>and {rest} more rule"
                         f"{'s' * (rest != 1)} (hover for all)</p>")
        self.rules.setText("".join(shown))
        self.rules.setToolTip("\n".join(
            [f"Note: {c}" for c in cautions] +
            [f"{d['code']} ({d['severity']}){' × ' + str(d['count']) if d['count'] > 1 else ''}"
             f": {d['message']}" for d in details[:40]]))
        self.rules.show()

    def wait_for_preview(self, timeout_ms: int = 60_000) -> bool:
        """Block until the background preview is done and on show (scripts and tests)."""
        self.refresh_preview()
        if not self._runner.wait(timeout_ms):
            return False
        # its answer is a queued signal: deliver it
        deadline = time.monotonic() + timeout_ms / 1000
        def waiting() -> bool:
            return self._pending_serial not in (-1, self._answered_serial)

        while waiting() and time.monotonic() < deadline:
            QCoreApplication.processEvents()
        return not waiting()

    # -- result ------------------------------------------------------------------------------------

    def _preview_is_current(self) -> bool:
        """Whether the preview on show is of the selected template and the form's values."""
        t, p = self.current(), self.preview
        return (t is not None and p is not None and p["template"] == t.id
                and p["values"] == self.values())

    def build_layout(self) -> Layout | None:
        """Return the layout for the form's values (the preview's when it is current)."""
        t = self.current()
        if t is None:
            return None
        if self._preview_is_current():
            return self.preview["layout"]
        values = self.values()
        try:
            return instantiate(t, values, catalog=self.catalog)
        except (ParameterError, InputError, ValueError) as exc:
            self._show_error(form_message(str(exc).splitlines()[0], t, param_label))
            return None

    def file_stem(self) -> str:
        """Return the file name stem proposed for the design of the form's values."""
        t = self.current()
        return template_file_stem(t, self.values()) if t is not None else "layout"

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return
        if not self._preview_is_current():
            # the layout of these values is still being built off the GUI thread (a
            # large one takes a second): Create waits for it there, and the window
            # stays live; a change of values meanwhile calls the wait off
            self._create_when_ready = True
            self.ok_button.setEnabled(False)
            self.status.setText("Building the layout…")
            if self._timer.isActive() or self._answered_serial == self._pending_serial:
                self._timer.stop()
                self._start_preview()
            return
        lay = self.build_layout()
        if lay is None:
            return
        # the open design's unsaved changes are asked about only now, when the new one is
        # there to replace it: a Cancel keeps both, and this dialog as it was
        if self.confirm_replace is not None and not self.confirm_replace():
            return
        self.layout_result = lay
        super().accept()

    def done(self, result: int) -> None:
        self._timer.stop()
        self._runner.wait()
        super().done(result)
