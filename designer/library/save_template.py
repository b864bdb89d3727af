"""Save selection as template: id, title, description and author, into the user library."""

from __future__ import annotations

import getpass
import html
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.catalog import Catalog, default_catalog
from engine.errors import InputError
from engine.model import Layout
from engine.snapshot import (
    library_path,
    save_user_template,
    selection_fabrics,
    selection_left_behind,
    selection_supplies,
    template_from_selection,
    template_path,
)
from engine.templates import ParameterError, list_templates, read_user_library

__all__ = ["SaveSelectionAsTemplateDialog", "default_title", "id_as_typed", "id_problem",
           "selection_hardware", "slug"]

_ID_PATTERN = r"[a-z0-9][a-z0-9\-]{0,59}"
_ID_MAX = 60


def slug(text: str) -> str:
    """Return a template id made from ``text``.

    Examples
    --------
    >>> slug("DGX H100 hall (racks=16)")
    'dgx-h100-hall-racks-16'
    """
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s or "template")[:60].rstrip("-")


def id_as_typed(text: str) -> str:
    """Return ``text`` as the Id field keeps it: letters in lower case, spaces as hyphens.

    Nothing else changes: a character an id cannot hold stays, and the form says so
    (:func:`id_problem`), rather than vanish as the user types it.

    Examples
    --------
    >>> id_as_typed("Bad Id!")
    'bad-id!'
    """
    return re.sub(r"\s", "-", text.lower())


def id_problem(template_id: str) -> str:
    """Return what is wrong with ``template_id`` as an id, in the form's words ("" if nothing).

    Examples
    --------
    >>> id_problem("bad-id!")
    "Id: “!” cannot be in an id; use lower-case letters, digits and '-'."
    >>> id_problem("-x"), id_problem("gb200-block")
    ("Id: start with a letter or digit, not '-'.", '')
    """
    if not template_id:
        return "Id: expected an id (lower-case letters, digits and '-')."
    bad = sorted(set(re.sub(r"[a-z0-9\-]", "", template_id)), key=template_id.index)
    if bad:
        shown = ", ".join(f"“{c}”" for c in bad)
        return (f"Id: {shown} cannot be in an id; use lower-case letters, digits and '-'.")
    if template_id.startswith("-"):
        return "Id: start with a letter or digit, not '-'."
    if len(template_id) > _ID_MAX:
        return f"Id: expected at most {_ID_MAX} characters (it has {len(template_id)})."
    return ""


def _count(ids: set[str], layout: Layout) -> str:
    groups = [(layout.racks, "rack"), (layout.cooling, "cooling unit"), (layout.feeds, "feed"),
              (layout.trays, "tray")]
    parts = []
    for items, word in groups:
        n = sum(1 for it in items if it.id in ids)
        if n:
            parts.append(f"{n} {word}{'s' * (n != 1)}")
    return ", ".join(parts)


def selection_hardware(layout: Layout, ids: Sequence[str], catalog: Catalog) -> str:
    """Return the catalog name of the GPU hardware most of the selected racks hold (their
    rack-scale system or GPU servers), "" when they hold none."""
    chosen = set(ids)
    counts: Counter[str] = Counter()
    for rack in layout.racks:
        if rack.id not in chosen:
            continue
        types = [rack.system] if rack.system else [d.type for d in rack.devices]
        for t in types:
            dev = catalog.devices.get(t)
            if dev is not None and dev.gpus:
                counts[t] += dev.gpus
    if not counts:
        return ""
    return catalog.devices[counts.most_common(1)[0][0]].name


def default_title(layout: Layout, ids: Sequence[str], catalog: Catalog) -> str:
    """Return the title proposed for a template saved from a selection of ``layout``.

    The layout's own name, less its parameters ("(scalable_units=4)"), names the block,
    unless it is still the name a retarget gave it: that names the hardware the layout
    was made from, so the selection's own hardware (or generation) names it instead.
    A layout renamed since keeps its new name.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.retarget import retarget
    >>> from engine.templates import instantiate
    >>> cat = load_catalog(user_dir=None)
    >>> lay = retarget(instantiate("gb200-nvl72-superpod", {"scalable_units": 1}), "rubin",
    ...                cat).layout
    >>> default_title(lay, [r.id for r in lay.racks][:2], cat)
    'NVIDIA Vera Rubin NVL144 (VR NVL72) — selection'
    >>> default_title(lay.model_copy(update={"name": "Hall 3 west"}), [], cat)
    'Hall 3 west — selection'
    """
    name = layout.name
    if re.search(r"\(retargeted to [^)]*\)\s*$", name):
        gen = _generation_label(layout.generation)
        hardware = selection_hardware(layout, ids, catalog)
        base = f"{hardware} ({gen})" if hardware and gen.lower() not in hardware.lower() \
            else hardware or f"{gen} block"
    else:
        base = name.split("(")[0].strip() or name.strip()
    return f"{base} — selection"


class SaveSelectionAsTemplateDialog(QDialog):
    """Ask for the new template's id, title, description and author; save on OK.

    Parameters
    ----------
    layout : Layout
        The design the selection is in.
    ids : sequence of str
        The selected item ids.
    user_dir : path, optional
        The library to save into (the user library by default).
    """

    def __init__(self, layout: Layout, ids: Sequence[str], parent: QWidget | None = None,
                 catalog: Catalog | None = None, user_dir: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save selection as template")
        self.resize(520, 400)
        self.layout_ = layout
        self.ids = list(ids)
        self.catalog = catalog or default_catalog()
        self.user_dir = Path(user_dir) if user_dir is not None else None
        self.saved_path: Path | None = None
        self._existing = {t.id for t in list_templates(user_dir=self.user_dir
                                                       if self.user_dir is not None
                                                       else "default")}
        # the built-in library is read-only: a user template never hides one of its designs
        self._builtin = {t.id for t in list_templates(user_dir=None)}
        # read once: the file a Replace would write is shown as the id is typed
        self._library = read_user_library(self.user_dir if self.user_dir is not None
                                          else "default")
        self._user = set(self._library.templates)
        # named for what the selection holds now, not the hardware a retarget replaced
        title = default_title(layout, self.ids, self.catalog)
        base = slug(title.replace("—", " "))
        self.id_edit = QLineEdit(self._free(base))
        # capitals and spaces become what an id holds as they are typed; anything else
        # stays on show with a note, never silently dropped
        self.id_edit.textEdited.connect(self._id_typed)
        self.id_edit.setToolTip("Lower-case letters, digits and '-' (capitals are made lower "
                                "case and spaces hyphens as you type); scripts and bundles "
                                "use it")
        self.title_edit = QLineEdit(title)
        self.author_edit = QLineEdit(_user_name() or layout.author or "")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("What this building block is for, and where "
                                                 "its figures come from")
        self.overwrite = QCheckBox("Replace a user template with this id")
        chosen = set(self.ids)
        chosen.update(u.id for u in layout.cooling if u.kind == "rear_door" and u.rack in chosen)
        what = _count(chosen, layout)
        # GPU hardware of another generation in the selection: the template is still the
        # layout's generation, and says so (GEN-MIXED in what it lays out)
        other = _other_generations(layout, chosen, self.catalog)
        mixed = (f" {other[0]} of the racks hold{'s' * (other[0] == 1)} "
                 f"{', '.join(_generation_label(g) for g in other[1])} GPUs: laid out, they "
                 "are marked GEN-MIXED." if other[0] else "")
        self.summary = QLabel(f"Saves {html.escape(what or 'nothing')} of "
                              f"“{html.escape(layout.name)}” as a "
                              f"{_generation_label(layout.generation)} template; its "
                              "<i>copies</i> parameter lays "
                              "the block out several times. Other items outside the "
                              f"selection are left out.{mixed}")
        self.summary.setWordWrap(True)
        self.target = QLabel()
        self.target.setStyleSheet("color: #5f6368; font-size: 11px;")
        self.target.setWordWrap(True)
        # the feeds and units the racks use: taken along unless the user says not (a
        # block without them lays out unfed and uncooled)
        self.supplies = selection_supplies(layout, self.ids, self.catalog) if self.ids else []
        names = ", ".join(self.supplies[:4]) + (" ..." if len(self.supplies) > 4 else "")
        self.take_supplies = QCheckBox(f"Take along the feeds, cooling units and trays "
                                       f"these racks use ({names})")
        self.take_supplies.setChecked(True)
        self.take_supplies.setVisible(bool(self.supplies))
        self.take_supplies.setToolTip("The feeds the racks name, the CRAH and CDU of each "
                                      "rack's cooling zone and the trays over the racks: a "
                                      "block saved without them lays out with its racks unfed "
                                      "(POWER-UNFED) or uncooled (COOL-NO-AIR)")
        # what the saved block will miss: the user may want to widen the selection
        self.left_out = QLabel()
        self.left_out.setStyleSheet("color: #b26a00;")
        self.left_out.setWordWrap(True)
        # a template keeps a fabric's settings, not its switches: say what it will be
        fabrics = selection_fabrics(layout, self.ids, self.catalog) if self.ids else []
        self.fabric_note = QLabel("Network: " + "; ".join(fabrics) + "." if fabrics else "")
        self.fabric_note.setStyleSheet("color: #1e5aa8;")
        self.fabric_note.setWordWrap(True)
        self.fabric_note.setVisible(bool(fabrics))
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Id", self.id_edit)
        form.addRow("Title", self.title_edit)
        form.addRow("Author", self.author_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("", self.overwrite)
        form.addRow("", self.take_supplies)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addLayout(form)
        lay.addWidget(self.target)
        lay.addWidget(self.left_out)
        lay.addWidget(self.fabric_note)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        for edit in (self.id_edit, self.title_edit, self.author_edit):
            edit.textChanged.connect(self._check)
        self.overwrite.toggled.connect(self._check)
        self.take_supplies.toggled.connect(self._show_left_out)
        if not what:
            self.ids = []
        self._show_left_out()
        self._check()

    def saved_ids(self) -> list[str]:
        """The ids the template is built from: the selection, and the feeds and units its
        racks use when they are taken along."""
        if self.ids and self.take_supplies.isChecked():
            return [*self.ids, *(x for x in self.supplies if x not in self.ids)]
        return list(self.ids)

    def _show_left_out(self, *_: object) -> None:
        gaps = selection_left_behind(self.layout_, self.saved_ids(), self.catalog) \
            if self.ids else []
        self.left_out.setText("Left out: " + "; ".join(gaps) + "." if gaps else "")
        self.left_out.setVisible(bool(gaps))

    def _free(self, base: str) -> str:
        if base not in self._existing:
            return base
        k = 2
        while f"{base}-{k}"[:60] in self._existing:
            k += 1
        return f"{base}-{k}"[:60]

    def _check(self, *_: object) -> str:
        """Show what is wrong with the form (one line) and enable Save when nothing is."""
        tid, title = self.id_edit.text().strip(), self.title_edit.text().strip()
        problem = ""
        if not self.ids:
            problem = "Select racks, cooling units, feeds or trays first."
        elif id_problem(tid):
            problem = id_problem(tid)
        elif not title:
            problem = "Title: expected a title."
        elif tid in self._builtin:
            problem = f"“{tid}” is a built-in template; choose another id."
        elif tid in self._existing and not self.overwrite.isChecked():
            problem = f"A template “{tid}” already exists; choose another id or tick Replace."
        self.error.setText(problem)
        self.ok_button.setEnabled(not problem)
        if re.fullmatch(_ID_PATTERN, tid):
            path = library_path(tid, self.layout_.generation, library=self._library)
            replaces = self.overwrite.isChecked() and tid in self._user
            self.target.setText(f"{'Replaces' if replaces else 'File'}: {path}")
        else:
            self.target.setText("")
        return problem

    def _id_typed(self, text: str) -> None:
        shown = id_as_typed(text)
        if shown != text:
            pos = self.id_edit.cursorPosition()
            self.id_edit.setText(shown)
            self.id_edit.setCursorPosition(min(pos, len(shown)))

    def save(self) -> Path | None:
        """Build the template from the selection and write it; return its path (None on error)."""
        if self._check():
            return None
        try:
            t = template_from_selection(
                self.layout_, self.saved_ids(), self.id_edit.text().strip(),
                self.title_edit.text().strip(), self.author_edit.text().strip(),
                self.description_edit.toPlainText().strip(), catalog=self.catalog)
            self.saved_path = save_user_template(t, overwrite=self.overwrite.isChecked(),
                                                 user_dir=self.user_dir)
        except (ParameterError, FileExistsError) as exc:
            self.error.setText(str(exc))
            return None
        except OSError as exc:
            self.error.setText(f"Cannot write {template_path(t, self.user_dir)}: "
                               f"{exc.strerror or exc}")
            return None
        except InputError as exc:  # where it cannot go: a read-only file, a pipe, a folder
            self.error.setText(f"Cannot write {template_path(t, self.user_dir)}: expected "
                               f"{exc.expected}.")
            return None
        self.template = t
        return self.saved_path

    def accept(self) -> None:
        if self.save() is not None:
            super().accept()


def _other_generations(layout: Layout, ids: set[str], catalog: Catalog
                       ) -> tuple[int, list[str]]:
    """Return how many of the selected racks hold GPU hardware of another generation than
    the layout's, and those generations."""
    racks, gens = 0, set()
    for r in layout.racks:
        if r.id not in ids:
            continue
        types = [r.system] if r.system else [d.type for d in r.devices]
        found = {catalog.devices[t].generation for t in types if t in catalog.devices
                 and catalog.devices[t].gpus and catalog.devices[t].generation
                 != layout.generation}
        if found:
            racks += 1
            gens |= found
    return racks, sorted(gens)


def _generation_label(gen: str) -> str:
    from designer.library.new_from_template import generation_label

    return generation_label(gen)


def _user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some sandboxes
        return ""
