"""Edit → Link two racks: one form naming the device at each end, the speed and the cable count.

Each end lists what a link can end at in its rack: the installed devices by U, the
rack-scale system, and the switches the fabric analysis placed in the rack's free U
(they have no device row, so the U is what names them). The speed list follows the
ports of the two chosen devices.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.panels.editors import GuardedSpinBox
from designer.panels.figures import generated_switches

__all__ = ["LinkDialog", "LinkEnd", "LINK_SPEEDS_GBPS", "link_ends", "port_speeds_gbps",
           "link_speeds_gbps"]

#: the speeds offered beside the ports' own (per cable); also all there is when the
#: catalog gives neither end's ports
LINK_SPEEDS_GBPS = (100, 200, 400, 800, 1600)


class LinkEnd(NamedTuple):
    """A device a link can end at in one rack.

    ``u`` is its lowest U (``None``: the rack-scale system), ``model`` its catalog id,
    ``speeds_gbps`` the speeds its network ports run at (empty when the catalog does not
    say) and ``is_generated`` whether the fabric analysis placed it.
    """

    u: int | None
    model: str
    speeds_gbps: tuple[float, ...]
    is_generated: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        """The device as the end list shows it."""
        where = "system" if self.u is None else f"U{self.u}"
        return f"{where}  {self.model}" + (f"  ({self.note})" if self.note else "")

    @property
    def detail(self) -> str:
        """The device as the form's sentence names it."""
        if self.u is None:
            return f"{self.model}, the rack's system"
        return f"{self.model} at U{self.u}" + (", placed by the fabric" if self.is_generated
                                               else "")


def port_speeds_gbps(catalog, model: str, tier_speed_gbps: float | None = None
                     ) -> tuple[float, ...]:
    """Return the speeds the network ports of catalog device ``model`` run at, slowest first.

    Scale-up ports (NVLink) carry no cable of a drawn link and are left out; a switch's
    ports run at ``tier_speed_gbps`` when its fabric tier sets one (a breakout), else
    at its catalog switch port speed.
    """
    spec = catalog.devices.get(model) if catalog is not None else None
    if spec is None:
        return ()
    speeds = {float(p.speed_gbps) for p in spec.ports if p.purpose != "scale_up"}
    if tier_speed_gbps:
        speeds = {s for s in speeds if s <= tier_speed_gbps} | {float(tier_speed_gbps)}
    elif spec.switch_port_speed_gbps:
        speeds.add(float(spec.switch_port_speed_gbps))
    return tuple(sorted(s for s in speeds if s > 0))


def _tier_speed(layout, fabric_id: str, tier_name: str) -> float | None:
    fabric = next((f for f in layout.fabrics if f.id == fabric_id), None)
    tier = next((t for t in fabric.tiers if t.name == tier_name), None) if fabric else None
    return tier.port_speed_gbps if tier is not None else None


def link_ends(layout, catalog, analysis, rack_id: str) -> list[LinkEnd]:
    """Return what a link can end at in rack ``rack_id``, lowest U first.

    The rack's installed devices (or its rack-scale system) and the switches the
    fabric analysis ``analysis`` placed in its free U; none when the rack is unknown.
    """
    rack = layout.find(rack_id)
    if rack is None:
        return []
    if rack.system:
        return [LinkEnd(None, rack.system, port_speeds_gbps(catalog, rack.system))]
    ends = [LinkEnd(d.u, d.type, port_speeds_gbps(catalog, d.type), note=d.name or "")
            for d in rack.devices]
    ends += [LinkEnd(s.u, s.model, port_speeds_gbps(catalog, s.model,
                                                    _tier_speed(layout, s.fabric, s.tier)),
                     True, f"{s.tier} of {s.fabric}, placed by the fabric")
             for s in generated_switches(analysis, rack_id)]
    return sorted(ends, key=lambda e: e.u or 0)


def link_speeds_gbps(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[tuple[float, ...], float]:
    """Return the speeds a link between ports of speeds ``a`` and ``b`` runs at, and the
    fastest of them (the default).

    Speeds both ends have; where they share none, the speeds either has up to the slower
    end's fastest port; an end with no known ports does not narrow the choice.
    """
    if not a or not b:
        known = a or b
        return (known, known[-1]) if known else (tuple(map(float, LINK_SPEEDS_GBPS)), 400.0)
    both = tuple(sorted(set(a) & set(b)))
    if not both:
        top = min(a[-1], b[-1])
        both = tuple(sorted(s for s in set(a) | set(b) if s <= top))
    return both, both[-1]


class LinkDialog(QDialog):
    """Ask which device ends the link in rack ``a`` and in rack ``b``, the speed and the count.

    ``a_ends``/``b_ends`` are the racks' :class:`LinkEnd` lists. An end with one
    device starts on it; with several it starts on the lowest installed device (the one
    a link without a U takes) or, where the fabric placed them all, on none: the link
    waits for a choice. ``values()`` is ``(speed_gbps, count)`` and ``ends()`` the
    ``(a_u, b_u)`` chosen, once accepted.
    """

    def __init__(self, a: str, b: str, a_ends: list[LinkEnd], b_ends: list[LinkEnd],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link two racks")
        self._racks = (a, b)
        self._ends = (list(a_ends), list(b_ends))
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.a_end = self._end_box(a, self._ends[0])
        self.b_end = self._end_box(b, self._ends[1])
        self.speed = QComboBox()
        # "1,5" cables is no count (nor 15): refused in words, never read as thousands
        self.count = GuardedSpinBox()
        self.count.setRange(1, 10_000)
        self.count.comma_label = "Cables"
        self._entry_problem = ""  # why the count typed is not taken ("" when it is)
        self._blocked = False  # that count stands in the box: Link must not take the old one
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(f"A end in {a}", self.a_end)
        form.addRow(f"B end in {b}", self.b_end)
        form.addRow("Speed per cable", self.speed)
        form.addRow("Cables", self.count)
        buttons, self._ok = ok_cancel(self, "Link")
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)
        self.a_end.currentIndexChanged.connect(self._ends_changed)
        self.b_end.currentIndexChanged.connect(self._ends_changed)
        self.count.lineEdit().textEdited.connect(self._count_typed)
        self.count.comma_refused.connect(self._count_refused)
        self.count.editingFinished.connect(self._count_finished)
        self._ends_changed()

    @staticmethod
    def _end_box(rack: str, ends: list[LinkEnd]) -> QComboBox:
        box = QComboBox()
        if not ends:
            box.addItem(f"{rack} holds no device", None)
            box.setEnabled(False)
            return box
        start = 0 if len(ends) == 1 else next(
            (k for k, e in enumerate(ends) if not e.is_generated), None)
        if start is None:
            what = "switches" if all(e.is_generated for e in ends) else "devices"
            box.addItem(f"Choose one of {len(ends)} {what}…", None)
        for k, e in enumerate(ends):
            box.addItem(e.label, k)
        box.setCurrentIndex(start if start is not None else 0)
        return box

    def _chosen(self, side: int) -> LinkEnd | None:
        k = (self.a_end, self.b_end)[side].currentData()
        return self._ends[side][k] if k is not None else None

    def _ends_changed(self) -> None:
        chosen = [self._chosen(0), self._chosen(1)]
        a, b = self._racks
        named = [f"<b>{r}</b>" + (f" ({e.detail})" if e is not None else "")
                 for r, e in zip((a, b), chosen, strict=True)]
        self.intro.setText(f"Cables from {named[0]} (A end) to {named[1]} (B end). They are "
                           "routed along the trays and take part in the cabling and the "
                           "bisection like generated links.")
        self._show_problem()
        self._fill_speeds(*(e.speeds_gbps if e is not None else () for e in chosen))

    def _show_problem(self) -> None:
        """Say what keeps the link from being made, if anything, and enable Link when
        nothing does."""
        chosen = [self._chosen(0), self._chosen(1)]
        empty = [r for r, ends in zip(self._racks, self._ends, strict=True) if not ends]
        if empty:
            self.problem.setText(" and ".join(empty) + (" holds" if len(empty) == 1 else
                                 " hold") + " no device and no switch the fabric placed: "
                                 "install one, or make the rack a network rack of a fabric.")
        elif None in chosen:
            self.problem.setText("Choose the device at each end.")
        else:
            self.problem.setText(self._entry_problem)
        self.problem.setVisible(bool(self.problem.text()))
        self._ok.setEnabled(not empty and None not in chosen and not self._blocked)

    def _count_typed(self, _text: str) -> None:
        why = self.count.comma_refusal()
        self._set_entry_problem(why, blocking=bool(why))

    def _count_refused(self, why: str) -> None:
        self._set_entry_problem(why, blocking=True)

    def _count_finished(self) -> None:
        # a decimal comma left in the box: the count before it is back, and said so
        put_back = self.count.take_comma_refusal()
        if put_back or self._blocked:
            self._set_entry_problem(put_back, blocking=False)

    def _set_entry_problem(self, text: str, blocking: bool) -> None:
        self._entry_problem, self._blocked = text, blocking
        self._show_problem()

    def _fill_speeds(self, a: tuple[float, ...], b: tuple[float, ...]) -> None:
        offered, default = link_speeds_gbps(a, b)
        top = min(x[-1] for x in (a, b) if x) if (a or b) else None
        self.speed.blockSignals(True)
        self.speed.clear()
        for s in offered:
            self.speed.addItem(f"{s:,g} Gb/s", s)
        others = [float(s) for s in LINK_SPEEDS_GBPS if s not in offered]
        if others:
            self.speed.insertSeparator(self.speed.count())
        for s in others:
            faster = top is not None and s > top
            self.speed.addItem(f"{s:,g} Gb/s" + ("  (faster than the ports)" if faster
                                                 else ""), s)
        self.speed.setCurrentIndex(self.speed.findData(default))
        self.speed.blockSignals(False)

    def values(self) -> tuple[float, int]:
        """Return ``(speed_gbps, count)``."""
        return float(self.speed.currentData()), int(self.count.value())

    def ends(self) -> tuple[int | None, int | None]:
        """Return the U of the chosen device at each end (``None``: the rack's system)."""
        return tuple(e.u if e is not None else None
                     for e in (self._chosen(0), self._chosen(1)))
