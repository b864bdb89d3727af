"""New blank hall: name, width, depth and floor tile."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.panels.editors import DecimalCommaGuard, misplaced_comma

__all__ = ["NewHallDialog"]


class _Metres(DecimalCommaGuard, QDoubleSpinBox):
    """A length in metres that takes any number typed (so 6000 is not read as 600 with
    its last key dropped) and says when it is out of range."""

    rejected_size = Signal()

    def __init__(self, what: str, value: float, lo: float, hi: float, step: float) -> None:
        super().__init__()
        self.what = what
        self.comma_label = what
        self.clamped: tuple[float, float] | None = None  # (typed, set) on leaving the field
        self.clamp_said = False  # an OK has been held back once to say it
        self.setRange(lo, hi)
        self.setDecimals(2)
        self.setSingleStep(step)
        self.setSuffix(" m")
        self.setValue(value)
        # leaving the field with a size past the range sets the nearest end, shown there
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        self.setToolTip(f"{lo:g} to {hi:,g} m")

    def fixup(self, text: str) -> str:  # noqa: D102 - Qt's: a size out of range
        # leaving the field with a size past the range sets the nearest end (Qt's own
        # correction read "6000 m" as nothing, and set the minimum); the dialog says so
        t = text.removesuffix(self.suffix()).strip()
        if misplaced_comma(t):  # "1,5" is not 15 m: the guard puts the size back
            return super().fixup(text)
        try:
            v = float(t.replace(",", ""))
        except ValueError:
            return super().fixup(text)
        near = min(max(v, self.minimum()), self.maximum())
        if near != v:
            self.clamped, self.clamp_said = (v, near), False
        return self.textFromValue(near) + self.suffix()

    def typed(self) -> float | None:
        """The number in the field as typed (``None`` when it is not a number)."""
        if misplaced_comma(self.cleanText()):
            return None
        try:
            return float(self.cleanText().replace(",", ""))
        except ValueError:
            return None

    def problem(self) -> str:
        """Why the typed size cannot be taken ("" when it can)."""
        v = self.typed()
        if v is None:
            return self.comma_refusal() or f"{self.what}: expected a number of metres"
        if not self.minimum() <= v <= self.maximum():
            return (f"{self.what}: {v:,g} m is outside {self.minimum():g} to "
                    f"{self.maximum():,g} m")
        return ""

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Enter on a size out of range keeps it in the field, named (the dialog says
        # why), rather than setting the nearest end and closing
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.problem():
            self.rejected_size.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def validate(self, text: str, pos: int) -> object:
        state = super().validate(text, pos)
        if state[0] == QValidator.State.Invalid and self.typed_text_is_number(text):
            return (QValidator.State.Intermediate, text, pos)
        return state

    def typed_text_is_number(self, text: str) -> bool:
        t = text.removesuffix(self.suffix()).strip().replace(",", "")
        try:
            float(t)
        except ValueError:
            return False
        return True


def _metres(what: str, value: float, lo: float, hi: float, step: float = 0.6) -> _Metres:
    return _Metres(what, value, lo, hi, step)


class NewHallDialog(QDialog):
    """Ask for the size of an empty rectangular hall."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New blank hall")
        self.name = QLineEdit("Untitled hall")
        self.width_m = _metres("Width", 36.0, 3.0, 5000.0)
        self.depth_m = _metres("Depth", 24.0, 3.0, 5000.0)
        self.tile_m = _metres("Floor tile", 0.6, 0.1, 3.0, 0.05)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Width (x), 3 to 5,000 m", self.width_m)
        form.addRow("Depth (y), 3 to 5,000 m", self.depth_m)
        form.addRow("Floor tile, 0.1 to 3 m", self.tile_m)
        hint = QLabel("Snapping follows the floor tile; 600 mm is the raised-floor standard.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.hide()
        for box in (self.width_m, self.depth_m, self.tile_m):
            box.lineEdit().textEdited.connect(self._show_problem)
            box.rejected_size.connect(self._show_problem)
            box.editingFinished.connect(self._show_problem)
        buttons, _ok = ok_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)

    def _problems(self) -> list[str]:
        out = []
        for b in (self.width_m, self.depth_m, self.tile_m):
            if b.problem():
                out.append(b.problem())
            elif b.clamped is not None and abs(b.value() - b.clamped[1]) < 1e-9:
                typed, near = b.clamped
                out.append(f"{b.what}: {typed:,g} m is outside {b.minimum():g} to "
                           f"{b.maximum():,g} m, so it is set to {near:,g} m")
        return out

    def _show_problem(self, *_: object) -> None:
        for b in (self.width_m, self.depth_m, self.tile_m):
            if b.lineEdit().isModified() and b.problem():
                b.clamped = None  # typing again: the last correction no longer stands
        found = self._problems()
        self.problem.setText("; ".join(found))
        self.problem.setVisible(bool(found))

    def accept(self) -> None:
        """Create the hall only from sizes in range: an out-of-range size is named, and
        the dialog stays open with it."""
        self._show_problem()
        for box in (self.width_m, self.depth_m, self.tile_m):
            if box.problem():
                box.setFocus()
                box.selectAll()
                return
        # a size set to the nearest end as OK was clicked: said first, taken on the next OK
        for box in (self.width_m, self.depth_m, self.tile_m):
            if box.clamped is not None and not box.clamp_said:
                box.clamp_said = True
                box.setFocus()
                box.selectAll()
                return
        super().accept()

    def values(self) -> tuple[str, float, float, float]:
        """Return ``(name, width_m, depth_m, tile_m)``."""
        return (self.name.text().strip() or "Untitled hall", self.width_m.value(),
                self.depth_m.value(), self.tile_m.value())
