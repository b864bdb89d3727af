"""The rack elevation: the selected rack's devices by U, free U, and the rack's totals.

U 1 is at the bottom, as racks are numbered. Dragging a device block to
another U calls ``document.move_device`` once, on release (Esc cancels);
dropping a server or switch from the palette calls ``document.install_device``
at the U under the cursor. A rack-scale system is drawn as one block.

Switches the fabric analysis generates into a network rack's free U are not
in the layout: they are drawn from the current analysis (light fill, dashed
outline), count as used U, and cannot be dragged; a device dropped on them
takes their place and the next analysis moves them to other free U.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from designer.panels.common import MIME_CATALOG, ROLE_COLORS, find_item, is_installable
from designer.panels.figures import GeneratedSwitch, generated_switches
from engine.model import Rack
from engine.report_tables import (
    KW_DIGITS,
    known_text,
    rack_unknown_figures,
    unknown_figure_note,
)

__all__ = ["RackElevationPanel", "DeviceBlock", "LabelPlate"]

_LEFT, _RIGHT, _TOP, _BOTTOM = 34, 10, 10, 10
#: a rack scales to the height it is given, down to this many pixels a U: a 48 U rack
#: in about 240 px, which the elevation dock has at the default window size; an 8 U
#: server keeps its two lines, a 1 U device its colour and tooltip; a shorter dock scrolls
_MIN_PX_PER_U, _MAX_RACK_W = 4.5, 300.0
#: a device block lower than this draws no text inside: its name goes on a label plate
#: a line high, over its own U where a run of alike devices is that high or free U beside
#: it make room, else in a column beside the rack with a leader line, so no plate covers
#: another device's text
_MIN_TEXT_PX = 10.0
#: the point size of a label plate
_PLATE_PT = 7.5
#: the gap between the rack and its label column, where the leader lines bend
_LEADER_W = 14.0
#: the label column takes at most this share of the width beside the ruler, and at
#: least this many pixels: the rack keeps room for an 8 U server's two lines
_COLUMN_SHARE, _MIN_COLUMN_W = 0.45, 56.0
_SELECTED = QColor("#ff8f00")  # the outline and U marker of the selected device


@dataclass
class DeviceBlock:
    """One drawn device: its type, lowest U, height in U and label.

    ``is_generated`` marks a switch the fabric analysis placed (not in the layout)
    for the fabric ``fabric``.
    """

    type_id: str
    u: int
    height_u: int
    label: str
    detail: str
    role: str
    is_system: bool = False
    is_unsized: bool = False
    is_generated: bool = False
    fabric: str = ""
    tooltip: str = ""
    power_kw: float = 0.0
    #: a rack-scale system's slots as the catalog places them: (kind, u, height_u,
    #: number of its kind from 1), drawn inside the system's block
    bays: tuple[tuple[str, int, int, int], ...] = ()
    bays_note: str = ""


#: how a rack-scale system's slots are drawn and named
_BAY_LOOK = {"compute_tray": ("rack_system", "Compute tray"),
             "switch_tray": ("switch", "NVLink switch tray"),
             "power_shelf": ("power_shelf", "Power shelf"),
             "management_switch": ("other", "Management switch")}


@dataclass
class LabelPlate:
    """The label of devices lower than a line of text: ``count`` alike devices on
    adjacent U from ``u`` up share one.

    ``leader`` is empty for a plate over its own devices; a plate in the column beside
    the rack has the points of its leader line, from the devices to the plate.
    """

    rect: QRectF
    block: DeviceBlock
    count: int
    u: int
    height_u: int
    leader: tuple[QPointF, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.count} x {self.block.label}" if self.count > 1 else self.block.label

    @property
    def is_beside(self) -> bool:
        return bool(self.leader)

    def holds(self, u: int) -> bool:
        return self.u <= u < self.u + self.height_u


@dataclass
class _LabelLayout:
    """Where the rack and the names of its low devices go at one canvas size.

    ``unnamed`` holds ``(block, u, height_u, marker)`` for runs the label column has no
    room for: a small marker beside the rack points at them, the tooltip names them.
    """

    rack_w: float
    plates: list[LabelPlate]
    unnamed: list[tuple[DeviceBlock, int, int, QRectF]]


def _bays(d, height_u: int) -> tuple[tuple[str, int, int, int], ...]:
    """A system's slots that lie within a rack of ``height_u`` U, numbered per kind."""
    return tuple(d.numbered_bays(height_u)) if d is not None else ()


class _ElevationCanvas(QWidget):
    """Paints one rack by U and handles device drags and palette drops."""

    device_moved = Signal(int, int)  # from_u, to_u
    device_dropped = Signal(str, int)  # type_id, u
    device_removed = Signal(object)  # the U, or None for a rack-scale system
    move_refused = Signal(str)  # why a drag, a drop or an arrow key moved nothing

    def __init__(self, panel: RackElevationPanel) -> None:
        super().__init__()
        self.panel = panel
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.height_u = 0
        self.blocks: list[DeviceBlock] = []
        self.generated: list[DeviceBlock] = []  # drawn only: never dragged, never in the way
        self.selected_u: int | None = None
        self.picked_generated: DeviceBlock | None = None  # a generated switch clicked
        self._ghost_type: str | None = None  # the catalog entry a palette drag carries
        self._said_generated = False  # its drag said once why it does not move
        self._drag: tuple[DeviceBlock, float] | None = None  # block, grab offset in U
        self._ghost: tuple[int, int, bool] | None = None  # u, height, is valid
        self._outside = False  # a device drag is out past the rack: a release cancels it
        self._press_pos: QPointF | None = None
        self._layout_key: tuple | None = None
        self._layout: _LabelLayout | None = None

    # -- geometry ------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(260, int(_TOP + _BOTTOM + max(self.height_u, 1) * 13))

    def minimumSizeHint(self) -> QSize:
        return QSize(180, int(_TOP + _BOTTOM + max(self.height_u, 1) * _MIN_PX_PER_U))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.panel._pending_scroll is not None:
            # the scroll area takes the new height after this event; the panel as the
            # timer's context drops the call if the panel is gone by then
            QTimer.singleShot(0, self.panel, self.panel._scroll_pending)

    def px_per_u(self) -> float:
        if not self.height_u:
            return 0.0
        return max(_MIN_PX_PER_U, (self.height() - _TOP - _BOTTOM) / self.height_u)

    def rack_rect(self) -> QRectF:
        w = self._label_layout().rack_w
        return QRectF(_LEFT, _TOP, w, self.px_per_u() * self.height_u)

    def u_rect(self, u: int, height_u: int) -> QRectF:
        """Return the rectangle of ``height_u`` units from U ``u`` upwards."""
        r = self.rack_rect()
        ppu = self.px_per_u()
        top = r.bottom() - (u + height_u - 1) * ppu
        return QRectF(r.left() + 3, top, r.width() - 6, height_u * ppu)

    def u_at(self, y: float) -> float:
        """Return the (fractional) U at a widget y, 1 at the bottom of U1."""
        r = self.rack_rect()
        ppu = self.px_per_u() or 1.0
        return (r.bottom() - y) / ppu + 1.0

    def block_at(self, pos: QPointF) -> DeviceBlock | None:
        """Return the device at ``pos``: its block, or its label plate or marker."""
        for plate in self.label_plates():
            if plate.rect.contains(pos):
                u = plate.u
                if not plate.is_beside:  # over its devices: the one under the cursor
                    u = min(max(int(self.u_at(pos.y())), plate.u), plate.u + plate.height_u - 1)
                return next((b for b in self.blocks if b.u <= u < b.u + b.height_u),
                            plate.block)
        for b, _u, _h, marker in self._label_layout().unnamed:
            if marker.adjusted(-2, -2, 2, 2).contains(pos):
                return b
        for b in reversed(self.blocks):
            if self.u_rect(b.u, b.height_u).contains(pos):
                return b
        return None

    def _plate_font(self) -> QFont:
        f = QFont(self.font())
        f.setPointSizeF(_PLATE_PT)
        f.setBold(True)
        return f

    def label_plates(self) -> list[LabelPlate]:
        """Return the label plates of the devices lower than a line of text.

        Alike devices on adjacent U share a plate ("2 x Quantum-2 QM9700"). A run that
        is a line high carries its plate over its own U, and so does a lower one with free
        U beside it (the plate grown into them, inside the rack's frame); the others go
        in a column beside the rack, each as near its devices as the plates above and below allow,
        with a leader line. No plate covers another device or another plate, and the
        plates depend on the rack's devices and the canvas size only: selecting or
        dragging a device never moves or drops one.
        """
        return self._label_layout().plates

    def unnamed_runs(self) -> list[tuple[DeviceBlock, int, int]]:
        """Return ``(block, u, height_u)`` of the low devices the label column has no
        room for (a marker points at each; the tooltip names it)."""
        return [(b, u, h) for b, u, h, _m in self._label_layout().unnamed]

    def _low_runs(self, ppu: float) -> list[tuple[DeviceBlock, int, int, int]]:
        """Return ``(first block, u, height_u, count)`` per run of alike adjacent
        devices lower than a line of text."""
        runs: list[tuple[DeviceBlock, int, int, int]] = []
        for b in self.blocks:
            if b.is_system or b.height_u * ppu - 2 >= _MIN_TEXT_PX:
                continue
            if runs:
                first, u, h, n = runs[-1]
                if u + h == b.u and (first.type_id, first.label) == (b.type_id, b.label):
                    runs[-1] = (first, u, h + b.height_u, n + 1)
                    continue
            runs.append((b, b.u, b.height_u, 1))
        return runs

    def _label_layout(self) -> _LabelLayout:
        """Return the rack's width and its label plates at the current size (cached)."""
        key = (self.width(), self.height(), self.height_u, self.font().key(),
               tuple((b.type_id, b.u, b.height_u, b.label, b.role, b.is_system)
                     for b in self.blocks),
               tuple((b.u, b.height_u) for b in self.generated))
        if key == self._layout_key and self._layout is not None:
            return self._layout
        self._layout_key, self._layout = key, self._lay_out_labels()
        return self._layout

    def _lay_out_labels(self) -> _LabelLayout:
        avail = max(self.width() - _LEFT - _RIGHT, 40.0)
        if not self.height_u:
            return _LabelLayout(max(min(avail, _MAX_RACK_W), 40.0), [], [])
        ppu = self.px_per_u()
        fm = QFontMetrics(self._plate_font())
        plate_h = fm.height() + 2
        runs = self._low_runs(ppu)
        over = [r for r in runs if r[2] * ppu - 2 >= plate_h]
        low = [r for r in runs if r[2] * ppu - 2 < plate_h]
        bottom = _TOP + ppu * self.height_u
        # a low run with free U beside it keeps its name inside the rack, on a plate grown
        # into those U; only runs hemmed in by other devices go to the column
        grown = self._grown_plate_tops(low, over, ppu, plate_h, bottom)
        beside = [r for r in low if id(r[0]) not in grown]
        col_w = 0.0
        if beside:
            want = max(fm.horizontalAdvance(_short_plate_text(b.label, n))
                       for b, _u, _h, n in beside) + 16
            col_w = min(want, max(_MIN_COLUMN_W, (avail - _LEADER_W) * _COLUMN_SHARE))
            rack_w = avail - _LEADER_W - col_w
        else:
            rack_w = avail
        # whole pixels: a box filled without antialiasing ends where its outline does
        rack_w = float(int(max(min(rack_w, _MAX_RACK_W), 40.0)))

        def span(u: int, h: int) -> QRectF:
            return QRectF(_LEFT + 3, bottom - (u + h - 1) * ppu, rack_w - 6, h * ppu)

        plates = []
        for b, u, h, n in over:
            r = span(u, h)
            plates.append(LabelPlate(QRectF(r.left(), r.center().y() - plate_h / 2, r.width(),
                                            plate_h), b, n, u, h))
        for b, u, h, n in low:
            if id(b) in grown:
                r = span(u, h)
                plates.append(LabelPlate(QRectF(r.left(), grown[id(b)], r.width(), plate_h),
                                         b, n, u, h))
        # the column: as many plates as its height holds, the tallest runs first, then
        # from the top; the rest get a marker
        lo, hi = 1.0, bottom + _BOTTOM - 1
        step = plate_h + 1
        room = max(int((hi - lo + 1) // step), 0)
        kept = sorted(sorted(beside, key=lambda r: (-r[2], -r[1]))[:room], key=lambda r: -r[1])
        tops = [span(u, h).center().y() - plate_h / 2 for _b, u, h, _n in kept]
        for i in range(len(tops)):  # top down: below the plate above
            tops[i] = max(tops[i], lo, tops[i - 1] + step if i else lo)
        for i in reversed(range(len(tops))):  # bottom up: inside the column
            tops[i] = min(tops[i], hi - plate_h, tops[i + 1] - step if i + 1 < len(tops) else hi)
        x = _LEFT + rack_w + _LEADER_W
        for (b, u, h, n), top in zip(kept, tops, strict=True):
            r = span(u, h)
            rect = QRectF(x, top, col_w, plate_h)
            y = r.center().y()
            leader = (QPointF(r.right() - 2, y), QPointF(_LEFT + rack_w + 3, y),
                      QPointF(x, rect.center().y()))
            plates.append(LabelPlate(rect, b, n, u, h, leader))
        kept_ids = {id(r[0]) for r in kept}
        unnamed = []
        for b, u, h, _n in beside:
            if id(b) not in kept_ids:
                y = span(u, h).center().y()
                unnamed.append((b, u, h, QRectF(_LEFT + rack_w + 2, y - 3, 6, 6)))
        return _LabelLayout(rack_w, plates, unnamed)

    def _grown_plate_tops(self, low: list[tuple[DeviceBlock, int, int, int]],
                          over: list[tuple[DeviceBlock, int, int, int]], ppu: float,
                          plate_h: float, bottom: float) -> dict[int, float]:
        """Return the top of a plate a line high over each low run that has room for one
        inside the rack, keyed by the id of the run's first block: centred on the run, or
        grown up or down from it into free U, covering no other device, no generated
        switch's label and no other plate."""

        def ys(u: int, h: int) -> tuple[float, float]:
            return bottom - (u + h - 1) * ppu, bottom - (u - 1) * ppu

        taken: list[tuple[float, float]] = [ys(b.u, b.height_u) for b in self.blocks]
        line_h = QFontMetrics(self._plate_font()).height() + 2
        for g in self.generated:  # a generated switch's label is a line high at least
            top, low_y = ys(g.u, g.height_u)
            mid = (top + low_y) / 2
            taken.append((min(top, mid - line_h / 2), max(low_y, mid + line_h / 2)))
        for _b, u, h, _n in over:
            top, low_y = ys(u, h)
            mid = (top + low_y) / 2
            taken.append((mid - plate_h / 2, mid + plate_h / 2))
        out: dict[int, float] = {}
        for b, u, h, _n in low:
            top, low_y = ys(u, h)
            own = [ys(x.u, x.height_u) for x in self.blocks if u <= x.u < u + h]
            others = [t for t in taken if t not in own]
            for cand in ((top + low_y - plate_h) / 2, low_y - plate_h, top):
                cand = max(_TOP + 1.0, min(cand, bottom - 1.0 - plate_h))
                if cand >= low_y - 1.0 or cand + plate_h <= top + 1.0:
                    continue  # clamped off its own devices
                if all(cand + plate_h <= t0 + 0.5 or cand >= t1 - 0.5 for t0, t1 in others):
                    out[id(b)] = cand
                    taken.append((cand, cand + plate_h))
                    break
        return out

    def generated_at(self, pos: QPointF) -> DeviceBlock | None:
        for b in self.generated:
            if self.u_rect(b.u, b.height_u).contains(pos):
                return b
        return None

    def tooltip_at(self, pos: QPointF) -> str:
        """Return the tooltip at ``pos``: the device's there, else a generated switch's."""
        b = self.block_at(pos) or self.generated_at(pos)
        bay = self.bay_at(pos) if b is not None and b.bays else None
        if bay is not None:
            kind, u, h, k = bay
            words = _BAY_LOOK[kind][1] + (f" {k}" if kind == "compute_tray" else "")
            where = f"U{u}" if h == 1 else f"U{u}–{u + h - 1}"
            ports = f" · cut-sheet ports T{k:02d}-…" if kind == "compute_tray" else ""
            return (f"<b>{words}</b> of {b.label}<br>{where}{ports}<br>"
                    f"<i>{b.bays_note}</i>" if b.bays_note else
                    f"<b>{words}</b> of {b.label}<br>{where}{ports}")
        return b.tooltip if b is not None else ""

    def planned_at(self, type_id: str | None, u: int, height_u: int) -> DeviceBlock | None:
        """Return the generated switch of model ``type_id`` planned at exactly ``u`` (a
        real one installed there takes its place and its cables), else ``None``."""
        return next((b for b in self.generated if b.type_id == type_id and b.u == u
                     and b.height_u == height_u), None)

    def covers_generated(self, u: int, height_u: int) -> bool:
        """Whether ``height_u`` units from ``u`` overlap a generated switch."""
        return any(u <= b.u + b.height_u - 1 and b.u <= u + height_u - 1 for b in self.generated)

    def fits(self, u: int, height_u: int, ignore_u: int | None = None) -> bool:
        """Whether ``height_u`` units from ``u`` are inside the rack and free.

        Generated switches do not count: the analysis places them after the
        rack's own devices, in whatever U is left.
        """
        if u < 1 or u + height_u - 1 > self.height_u:
            return False
        for b in self.blocks:
            if b.u == ignore_u:
                continue
            if b.is_system or (u <= b.u + b.height_u - 1 and b.u <= u + height_u - 1):
                return False
        return True

    def refusal(self, u: int, height_u: int, ignore_u: int | None = None) -> str:
        """Return why ``height_u`` units from ``u`` do not fit (``""`` when they do).

        Names the device in the way and how much room the free run there has:
        ``"U20–27 taken by DGX H100 at U19; needs 8 U, 4 free here"``.
        """
        span = f"U{u}" if height_u == 1 else f"U{u}–{u + height_u - 1}"
        if u < 1 or u + height_u - 1 > self.height_u:
            return (f"{span} is outside this {self.height_u} U rack "
                    f"(needs {height_u} U, U1–{self.height_u} exist)")
        system = next((b for b in self.blocks if b.is_system), None)
        if system is not None:
            return f"the rack holds the rack-scale system {system.label}: no free U"
        for b in self.blocks:
            if b.u == ignore_u:
                continue
            lo, hi = max(u, b.u), min(u + height_u - 1, b.u + b.height_u - 1)
            if lo <= hi:
                taken = f"U{lo}" if lo == hi else f"U{lo}–{hi}"
                run = self.free_range(u, ignore_u)
                room = "none free here" if run is None else (
                    f"1 free here (U{run[0]})" if run[0] == run[1] else
                    f"{run[1] - run[0] + 1} free here (U{run[0]}–{run[1]})")
                return f"{taken} taken by {b.label} at U{b.u}; needs {height_u} U, {room}"
        return ""

    def free_range(self, u: int, ignore_u: int | None = None) -> tuple[int, int] | None:
        """Return the run of free U around ``u`` as ``(lowest, highest)`` (None if taken)."""
        used = [False] * (self.height_u + 1)
        for b in self.blocks:
            if b.u == ignore_u:
                continue
            for k in range(max(b.u, 1), min(b.u + b.height_u, self.height_u + 1)):
                used[k] = True
        return next(((lo, hi) for lo, hi in free_runs(used) if lo <= u <= hi), None)

    def free_run(self, u: int, ignore_u: int | None = None) -> int:
        """Return the number of free U in the run of free U around ``u`` (0 if taken)."""
        run = self.free_range(u, ignore_u)
        return 0 if run is None else run[1] - run[0] + 1

    def _refuse(self, u: int, height_u: int, ignore_u: int | None = None,
                what: str = "") -> None:
        reason = self.refusal(u, height_u, ignore_u) or "no room"
        self.move_refused.emit(f"{what}: {reason}" if what else reason)

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if not self.height_u:
            p.setPen(QColor("#777"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.panel.placeholder)
            return
        r = self.rack_rect()
        ppu = self.px_per_u()
        p.fillRect(r, QColor("#f4f5f7"))
        used = [False] * (self.height_u + 1)
        for b in (*self.blocks, *self.generated):
            for u in range(b.u, min(b.u + b.height_u, self.height_u + 1)):
                used[u] = True
        free_fill = QColor("#e8ebef")
        free_brush = QBrush(QColor("#b4bcc6"), Qt.BrushStyle.BDiagPattern)
        free = free_runs(used)
        for lo, hi in free:
            fr = self.u_rect(lo, hi - lo + 1)
            p.fillRect(fr, free_fill)
            p.fillRect(fr, free_brush)
        # U ruler
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, min(8.5, ppu * 0.6)))
        p.setFont(small)
        every = 1 if ppu >= 13 else (2 if ppu >= 8 else 5)
        grid = QPen(QColor("#d7dbe0"))
        # a number a line high, centred on its U (a U can be lower than the text)
        line_h = p.fontMetrics().height()
        # the picked device's U tab stands on the ruler: the numbers it would half cover go
        picked = self.selected_block()
        tab_y = self.u_rect(picked.u, 1).center().y() if picked is not None and (
            self._drag is None or self._drag[0] is not picked) else None
        for u in range(1, self.height_u + 1):
            ur = self.u_rect(u, 1)
            p.setPen(grid)
            p.drawLine(QPointF(r.left(), ur.bottom()), QPointF(r.right(), ur.bottom()))
            if tab_y is not None and abs(ur.center().y() - tab_y) < line_h + 1:
                continue
            if u % every == 0 or (u == 1 and every * ppu >= 2 * line_h):
                p.setPen(QColor("#555"))
                p.drawText(QRectF(0, ur.center().y() - line_h / 2, _LEFT - 6, line_h),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(u))
        # over the U lines, which a rack scaled down draws a few pixels apart
        label = QFont(self.font())
        label.setPointSizeF(8.0)
        p.setFont(label)
        plates = [pl.rect for pl in self.label_plates() if not pl.is_beside]
        for lo, hi in free:
            fr = self.u_rect(lo, hi - lo + 1)
            if fr.height() >= 14:
                text = f"{hi - lo + 1} U free"
                tw = p.fontMetrics().horizontalAdvance(text) + 10
                box = QRectF(fr.center().x() - tw / 2, fr.center().y() - 8, tw, 16)
                if any(box.intersects(r) for r in plates):
                    continue  # a device's name grown into these U: the hatch says free
                p.fillRect(box, free_fill)
                p.setPen(QColor("#5f6b78"))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(small)
        self._paint_generated(p)
        for b in self.blocks:
            if self._drag is not None and self._drag[0] is b:
                self._paint_block(p, b, self.u_rect(b.u, b.height_u), faded=True)
            else:
                self._paint_block(p, b, self.u_rect(b.u, b.height_u))
        dragged = self._drag[0] if self._drag is not None else None
        sel = self.selected_block()
        for plate in self.label_plates():
            if dragged is None or not plate.holds(dragged.u):
                self._paint_plate(p, plate, is_selected=sel is not None and plate.holds(sel.u))
        for b, _u, _h, marker in self._label_layout().unnamed:
            self._paint_marker(p, b, marker)
        self._paint_selection(p)
        if self._ghost is not None:
            u, h, ok = self._ghost
            gr = self.u_rect(u, h)
            color = QColor("#1e88e5" if ok else "#d32f2f")
            fill = QColor(color)
            fill.setAlpha(60)
            p.fillRect(gr, fill)
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
            p.drawRect(gr.adjusted(1, 1, -1, -1))
            p.setFont(small)
            ignore = self._drag[0].u if self._drag is not None else None
            reason = self.refusal(u, h, ignore).split(";")[0] if not ok else ""
            kind = self._drag[0].type_id if self._drag is not None else self._ghost_type
            planned = self.planned_at(kind, u, h) if ok else None
            note = f" — {reason or 'no room'}" if not ok else (
                f" — planned {planned.label.split()[0]}" if planned is not None else
                " — generated switches move" if self.covers_generated(u, h) else "")
            box = gr.adjusted(4, 0, -4, 0)
            text = p.fontMetrics().elidedText(f"U{u}{note}", Qt.TextElideMode.ElideRight,
                                              int(box.width()) - 8)
            # a backing, or red text over a green device block cannot be read
            tw, th = p.fontMetrics().horizontalAdvance(text) + 8, p.fontMetrics().height() + 2
            p.fillRect(QRectF(box.right() - tw + 4, box.center().y() - th / 2, tw, th),
                       QColor(255, 255, 255, 225))
            p.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
        # rails
        p.setPen(QPen(QColor("#37474f"), 3))
        p.drawLine(r.topLeft(), r.bottomLeft())
        p.drawLine(r.topRight(), r.bottomRight())
        p.setPen(QPen(QColor("#37474f"), 1))
        p.drawLine(r.topLeft(), r.topRight())
        p.drawLine(r.bottomLeft(), r.bottomRight())

    def bay_at(self, pos: QPointF) -> tuple[str, int, int, int] | None:
        """Return the slot of a rack-scale system under ``pos`` (None: none there)."""
        for b in self.blocks:
            for bay in b.bays:
                if self.u_rect(bay[1], bay[2]).contains(pos):
                    return bay
        return None

    def _paint_bays(self, p: QPainter, b: DeviceBlock, rect: QRectF) -> None:
        """A rack-scale system: its frame, its slots one by one, its name in the widest
        run of empty slots (over its trays, on a backing, when none is high enough)."""
        frame = QColor("#efe7f4")
        p.fillRect(rect.adjusted(0, 1, 0, -1), frame)
        ppu = self.px_per_u()
        f = QFont(self.font())
        f.setPointSizeF(max(6.5, min(8.5, ppu * 0.55)))
        p.setFont(f)
        for kind, u, h, k in b.bays:
            role, words = _BAY_LOOK[kind]
            c = QColor(ROLE_COLORS[role])
            rr = self.u_rect(u, h).adjusted(1, 0.5, -1, -0.5)
            p.fillRect(rr, c)
            if rr.height() >= p.fontMetrics().height() - 1:
                p.setPen(QColor("white"))
                text = f"{words} {k}" if kind == "compute_tray" else words
                p.drawText(rr.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignLeft
                           | Qt.AlignmentFlag.AlignVCenter, p.fontMetrics().elidedText(
                               text, Qt.TextElideMode.ElideRight, int(rr.width()) - 8))
        taken = {u for _k, lo, h, _n in b.bays for u in range(lo, lo + h)}
        gap = max(free_runs([False] + [u in taken for u in range(1, self.height_u + 1)]),
                  key=lambda r: r[1] - r[0], default=None)
        size = max(7.0, min(10.0, ppu * 0.9))
        area = self.u_rect(gap[0], gap[1] - gap[0] + 1) if gap else rect
        has_key = area.height() >= 6.2 * size  # room for a key of the slot colours
        if has_key:
            area = area.adjusted(0, -1.2 * size, 0, -1.2 * size)
        if area.height() < 3.8 * size:  # no run of empty slots holds two lines
            area = QRectF(rect.left(), rect.center().y() - 2 * size, rect.width(), 4 * size)
            p.fillRect(area.adjusted(4, 0, -4, 0), QColor(255, 255, 255, 215))
            plain = QColor(ROLE_COLORS["rack_system"]).darker(130)
        else:
            plain = QColor(ROLE_COLORS["rack_system"]).darker(150)
        p.save()
        p.setClipRect(area)
        f = QFont(self.font())
        f.setPointSizeF(size)
        f.setBold(True)
        p.setFont(f)
        p.setPen(plain)
        inner = area.adjusted(6, 0, -6, 0)
        bottom = self._paint_name_lines(p, b, inner, area.center().y(), size, f)
        p.restore()
        if has_key:
            self._paint_bay_key(p, b, QRectF(inner.left(), bottom.bottom() + size * 0.4,
                                             inner.width(), size * 1.8), size)
        p.setPen(QPen(QColor(ROLE_COLORS["rack_system"]), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect.adjusted(0, 1, -1, -1))

    def _paint_bay_key(self, p: QPainter, b: DeviceBlock, box: QRectF, size: float) -> None:
        """One line under the system's name: a swatch and a count per kind of slot."""
        f = QFont(self.font())
        f.setPointSizeF(size * 0.85)
        p.setFont(f)
        fm = p.fontMetrics()
        counts: dict[str, int] = {}
        for kind, *_rest in b.bays:
            counts[kind] = counts.get(kind, 0) + 1
        short = {"compute_tray": "compute", "switch_tray": "switch", "power_shelf": "power",
                 "management_switch": "mgmt"}
        items = [(ROLE_COLORS[_BAY_LOOK[k][0]], f"{n} {short[k]}") for k, n in counts.items()]
        sw = fm.height() * 0.7
        widths = [sw + 4 + fm.horizontalAdvance(t) for _c, t in items]
        total = sum(widths) + 10 * (len(items) - 1)
        if total > box.width():
            return
        x = box.center().x() - total / 2
        for (c, t), w in zip(items, widths, strict=True):
            p.fillRect(QRectF(x, box.center().y() - sw / 2, sw, sw), QColor(c))
            p.setPen(QColor(ROLE_COLORS["rack_system"]).darker(150))
            p.drawText(QRectF(x + sw + 4, box.top(), w - sw - 4, box.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, t)
            x += w + 10

    def _paint_block(self, p: QPainter, b: DeviceBlock, rect: QRectF, faded: bool = False) -> None:
        if b.bays and not faded:
            self._paint_bays(p, b, rect)
            return
        base = QColor(ROLE_COLORS.get(b.role, ROLE_COLORS["other"]))
        if faded:
            base.setAlpha(70)
        rr = rect.adjusted(0, 1, 0, -1)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(base.darker(150), 1,
                      Qt.PenStyle.DashLine if b.is_unsized else Qt.PenStyle.SolidLine))
        p.setBrush(base)
        p.drawRoundedRect(rr, 3, 3)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if faded or rr.height() < _MIN_TEXT_PX:
            return
        p.save()
        p.setClipRect(rr)  # a low block's text never spills onto its neighbours
        self._paint_block_text(p, b, rr)
        p.restore()

    @staticmethod
    def _paint_name_lines(p: QPainter, b: DeviceBlock, inner: QRectF, mid_y: float,
                          size: float, f: QFont) -> QRectF:
        """Paint a device's name (in ``f``, bold) over its figures around ``mid_y``;
        return the figures' line box."""
        top = QRectF(inner.left(), mid_y - size * 1.9, inner.width(), size * 1.8)
        bottom = QRectF(inner.left(), mid_y + size * 0.1, inner.width(), size * 1.8)
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        p.drawText(top, align, p.fontMetrics().elidedText(
            b.label, Qt.TextElideMode.ElideRight, int(top.width())))
        f.setBold(False)
        p.setFont(f)
        # a narrow rack drops the U span, then the GPUs, before cutting a figure
        parts = b.detail.split(" · ")
        while len(parts) > 1 and \
                p.fontMetrics().horizontalAdvance(" · ".join(parts)) > bottom.width():
            parts.pop()
        p.drawText(bottom, align, p.fontMetrics().elidedText(
            " · ".join(parts), Qt.TextElideMode.ElideRight, int(bottom.width())))
        return bottom

    def _paint_block_text(self, p: QPainter, b: DeviceBlock, rr: QRectF) -> None:
        f = QFont(self.font())
        size = max(7.0, min(10.0, rr.height() * 0.42))
        f.setPointSizeF(size)
        f.setBold(True)
        p.setFont(f)
        p.setPen(QColor("white"))
        inner = rr.adjusted(6, 0, -6, 0)
        if b.is_system or rr.height() >= 3.2 * size:
            self._paint_name_lines(p, b, inner, rr.center().y(), size, f)
        else:
            detail = b.detail.split(" · ")[0]  # one line: power only
            detail_w = p.fontMetrics().horizontalAdvance(detail) + 8
            label_w = max(20, int(inner.width() - detail_w))
            p.drawText(QRectF(inner.left(), rr.top(), label_w, rr.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       p.fontMetrics().elidedText(b.label, Qt.TextElideMode.ElideRight, label_w))
            f.setBold(False)
            p.setFont(f)
            p.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, detail)

    def _paint_plate(self, p: QPainter, plate: LabelPlate, is_selected: bool = False) -> None:
        """Paint a label plate: drawn as its devices, a line of text high, with its leader
        line when it stands beside the rack; the selected device's plate is ringed inside
        its own outline."""
        b = plate.block
        base = QColor(ROLE_COLORS.get(b.role, ROLE_COLORS["other"]))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if plate.leader:
            p.setPen(QPen(_SELECTED if is_selected else QColor("#546e7a"),
                          1.5 if is_selected else 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(QPolygonF(list(plate.leader)))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(base.darker(150))
            p.drawEllipse(plate.leader[0], 1.5, 1.5)
        p.setPen(QPen(_SELECTED, 2) if is_selected else QPen(base.darker(150), 1))
        p.setBrush(base)
        inset = 1.0 if is_selected else 0.5
        p.drawRoundedRect(plate.rect.adjusted(inset, inset, -inset, -inset), 3, 3)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        bold = self._plate_font()
        plain = QFont(bold)
        plain.setBold(False)
        inner = plate.rect.adjusted(6, 0, -6, 0)
        kw = b.power_kw * plate.count
        power = f"{kw:,.1f} kW" if kw > 0 else ""
        power_w = QFontMetrics(plain).horizontalAdvance(power) + 8 if power else 0
        fm = QFontMetrics(bold)
        short = _short_plate_text(b.label, plate.count)
        if inner.width() - power_w < fm.horizontalAdvance(short):
            power, power_w = "", 0  # the name first: the power is in the tooltip
        label_w = int(inner.width() - power_w)
        text = plate.text
        if fm.horizontalAdvance(text) > label_w:  # the model without its description
            text = text.split(" (")[0]
        p.setPen(QColor("white"))
        p.setFont(bold)
        p.drawText(QRectF(inner.left(), inner.top(), label_w, inner.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   fm.elidedText(text, Qt.TextElideMode.ElideRight, label_w))
        if power:
            p.setFont(plain)
            p.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, power)

    def _paint_selection(self, p: QPainter) -> None:
        """Ring the selected device (and its label plate) and mark its U on the ruler."""
        b = self.selected_block()
        if b is None or (self._drag is not None and self._drag[0] is b):
            return
        rr = self.u_rect(b.u, b.height_u).adjusted(0, 1, 0, -1)
        # the ring stays inside the device's own box, never over a neighbour's text or
        # label; a device whose plate lies over it is ringed by that plate (_paint_plate)
        if not any(pl.holds(b.u) and not pl.is_beside for pl in self.label_plates()):
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(Qt.BrushStyle.NoBrush)
            if rr.height() >= 8:  # dark, then the selection colour: seen on any fill
                p.setPen(QPen(QColor("#3e2723"), 1))
                p.drawRoundedRect(rr.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
                p.setPen(QPen(_SELECTED, 2.5))
                p.drawRoundedRect(rr.adjusted(2, 2, -2, -2), 2, 2)
            else:  # a box a few pixels high: filled with the selection colour
                p.fillRect(rr, _SELECTED)
        # the U on the ruler, as a tab pointing at the device
        f = QFont(self.font())
        f.setPointSizeF(8.0)
        f.setBold(True)
        p.setFont(f)
        th = p.fontMetrics().height()
        # level with the U it names, the device's lowest (at its middle it read as the U
        # the ruler gives there)
        y = self.u_rect(b.u, 1).center().y()
        tab = QRectF(1, y - th / 2, _LEFT - 5, th)
        arrow = QPolygonF([QPointF(tab.right(), tab.top()), QPointF(tab.right() + 4, y),
                           QPointF(tab.right(), tab.bottom())])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_SELECTED)
        p.drawRoundedRect(tab, 3, 3)
        p.drawPolygon(arrow)
        p.setPen(QColor("#212121"))
        p.drawText(tab, Qt.AlignmentFlag.AlignCenter, str(b.u))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_marker(self, p: QPainter, b: DeviceBlock, marker: QRectF) -> None:
        """Paint the marker of a low device the label column has no room for: a small
        triangle beside the rack pointing at it, in its colour (its tooltip names it)."""
        base = QColor(ROLE_COLORS.get(b.role, ROLE_COLORS["other"]))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(base.darker(150), 1))
        p.setBrush(base)
        p.drawPolygon(QPolygonF([QPointF(marker.left(), marker.center().y()),
                                 QPointF(marker.right(), marker.top()),
                                 QPointF(marker.right(), marker.bottom())]))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_generated(self, p: QPainter) -> None:
        """Paint the generated switches: light fill, dashed outline, dark one-line text.

        Where one U is too low for a line of text, each run of alike switches on
        adjacent U gets one label ("8 x leaf ..."). The note on the right is the
        same on every label: the longest that leaves the widest label whole.
        """
        base = QColor(ROLE_COLORS["switch"])
        fill = QColor(base)
        fill.setAlpha(40)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for b in self.generated:
            rr = self.u_rect(b.u, b.height_u).adjusted(0, 1, 0, -1)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("white"))
            p.drawRoundedRect(rr, 3, 3)
            p.setPen(QPen(base, 1, Qt.PenStyle.DashLine))
            p.setBrush(fill)
            p.drawRoundedRect(rr.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if not self.generated:
            return
        lowest = min(b.height_u for b in self.generated) * self.px_per_u() - 2
        size = max(7.0, min(9.0, lowest * 0.5))
        bold, italic = QFont(self.font()), QFont(self.font())
        bold.setPointSizeF(size)
        bold.setBold(True)
        italic.setPointSizeF(size)
        italic.setItalic(True)
        label_fm, note_fm = QFontMetrics(bold), QFontMetrics(italic)
        runs = _runs(self.generated, merge=lowest < label_fm.height())
        labels = [(f"{n} x {b.label}" if n > 1 else b.label) for b, _u, _h, n in runs]
        inner_w = self.u_rect(1, 1).width() - 12
        label_px = max(label_fm.horizontalAdvance(t) for t in labels)
        gap = 10
        widest_fabric = max((b.fabric for b in self.generated), key=len)
        notes = ("generated by fabric {}", "generated ({})", "generated", "")
        # (2 px to spare: an elided text needs a little more than its advance)
        note = next(n for n in notes if not n or label_px + gap + 2 + note_fm.horizontalAdvance(
            n.format(widest_fabric)) <= inner_w)
        note_w = note_fm.horizontalAdvance(note.format(widest_fabric)) + gap if note else 0
        backing = QColor("white")
        backing.setRgb(*(round(255 - (255 - c) * fill.alphaF()) for c in base.getRgb()[:3]))
        rack = self.rack_rect()
        text_h = label_fm.height()
        tops = _label_tops([self.u_rect(u, h).adjusted(6, 1, -6, -1) for _b, u, h, _n in runs],
                           text_h, rack.top() + 2, rack.bottom() - text_h - 4)
        for (b, u, h, n), text, top in zip(runs, labels, tops, strict=True):
            inner = self.u_rect(u, h).adjusted(6, 1, -6, -1)
            if n > 1 or inner.height() < text_h:
                # the text crosses the outlines of the run's switches, or is taller than
                # its switch: a backing a line high, kept inside the rack (a switch in the
                # top U would lose the top of its text to the rack's frame) and clear of
                # the line of the run beside it (a leaf, a spine and a core, 1 U each)
                line = QRectF(inner.left() - 3, top, inner.width() + 6, text_h + 2)
                if inner.height() < text_h:  # drawn as the switch, grown to its text
                    line.adjust(-3, 0, 3, 0)
                    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                    p.setPen(QPen(base, 1, Qt.PenStyle.DashLine))
                    p.setBrush(backing)
                    p.drawRoundedRect(line.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
                    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                else:
                    p.fillRect(line, backing)
                inner = QRectF(inner.left(), line.top() + 1, inner.width(), line.height() - 2)
            if note:
                p.setFont(italic)
                p.setPen(QColor("#455a64"))
                p.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           note.format(b.fabric))
            p.setFont(bold)
            p.setPen(base.darker(130))
            label_w = int(inner.width() - note_w)
            p.drawText(QRectF(inner.left(), inner.top(), label_w, inner.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       label_fm.elidedText(text, Qt.TextElideMode.ElideRight, label_w))

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and self._claims(e):
            e.accept()  # the key goes to keyPressEvent, not to a window shortcut
            return True
        if e.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(QPointF(e.pos()))
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    # -- device drags ---------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        b = self.block_at(event.position())
        self.selected_u = b.u if b is not None and not b.is_system else None
        # a generated switch is picked to say what it is, never moved or deleted here
        self.picked_generated = self.generated_at(event.position()) if b is None else None
        self._said_generated = False
        self._press_pos = event.position()
        if b is not None and not b.is_system:
            self._drag = (b, self.u_at(event.position().y()) - b.u)
        self.update()

    def _generated_note(self, g: DeviceBlock) -> str:
        return (f"{g.label} is placed by fabric {g.fabric or 'of the layout'}: it follows the "
                "fabric (edit the fabric's tiers or network racks in the inspector to change "
                "it; install the real switch at its U to record it as built)")

    def mouseMoveEvent(self, event) -> None:
        g = self.picked_generated
        if self._drag is None and g is not None and event.buttons() & Qt.MouseButton.LeftButton \
                and self._press_pos is not None and not self._said_generated \
                and (event.position() - self._press_pos).manhattanLength() >= 3:
            # a generated switch dragged: it does not move here, and the panel says why
            self._said_generated = True
            self.setCursor(Qt.CursorShape.ForbiddenCursor)
            self.move_refused.emit(self._generated_note(g))
            return
        if self._drag is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.block_at(event.position())
                           else Qt.CursorShape.ArrowCursor)
            return
        if self._press_pos is not None and \
                (event.position() - self._press_pos).manhattanLength() < 3 and self._ghost is None:
            return
        b, offset = self._drag
        if not self._over_rack(event.position()):
            # out over the labels' margin or off the panel: a release here moves nothing
            self._ghost, self._outside = None, True
            self.setCursor(Qt.CursorShape.ForbiddenCursor)
            self.update()
            return
        u = int(round(self.u_at(event.position().y()) - offset))
        u = max(1, min(u, self.height_u - b.height_u + 1))
        self._ghost = (u, b.height_u, self.fits(u, b.height_u, ignore_u=b.u))
        self._outside = False
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.update()

    def _over_rack(self, pos: QPointF) -> bool:
        """Whether a drag at ``pos`` is over the rack: its column, widened a little, and
        the panel's height (a device dragged just above or below moves to the end U)."""
        r = self.rack_rect()
        margin = max(12.0, 0.25 * r.width())
        return (max(0.0, r.left() - margin) <= pos.x() <= min(self.width(), r.right() + margin)
                and 0 <= pos.y() <= self.height())

    def mouseReleaseEvent(self, event) -> None:
        drag, ghost, outside = self._drag, self._ghost, self._outside
        self._cancel_drag()
        if drag is not None and outside:
            self.move_refused.emit(f"{drag[0].label} dropped outside the rack: not moved")
            return
        if drag is None or ghost is None or ghost[0] == drag[0].u:
            return
        if ghost[2]:
            self.selected_u = ghost[0]
            self.device_moved.emit(drag[0].u, ghost[0])
        else:  # snapped back: say why, or the refusal looks like a missed drag
            self._refuse(ghost[0], drag[0].height_u, drag[0].u,
                         f"Cannot move {drag[0].label} to U{ghost[0]}")

    def _cancel_drag(self) -> None:
        self._drag = None
        self._ghost = None
        self._outside = False
        self._press_pos = None
        self.unsetCursor()
        self.update()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._cancel_drag()
            return
        b = self.selected_block()
        g = self.picked_generated
        if b is None and g is not None and key in (
                Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_refused.emit(self._generated_note(g))
            return
        if b is not None and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.device_removed.emit(b.u)
            return
        if b is not None and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            to = b.u + (1 if key == Qt.Key.Key_Up else -1)
            if self.fits(to, b.height_u, ignore_u=b.u):
                self.selected_u = to
                self.device_moved.emit(b.u, to)
            else:
                way = "up" if key == Qt.Key.Key_Up else "down"
                self._refuse(to, b.height_u, b.u, f"Cannot move {b.label} {way}")
            return
        super().keyPressEvent(event)

    def selected_block(self) -> DeviceBlock | None:
        """Return the device block selected in the elevation (None for none)."""
        return next((x for x in self.blocks if x.u == self.selected_u and not x.is_system), None)

    def _claims(self, event) -> bool:
        """Whether a key is the elevation's own: Delete/Backspace and the arrows act on the
        selected device, Esc cancels a drag. The main window's Delete must not take them,
        or it deletes the whole rack."""
        key = event.key()
        if event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier):
            return False
        if key == Qt.Key.Key_Escape:
            return self._drag is not None
        picked = self.selected_block() is not None or self.picked_generated is not None
        return picked and key in (
            Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Up, Qt.Key.Key_Down)

    def contextMenuEvent(self, event) -> None:
        b = self.block_at(QPointF(event.pos()))
        if b is None:
            return
        menu = QMenu(self)
        act = menu.addAction(f"Remove {b.label}" + (" (whole rack)" if b.is_system
                                                     else f" from U{b.u}"))
        if menu.exec(event.globalPos()) is act:
            self.device_removed.emit(None if b.is_system else b.u)

    # -- palette drops --------------------------------------------------------------------

    def _drop_type(self, mime) -> str | None:
        if not mime.hasFormat(MIME_CATALOG):
            return None
        type_id = bytes(mime.data(MIME_CATALOG)).decode("utf-8")
        dev = self.panel.document.catalog.devices.get(type_id)
        if not self.height_u or dev is None:
            return None
        return type_id if is_installable(dev) or dev.role == "rack_system" else None

    def _drop_height(self, type_id: str) -> int:
        dev = self.panel.document.catalog.devices[type_id]
        return self.height_u if dev.role == "rack_system" else (dev.u_height or 1)

    def drop_target(self, type_id: str, y: float) -> tuple[int, bool]:
        """Return ``(u, fits)`` for a device of ``type_id`` dropped at widget ``y``.

        A rack-scale system fits only an empty rack and always lands at U1.
        """
        if self.panel.document.catalog.devices[type_id].role == "rack_system":
            return 1, not self.blocks
        h = self._drop_height(type_id)
        u = int(self.u_at(y) - h / 2.0 + 0.5)
        u = max(1, min(u, self.height_u - h + 1))
        return u, self.fits(u, h)

    def dragEnterEvent(self, event) -> None:
        if self._drop_type(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        type_id = self._drop_type(event.mimeData())
        if type_id is None:
            event.ignore()
            return
        u, ok = self.drop_target(type_id, event.position().y())
        self._ghost = (u, self._drop_height(type_id), ok)
        self._ghost_type = type_id
        self.update()
        # taken where it does not fit too (the red ghost shows it), as the floor plan
        # takes a drop: a move ignored here gets no drop on release, so the refusal and
        # its reason would never be said
        event.acceptProposedAction()

    def dragLeaveEvent(self, _event) -> None:
        self._ghost = None
        self.update()

    def dropEvent(self, event) -> None:
        type_id = self._drop_type(event.mimeData())
        self._ghost = None
        self.update()
        if type_id is None:
            event.ignore()
            return
        u, ok = self.drop_target(type_id, event.position().y())
        if not ok:
            event.ignore()
            name = self.panel.document.catalog.devices[type_id].name
            self._refuse(u, self._drop_height(type_id), None, f"Cannot install {name} at U{u}")
            return
        event.acceptProposedAction()
        self.device_dropped.emit(type_id, u)


class RackElevationPanel(QWidget):
    """The selected rack's elevation with its power, weight and U totals.

    ``status_message`` carries refusals for the main window's status bar too.
    """

    status_message = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RackElevationPanel")
        self.document = document
        self.rack_id: str | None = None
        self._n_selected = 0
        self._shown_key: tuple | None = None
        self._shown_generated: tuple[str | None, list[GeneratedSwitch], float] | None = None
        self._shown_devices: tuple | None = None  # (rack id, system, devices) drawn
        self._pending_scroll: tuple[int, int] | None = None  # (u, height U) to bring in view
        self._unknown_key: tuple | None = None  # (analysis, catalog) of self._unknown
        self._unknown: tuple = ()
        self.placeholder = "Select a rack to see its elevation."

        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #666;")
        self.subtitle.setWordWrap(True)
        self.canvas = _ElevationCanvas(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.canvas)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        # three lines kept free below the totals: a refusal never shrinks the drawing, and
        # a long one (the device in the way, the room there is) reads whole
        self.message.setFixedHeight(3 * self.message.fontMetrics().lineSpacing() + 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.totals: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(0)
        for k, (key, caption) in enumerate((("kw", "Power (kW)"), ("weight", "Weight (kg)"),
                                            ("u", "U used / free"), ("gpus", "GPUs"))):
            cap = QLabel(caption)
            cap.setStyleSheet("color: #666; font-size: 8pt;")
            val = QLabel("—")
            val.setStyleSheet("font-weight: 600; font-size: 11pt;")
            grid.addWidget(cap, 0, k)
            grid.addWidget(val, 1, k)
            self.totals[key] = val
        self.generated_note = QLabel()
        self.generated_note.setStyleSheet("color: #455a64; font-size: 8pt;")
        self.generated_note.setWordWrap(True)
        self.generated_note.setToolTip("U taken by switches the fabric analysis placed in this "
                                       "rack; they are not in the layout")
        self.generated_note.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.scroll, 1)
        lay.addLayout(grid)
        lay.addWidget(self.generated_note)
        lay.addWidget(self.message)

        self.canvas.device_moved.connect(self._on_moved)
        self.canvas.device_dropped.connect(self._on_dropped)
        self.canvas.device_removed.connect(self._on_removed)
        self.canvas.move_refused.connect(self._show_refusal)
        document.selection_changed.connect(self._on_selection_changed)
        document.items_changed.connect(self._on_items)
        document.items_removed.connect(self._on_items)
        document.items_added.connect(self._on_items)
        document.analysis_updated.connect(self._on_analysis)
        # a refusal speaks of the gesture just made: the next thing that succeeds (an
        # edit, undo or redo, a save, another layout) or another selection ends it
        for name in ("layout_reset", "path_changed", "modified_changed"):
            signal = getattr(document, name, None)  # panels also serve plain views
            if signal is not None:
                signal.connect(self.clear_message)
        stack = getattr(document, "undo_stack", None)
        if stack is not None:
            stack.indexChanged.connect(self.clear_message)
        self._on_selection(list(document.selection))

    # -- public -------------------------------------------------------------------------

    def blocks(self) -> list[tuple[DeviceBlock, QRectF]]:
        """Return the drawn device blocks with their rectangles (canvas coordinates)."""
        return [(b, self.canvas.u_rect(b.u, b.height_u)) for b in self.canvas.blocks]

    def generated_blocks(self) -> list[tuple[DeviceBlock, QRectF]]:
        """Return the drawn generated switches with their rectangles (canvas coordinates)."""
        return [(b, self.canvas.u_rect(b.u, b.height_u)) for b in self.canvas.generated]

    def clear_message(self, *_args) -> None:
        """Take a refusal off the panel."""
        if self.message.text():
            self.message.clear()
            self.message.setToolTip("")

    def show_rack(self, rack_id: str | None) -> None:
        """Show the elevation of ``rack_id`` (``None`` clears the panel)."""
        if rack_id is not None and not isinstance(find_item(self.document, rack_id), Rack):
            rack_id = None
        if rack_id != self.rack_id:
            self.canvas.selected_u = None
            self._pending_scroll = None
        self.rack_id = rack_id
        self._sync()

    # -- model -> view ------------------------------------------------------------------

    def _sync(self) -> None:
        cv = self.canvas
        cat = self.document.catalog
        rack = find_item(self.document, self.rack_id) if self.rack_id else None
        if not isinstance(rack, Rack):
            self._shown_key = self._shown_generated = self._shown_devices = None
            self._pending_scroll = None
            cv.height_u, cv.blocks, cv.generated = 0, [], []
            cv.picked_generated = None
            self.title.setText("Rack elevation")
            self.subtitle.setText("")
            for v in self.totals.values():
                v.setText("—")
                v.setToolTip("")
            self.generated_note.hide()
            cv.updateGeometry()
            cv.update()
            return
        util = self.document.layout.assumptions.utilization_factor
        # a moved rack holds what it held: nothing to redraw (a drag moves it every frame)
        key = (rack.id, rack.name, rack.row, rack.type, rack.system, rack.devices, util,
               self._n_selected, id(cat))
        if key == self._shown_key:
            self._sync_totals()
            return
        self._shown_key = key
        rt = cat.racks.get(rack.type)
        cv.height_u = rt.height_u if rt is not None else 48
        blocks: list[DeviceBlock] = []
        if rack.system:
            d = cat.devices.get(rack.system)
            kw = d.power_max_w.v(d.power_typical_w.v()) * util / 1000.0 if d else 0.0
            name = d.name if d else rack.system
            blocks.append(DeviceBlock(rack.system, 1, cv.height_u, name,
                                      f"{kw:,.1f} kW · {d.gpus if d else 0} GPUs · whole rack",
                                      "rack_system", is_system=True, power_kw=kw,
                                      tooltip=_device_tip(name, name, 1, cv.height_u, kw,
                                                          d.gpus if d else 0, d is not None),
                                      bays=_bays(d, cv.height_u),
                                      bays_note=(d.bays_note or "") if d else ""))
        for md in rack.devices:
            d = cat.devices.get(md.type)
            h = (d.u_height or 1) if d else 1
            kw = d.power_max_w.v(d.power_typical_w.v()) * util / 1000.0 if d else 0.0
            label = md.name or (_short_name(d.name) if d else f"{md.type} (unknown)")
            detail = f"{kw:,.1f} kW" + (f" · {d.gpus} GPUs" if d and d.gpus else "") + \
                (f" · U{md.u}–{md.u + h - 1}" if h > 1 else f" · U{md.u}")
            tip = _device_tip(label, d.name if d else md.type, md.u, h, kw,
                              d.gpus if d else 0, d is not None)
            blocks.append(DeviceBlock(md.type, md.u, h, label, detail,
                                      d.role if d else "other",
                                      is_unsized=d is None or not d.u_height, tooltip=tip,
                                      power_kw=kw))
        picked = cv.selected_block()
        cv.blocks = sorted(blocks, key=lambda b: b.u)
        prev = self._shown_devices
        if picked is not None and cv.selected_block() is None:
            # the picked device moved (an undo put it back) or went: the pick follows it
            # where one device of its model arrived, else it ends
            old = {(d.type, d.u) for d in prev[2]} if prev and prev[0] == rack.id else set()
            arrived = [b for b in cv.blocks if not b.is_system and b.type_id == picked.type_id
                       and (b.type_id, b.u) not in old]
            cv.selected_u = arrived[0].u if len(arrived) == 1 else None
        # a device that just arrived in the shown rack (installed, moved, put back by an
        # undo) may sit in U the view has scrolled away from: bring it into view
        before, self._shown_devices = self._shown_devices, (rack.id, rack.system, rack.devices)
        if before is not None and before[0] == rack.id and before[1:] != (rack.system,
                                                                          rack.devices):
            old = {(d.type, d.u) for d in before[2]}
            new = [b for b in cv.blocks if b.is_system or (b.type_id, b.u) not in old]
            moved = cv.selected_block()
            target = moved if moved is not None and moved in new else (new[0] if new else None)
            if target is not None:
                self._pending_scroll = (target.u, target.height_u)
        n_sel = self._n_selected
        self.title.setText(f"Rack {rack.id}" + (f" — {rack.name}" if rack.name else ""))
        where = f"row {rack.row}" if rack.row else "no row"
        more = f" · first of {n_sel} selected racks" if n_sel > 1 else ""
        self.subtitle.setText(f"{rt.name if rt else rack.type} · {where}{more}")
        cv.updateGeometry()
        cv.update()
        self._sync_totals()
        if self._pending_scroll is not None:
            self.scroll_to_u(*self._pending_scroll)

    def scroll_to_u(self, u: int, height_u: int = 1) -> None:
        """Scroll the elevation so ``height_u`` units from U ``u`` are in view.

        The canvas may still be waiting for its new height (another rack type): then
        the scroll waits for its resize.
        """
        cv = self.canvas
        self._pending_scroll = (u, height_u)
        if not cv.height_u or cv.height() < cv.minimumSizeHint().height():
            return
        self._pending_scroll = None
        r = cv.u_rect(u, min(height_u, cv.height_u))
        margin = int(min(2 * cv.px_per_u(), max(0.0, (self.scroll.viewport().height()
                                                         - r.height()) / 2)))
        self.scroll.ensureVisible(int(r.center().x()), int(r.center().y()), 0,
                                  int(r.height() / 2) + margin)

    def _scroll_pending(self) -> None:
        if self._pending_scroll is not None:
            self.scroll_to_u(*self._pending_scroll)

    def _sync_generated(self, switches: list[GeneratedSwitch]) -> None:
        """Draw the switches the analysis generated into the shown rack, if they changed."""
        util = self.document.layout.assumptions.utilization_factor
        shown = (self.rack_id, switches, util)
        if shown == self._shown_generated:
            return
        self._shown_generated = shown
        cat = self.document.catalog
        blocks = []
        for s in switches:
            d = cat.devices.get(s.model)
            name = _model_name(d.name) if d else s.model
            where = f"U{s.u}–{s.u + s.height_u - 1}" if s.height_u > 1 else f"U{s.u}"
            # drawn at the layout's utilization factor, as the rack's own devices
            power = f"{s.power_w * util / 1000:,.2f} kW" if s.power_w > 0 else \
                "power not published"
            tip = (f"<b>{s.tier.capitalize()} switch {html.escape(name)}</b> at {where}, {power}"
                   f"<br>Generated by fabric <b>{html.escape(s.fabric)}</b>: the fabric analysis "
                   "places it in this network rack's free U. It is not in the layout, cannot be "
                   "dragged and moves when the fabric or the rack's devices change; a real "
                   f"{html.escape(name)} installed at {where.split('–')[0]} takes its place "
                   "and its cables.")
            blocks.append(DeviceBlock(s.model, s.u, s.height_u, f"{s.tier} {name}",
                                      f"generated by fabric {s.fabric}", "switch",
                                      is_generated=True, fabric=s.fabric, tooltip=tip))
        self.canvas.generated = blocks
        self.canvas.picked_generated = None
        self.canvas.update()

    def _generated_u(self, height: int) -> int:
        """Return the U the generated switches take that no installed device takes."""
        cv = self.canvas
        taken = [False] * (height + 1)
        for b in cv.blocks:
            for u in range(max(b.u, 1), min(b.u + b.height_u, height + 1)):
                taken[u] = True
        n = 0
        for b in cv.generated:
            for u in range(max(b.u, 1), min(b.u + b.height_u, height + 1)):
                n += not taken[u]
                taken[u] = True
        return n

    def _sync_totals(self) -> None:
        a = self.document.analysis
        if self.rack_id is None:
            return
        is_known = a is not None and self.rack_id in a.arrays.rack_index
        self._sync_generated(generated_switches(a, self.rack_id) if is_known else [])
        if not is_known:
            return
        i = a.arrays.rack_index[self.rack_id]
        used, height = int(a.arrays.rack_u_used[i]), int(a.arrays.rack_height_u[i])
        gen_u = self._generated_u(height)
        used = min(used + gen_u, height)
        no_power, no_weight = self._unknown_figures(a)
        # a total that leaves out hardware of no published figure is no known 0
        self.totals["kw"].setText(known_text(a.power.rack_kw[i], no_power[i], KW_DIGITS))
        self.totals["weight"].setText(known_text(a.floor.rack_weight_kg[i], no_weight[i], 0))
        self.totals["weight"].setToolTip(
            unknown_figure_note(a, [self.rack_id], "weight") if no_weight[i] else "")
        self.totals["u"].setText(f"{used} / {height - used}")
        shown = self._shown_generated[1] if self._shown_generated else []
        fabrics = sorted({s.fabric for s in shown})
        note = (f"Includes {gen_u} U of generated switches (fabric "
                f"{', '.join(fabrics)})") if fabrics else ""
        self.generated_note.setText(note)
        self.generated_note.setVisible(bool(note))
        self.totals["gpus"].setText(f"{int(a.arrays.rack_gpus[i])}")
        liquid = a.cooling.rack_liquid_kw[i]
        split = (f"air {a.cooling.rack_air_kw[i] + a.cooling.rack_door_kw[i]:,.1f} kW, "
                 f"liquid {liquid:,.1f} kW")
        # the devices' figures above leave out the transceivers in their cages
        optics = a.network.rack_optics_w(a.arrays.n_racks)
        if i < len(optics) and optics[i] > 0:
            split += (f"\nincludes {optics[i] / 1000:,.2f} kW of transceivers at the rack's "
                      "link ends, beyond the devices' own figures")
        self.totals["kw"].setToolTip(
            f"{unknown_figure_note(a, [self.rack_id], 'power')}\n{split}" if no_power[i]
            else split)

    def _unknown_figures(self, a):
        """Return per rack whether its power and weight leave out an unknown figure."""
        key = (a, self.document.catalog)
        if self._unknown_key is None or self._unknown_key[0] is not a \
                or self._unknown_key[1] is not key[1]:
            self._unknown_key = key
            self._unknown = rack_unknown_figures(self.document.layout, a, self.document.catalog)
        return self._unknown

    # -- view -> document ---------------------------------------------------------------

    def _call(self, fn, *args) -> None:
        """Call a document edit; show its refusal instead of raising into Qt."""
        if self.rack_id is None:
            return
        self.clear_message()
        try:
            fn(self.rack_id, *args)
        except (ValueError, KeyError) as exc:
            self._show_refusal(str(exc))
            self._sync()

    def _show_refusal(self, text: str) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)  # the whole of a reason longer than two lines
        self.status_message.emit(text)

    def _on_moved(self, from_u: int, to_u: int) -> None:
        self._call(self.document.move_device, from_u, to_u)

    def _on_dropped(self, type_id: str, u: int) -> None:
        is_system = self.document.catalog.devices[type_id].role == "rack_system"
        self._call(self.document.install_device, type_id, None if is_system else u)

    def _on_removed(self, u: int | None) -> None:
        self.canvas.selected_u = None
        self._call(self.document.remove_device, u)

    # -- document signals ---------------------------------------------------------------

    def _on_selection_changed(self, ids: list) -> None:
        self.clear_message()
        self._on_selection(ids)

    def _on_selection(self, ids: list) -> None:
        group = getattr(self.document, "item_group", None)
        if group is not None:
            selected = [i for i in ids if group(i) == "racks"]
        else:
            rack_ids = {r.id for r in self.document.layout.racks}
            selected = [i for i in ids if i in rack_ids]
        if len(selected) > 1:  # "first of n" is the first in the layout, not in click order
            a = self.document.analysis
            index = a.arrays.rack_index if a is not None else \
                {r.id: k for k, r in enumerate(self.document.layout.racks)}
            selected = sorted(selected, key=lambda i: index.get(i, len(index)))
        self._n_selected = len(selected)
        self.show_rack(selected[0] if selected else None)

    def _on_items(self, ids: list) -> None:
        if self.rack_id is None or self.rack_id in ids:
            self._on_selection(list(self.document.selection))

    def _on_analysis(self, _analysis) -> None:
        self._sync_totals()


def free_runs(used: list[bool]) -> list[tuple[int, int]]:
    """Return the runs of free U as ``(lowest, highest)``, from U1 (``used[0]`` is unused)."""
    runs: list[tuple[int, int]] = []
    start = None
    for u in range(1, len(used) + 1):
        free = u < len(used) and not used[u]
        if free and start is None:
            start = u
        elif not free and start is not None:
            runs.append((start, u - 1))
            start = None
    return runs


def _runs(blocks: list[DeviceBlock], merge: bool) -> list[tuple[DeviceBlock, int, int, int]]:
    """Return ``(first block, lowest U, height U, count)`` per label: one per block, or,
    with ``merge``, one per run of blocks with the same label and fabric on adjacent U."""
    runs: list[tuple[DeviceBlock, int, int, int]] = []
    for b in sorted(blocks, key=lambda x: x.u):
        if merge and runs:
            first, u, h, n = runs[-1]
            if (first.label, first.fabric) == (b.label, b.fabric) and u + h == b.u:
                runs[-1] = (first, u, h + b.height_u, n + 1)
                continue
        runs.append((b, b.u, b.height_u, 1))
    return runs


def _short_plate_text(label: str, count: int) -> str:
    """Return a plate's text without the model's bracketed description."""
    short = label.split(" (")[0]
    return f"{count} x {short}" if count > 1 else short


def _device_tip(label: str, model: str, u: int, height_u: int, kw: float, gpus: int,
                is_known: bool) -> str:
    """Return a device's tooltip: its name, model, U span and power."""
    where = f"U{u}–{u + height_u - 1} ({height_u} U)" if height_u > 1 else f"U{u} (1 U)"
    power = f"{kw:,.2f} kW" if kw > 0 else ("no power figure" if is_known else
                                           "not in the catalog: no figures")
    lines = [f"<b>{html.escape(label)}</b>"]
    if label not in (model, _short_name(model)):  # a name of its own: say the model
        lines.append(html.escape(model))
    lines.append(f"{where} · {power}" + (f" · {gpus} GPUs" if gpus else ""))
    return "<br>".join(lines)


def _short_name(name: str) -> str:
    return name.removeprefix("NVIDIA ").removeprefix("AMD ")


def _model_name(name: str) -> str:
    """Return a device name without its vendor and bracketed description."""
    return _short_name(name).split(" (")[0]


def _label_tops(boxes: list[QRectF], text_h: float, lo: float, hi: float) -> list[float]:
    """The top of each generated switch's label line (``text_h`` + 2 high): centred on its
    box, or, where lines would overlap (a leaf, a spine and a core, 1 U each), stacked a
    line apart in their order and centred as a group on their boxes; within ``lo`` to
    ``hi`` (the last line's top) where the group fits.

    >>> from PySide6.QtCore import QRectF
    >>> [round(t) for t in _label_tops([QRectF(0, y, 100, 5) for y in (100, 105, 110)],
    ...                                14, 0, 500)]
    [84, 100, 116]
    >>> [round(t) for t in _label_tops([QRectF(0, 100, 100, 40)], 14, 0, 500)]
    [112]
    """
    line = text_h + 2
    want = [b.center().y() - text_h / 2 - 1 for b in boxes]
    clusters: list[list[int]] = []
    tops = list(want)

    def place(c: list[int]) -> None:
        start = sum(want[j] - i * line for i, j in enumerate(c)) / len(c)
        start = max(lo, min(start, hi - (len(c) - 1) * line)) \
            if hi - lo >= (len(c) - 1) * line else lo
        for i, j in enumerate(c):
            tops[j] = start + i * line

    for k in sorted(range(len(want)), key=want.__getitem__):
        clusters.append([k])
        place(clusters[-1])
        while len(clusters) > 1 and tops[clusters[-2][-1]] + line > tops[clusters[-1][0]]:
            clusters[-2:] = [clusters[-2] + clusters[-1]]
            place(clusters[-1])
    return tops
