"""Edit → Link two racks: one form naming both ends, with the speed and the cable count."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel

__all__ = ["LinkDialog", "LINK_SPEEDS_GBPS"]

#: the port speeds offered for a drawn link (per cable)
LINK_SPEEDS_GBPS = (100, 200, 400, 800, 1600)


class LinkDialog(QDialog):
    """Ask the speed and count of the cables between rack ``a`` and rack ``b``.

    ``values()`` is ``(speed_gbps, count)`` once accepted.
    """

    def __init__(self, a: str, b: str, parent: QWidget | None = None,
                 a_detail: str = "", b_detail: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Link two racks")
        intro = QLabel(f"Cables from <b>{a}</b>{a_detail} (A end) to <b>{b}</b>{b_detail} "
                       "(B end). They are routed along the trays and take part in the "
                       "cabling and the bisection like generated links.")
        intro.setWordWrap(True)
        self.speed = QComboBox()
        for s in LINK_SPEEDS_GBPS:
            self.speed.addItem(f"{s:,} Gb/s", s)
        self.speed.setCurrentIndex(LINK_SPEEDS_GBPS.index(400))
        self.count = QSpinBox()
        self.count.setRange(1, 10_000)
        form = QFormLayout()
        form.addRow("Speed per cable", self.speed)
        form.addRow("Cables", self.count)
        buttons, _ok = ok_cancel(self, "Link")
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)

    def values(self) -> tuple[float, int]:
        """Return ``(speed_gbps, count)``."""
        return float(self.speed.currentData()), int(self.count.value())
