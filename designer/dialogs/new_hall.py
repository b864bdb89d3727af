"""New blank hall: name, width, depth and floor tile."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel

__all__ = ["NewHallDialog"]


def _metres(value: float, lo: float, hi: float, step: float = 0.6) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(2)
    box.setSingleStep(step)
    box.setSuffix(" m")
    box.setValue(value)
    # a typed size past the range is taken as the nearest end: the range is said
    box.setToolTip(f"{lo:g} to {hi:,g} m")
    return box


class NewHallDialog(QDialog):
    """Ask for the size of an empty rectangular hall."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New blank hall")
        self.name = QLineEdit("Untitled hall")
        self.width_m = _metres(36.0, 3.0, 5000.0)
        self.depth_m = _metres(24.0, 3.0, 5000.0)
        self.tile_m = _metres(0.6, 0.1, 3.0, 0.05)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Width (x), 3 to 5,000 m", self.width_m)
        form.addRow("Depth (y), 3 to 5,000 m", self.depth_m)
        form.addRow("Floor tile, 0.1 to 3 m", self.tile_m)
        hint = QLabel("Snapping follows the floor tile; 600 mm is the raised-floor standard.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        buttons, _ok = ok_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(buttons)

    def values(self) -> tuple[str, float, float, float]:
        """Return ``(name, width_m, depth_m, tile_m)``."""
        return (self.name.text().strip() or "Untitled hall", self.width_m.value(),
                self.depth_m.value(), self.tile_m.value())
