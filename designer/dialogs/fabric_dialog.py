"""Edit → New fabric: a network over the selected racks, sized as a reference design sizes it.

The dialog opens on the engine's suggestion (:func:`engine.fabric_plan.suggest_fabric`):
the selected racks with servers are the members, the selected racks without
are the network racks, and the tiers, switch, speed, rails and scalable-unit
size follow the built-in design that uses the same servers. Every field can be
changed; a preview below (computed off the GUI thread) shows the switches and
cables per tier, the bisection and what the fabric breaks — no room for its
switches, too few ports, a rack over its air limit — before anything is added.
Tier details (radix, breakout speed, per-tier oversubscription, placement)
are edited afterwards in the inspector.

"Start from" lists only the designs of the servers that would be members (those in no
fabric of the purpose yet), by their titles. A switch whose power or weight the
catalog lacks is said to count as 0 W / 0 kg, beside the switch list and in it.

Where the layout has a fabric of that purpose already, "Start from" also offers
to join it (:func:`engine.fabric_plan.join_options`): the loose racks become its
members, with its tiers and switches, instead of an island of their own. A join
of the same servers is the first choice.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.panels.editors import GuardedDoubleSpinBox, GuardedSpinBox
from engine.catalog import Catalog
from engine.errors import InputError
from engine.fabric_plan import (
    FabricJoin,
    FabricPlan,
    fabric_name,
    join_options,
    missing_figures,
    node_types,
    plan_presets,
    preview_fabric,
    suggest_fabric,
)
from engine.model import Fabric, FabricTier, Layout
from engine.report_tables import natural_key, tier_words

__all__ = ["FabricDialog", "PURPOSE_LABELS", "TOPOLOGY_LABELS", "preview_text"]

PURPOSE_LABELS = {"scale_out": "Compute (scale-out, GPU to GPU)", "front_end": "Front-end",
                  "storage": "Storage", "management": "Management (out-of-band)"}
_PURPOSE_NOUNS = {"scale_out": "compute fabric", "front_end": "front-end network",
                  "storage": "storage network", "management": "management network"}
TOPOLOGY_LABELS = {"rail_optimized": "Rail-optimized fat-tree", "fat_tree": "Fat-tree",
                   "clos": "Clos"}
_TIER_NAMES = ("leaf", "spine", "core")


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, plural but for one ("1 rack", "3 racks", "1 rack-scale system")."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _short_list(ids: Sequence[str], most: int = 6) -> str:
    """The ids in their natural order (as picked, a rubber band's are in no order), the
    middle left out past ``most``.

    Examples
    --------
    >>> _short_list(["GPU-0010", "GPU-0002", "GPU-0006"])
    'GPU-0002, GPU-0006, GPU-0010'
    >>> _short_list([f"R{k}" for k in (9, 1, 8, 2, 7, 3, 6)], most=4)
    'R1, R2, R3, … R9'
    """
    ids = sorted(ids, key=natural_key)
    if len(ids) <= most:
        return ", ".join(ids)
    return ", ".join(ids[:most - 1]) + f", … {ids[-1]}"


def _lacks_text(missing: Sequence[str]) -> str:
    """``"no power or weight figure"`` for the figures a catalog entry lacks."""
    return f"no {' or '.join(missing)} figure"


def preview_text(figures: dict, violations: list[dict], catalog: Catalog,
                 fabric: Fabric, notes: Sequence[str] = ()) -> str:
    """Return the preview of what ``fabric`` builds, as rich text.

    ``notes`` say why a switch count differs from what the ports alone need.
    """
    if not figures:
        return "The fabric builds nothing: none of its member racks holds a device that joins it."
    sw = figures.get("switches", {})
    height = {t.name: (catalog.devices[t.switch].u_height or 1) if t.switch in catalog.devices
              else 1 for t in fabric.tiers}
    total_u = sum(n * height.get(t, 1) for t, n in sw.items())
    per_tier = ", ".join(f"{n:,} {t}" for t, n in sw.items() if n)
    cables = figures.get("cables", {})
    links = ", ".join(f"{n:,} {tier_words(k)}" for k, n in cables.items() if n)
    what = "GPUs" if fabric.purpose == "scale_out" else "nodes"
    ends = figures.get("gpus") if fabric.purpose == "scale_out" else figures.get("nodes")
    per = figures.get("per_gpu_bisection_gbps" if fabric.purpose == "scale_out"
                      else "per_endpoint_bisection_gbps", 0.0)
    lines = [f"<b>{figures.get('tiers', 0)} tier(s)</b> over {ends or 0:,} {what} at "
             f"{figures.get('link_gbps', fabric.nic_speed_gbps):g} Gb/s: switches {per_tier or 'none'}"
             f" ({total_u:,} U); links {links or 'none'}.",
             f"Bisection {figures.get('bisection_tbps', 0.0):,.1f} Tb/s one way, "
             f"{per:,.0f} Gb/s per {what[:-1]} "
             f"({figures.get('bisection_method', 'none').replace('_', ' ')})."]
    lines += [f"<i>{n[0].upper()}{n[1:]}.</i>" for n in notes]
    nodes = int(figures.get("nodes") or 0)
    if fabric.topology == "rail_optimized" and 0 < nodes < fabric.su_nodes:
        # the leaves and their uplinks come in whole SUs, as NVIDIA's reference designs
        # wire them; with a few servers that reads as far too many cables
        lines.append(f"<i>Built for a whole scalable unit of {fabric.su_nodes} nodes "
                     f"({nodes} now), leaves and leaf–spine cables included, as NVIDIA's "
                     "reference architectures wire the full SU; a smaller Nodes per "
                     "scalable unit sizes it to the servers there are.</i>")
    # the fabric's own rules first (no room for its switches, no free port), then what it
    # does to the hall's power and cooling
    def own_first(v: dict) -> bool:
        return not v["code"].startswith(("FABRIC-", "LINK-", "CABLE-", "SWITCH-"))

    by = {sev: sorted((v for v in violations if v["severity"] == sev), key=own_first)
          for sev in ("error", "warning", "info")}
    for vs, colour, word in ((by["error"], "#b00020", "Error"),
                             (by["warning"], "#8a5a00", "Warning"),
                             (by["info"], "#33527a", "Info")):
        for v in vs[:3]:
            lines.append(f"<span style='color:{colour}'>{word} {v['code']}: {v['message']}</span>")
        if len(vs) > 3:
            lines.append(f"<span style='color:{colour}'>… and {len(vs) - 3} more</span>")
    if not violations:
        lines.append("<span style='color:#1b5e20'>It breaks no rule the hall did not break "
                     "already.</span>")
    return "<br>".join(lines)


class FabricDialog(QDialog):
    """Propose a fabric over ``selection`` and let the architect adjust it.

    ``fabric()`` is the fabric to add once accepted. ``before`` are the layout's current
    violations (JSON form), so the preview shows only what the new fabric brings.
    """

    def __init__(self, layout: Layout, catalog: Catalog, selection: Sequence[str],
                 before: list[dict] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New fabric")
        self._layout, self._catalog = layout, catalog
        self._selection = [i for i in selection if layout.find(i) is not None
                           and any(r.id == i for r in layout.racks)]
        self._before = before
        self._plan: FabricPlan | None = None
        self._joins: dict[str, FabricJoin] = {}
        self._join: FabricJoin | None = None
        self._runner = None
        self._serial = 0

        self.purpose = QComboBox()
        for key, label in PURPOSE_LABELS.items():
            self.purpose.addItem(label, key)
        self.name = QLineEdit()
        self.design = QComboBox()
        self.design.setToolTip("The reference design whose tiers, switch, speed, rails and "
                               "scalable-unit size the fabric starts from")
        self.basis = QLabel()
        self.basis.setWordWrap(True)
        self.members = QLabel()
        self.members.setWordWrap(True)
        self.follow = QCheckBox("Every rack of the hall whose servers can join, also racks "
                                "added later")
        self.network = QLabel()
        self.network.setWordWrap(True)
        # a form row gives a wrapped label one line's height: room for the two lines a
        # list of racks takes ("16 racks (64 servers, 512 GPUs): GPU-0001, … GPU-0016")
        for lab in (self.members, self.network):
            lab.setMinimumHeight(2 * lab.fontMetrics().lineSpacing() + 4)
        self.topology = QComboBox()
        for key, label in TOPOLOGY_LABELS.items():
            self.topology.addItem(label, key)
        self.switch = QComboBox()
        switches = sorted(catalog.by_role("switch"), key=lambda d: (d.switch_port_speed_gbps, d.id))
        for d in switches:
            lacks = missing_figures(d)
            self.switch.addItem(f"{d.name}  ({d.switch_ports} × {d.switch_port_speed_gbps:g}G, "
                                f"{d.u_height or 1}U)"
                                + (f"  — {_lacks_text(lacks)}" if lacks else ""), d.id)
        # a switch the catalog has no power or weight for counts as 0 W / 0 kg: say so
        self.switch_note = QLabel()
        self.switch_note.setWordWrap(True)
        self.switch_note.setStyleSheet("color: #8a5a00")
        self.switch_note.setVisible(False)
        self.tiers = GuardedSpinBox()
        self.tiers.setRange(1, 3)
        self.collapse = QCheckBox("Use fewer tiers when they suffice")
        self.speed = GuardedDoubleSpinBox()
        self.speed.setRange(1, 100_000)
        self.speed.setDecimals(0)
        self.speed.setSuffix(" Gb/s")
        self.ports = GuardedSpinBox()
        self.ports.setRange(0, 16)
        self.ports.setSpecialValueText("the catalog's ports")
        self.rails = GuardedSpinBox()
        self.rails.setRange(1, 64)
        self.su = GuardedSpinBox()
        self.su.setRange(1, 100_000)
        self.oversub = GuardedDoubleSpinBox()
        self.oversub.setRange(1.0, 64.0)
        self.oversub.setDecimals(2)
        self.oversub.setSuffix(" : 1")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")

        form = QFormLayout()
        form.addRow("Purpose", self.purpose)
        form.addRow("Start from", self.design)
        form.addRow("Name", self.name)
        form.addRow("Members", self.members)
        form.addRow("", self.follow)
        form.addRow("Network racks", self.network)
        form.addRow("Topology", self.topology)
        form.addRow("Switch (every tier)", self.switch)
        form.addRow("Tiers (at most)", self.tiers)
        form.addRow("", self.collapse)
        form.addRow("Link speed", self.speed)
        form.addRow("Ports per GPU", self.ports)
        form.addRow("Rails", self.rails)
        form.addRow("Nodes per scalable unit", self.su)
        form.addRow("Leaf oversubscription", self.oversub)
        self._form_widgets = (self.name, self.topology, self.switch, self.tiers, self.collapse,
                              self.speed, self.ports, self.rails, self.su, self.oversub,
                              self.follow)
        buttons, self._ok = ok_cancel(self, "Add fabric")
        lay = QVBoxLayout(self)
        lay.addWidget(self.basis)
        lay.addLayout(form)
        # full width below the form: a wrapped label in a form row is cut to one line
        lay.addWidget(self.switch_note)
        lay.addWidget(QLabel("<b>Preview</b>"))
        # a long preview scrolls instead of squeezing the form above it
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.preview)
        scroll.setFixedHeight(150)
        lay.addWidget(scroll)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.setMinimumWidth(620)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._start_preview)
        self.purpose.currentIndexChanged.connect(self._fill_designs)
        self.design.currentIndexChanged.connect(self._suggest)
        for w in (self.topology, self.switch):
            w.currentIndexChanged.connect(self._changed)
        for w in (self.tiers, self.ports, self.rails, self.su):
            w.valueChanged.connect(self._changed)
        for w in (self.speed, self.oversub):
            w.valueChanged.connect(self._changed)
        self.collapse.toggled.connect(self._changed)
        self.follow.toggled.connect(self._changed)
        # "12,5" is no number here (nor 125): the note says why, and neither Enter nor
        # Add fabric takes the value the box had before
        self._comma_entry = False  # the note shows a box's refused decimal comma
        for w, label in ((self.tiers, "Tiers"), (self.speed, "Link speed"),
                         (self.ports, "Ports per GPU"), (self.rails, "Rails"),
                         (self.su, "Nodes per scalable unit"),
                         (self.oversub, "Leaf oversubscription")):
            w.comma_label = label
            w.lineEdit().textEdited.connect(lambda _t, box=w: self._typed(box))
            w.comma_refused.connect(self._show_entry_problem)
            w.editingFinished.connect(lambda box=w: self._entry_finished(box))
        self._fill_designs()

    # -- the suggestion -----------------------------------------------------------------------

    def _fill_designs(self) -> None:
        """List the reference designs that use the selected servers, best first, then the
        catalog's ports; the first is chosen (and the fabric suggested from it)."""
        purpose = self.purpose.currentData()
        self.design.blockSignals(True)
        self.design.clear()
        joins = join_options(self._layout, self._catalog, self._selection, purpose)
        self._joins = {j.fabric.id: j for j in joins}

        def add_joins(same: bool) -> None:
            for j in joins:
                if j.same_servers == same:
                    self.design.addItem(j.label, f"join:{j.fabric.id}")
                    self.design.setItemData(
                        self.design.count() - 1,
                        f"Add {_count(len(j.racks), 'rack')} to fabric {j.fabric.id}'s members: "
                        "its tiers, switches and network racks serve them",
                        Qt.ItemDataRole.ToolTipRole)

        # racks selected with no server, in no fabric's network racks: the architect means
        # a fabric of its own, with them as its network racks, so joins come last
        used = {r for f in self._layout.fabrics for r in f.network_racks}
        picked = {i for i in self._selection}
        own_net = any(not r.devices and not r.system and r.id not in used
                      for r in self._layout.racks if r.id in picked)
        if not own_net:
            add_joins(True)  # servers like the fabric's own belong in it: the first choice
        # the designs of the servers that would be members: a selected rack already in a
        # fabric of this purpose brings none (suggest_fabric would refuse them)
        for p in plan_presets(self._layout, self._catalog, self._selection, purpose):
            self.design.addItem(p.display_name, p.label)
            built_for = ", ".join(sorted(self._catalog.devices[t].name
                                         if t in self._catalog.devices else t
                                         for t in p.node_types))
            self.design.setItemData(self.design.count() - 1,
                                    f"The built-in template {p.display_name}, for {built_for}",
                                    Qt.ItemDataRole.ToolTipRole)
        if not own_net:
            add_joins(False)
        self.design.addItem("The catalog's ports of the servers", "catalog")
        if own_net:
            add_joins(True)
            add_joins(False)
        self.design.setCurrentIndex(0)
        self.design.blockSignals(False)
        self._suggest()

    def _suggest(self) -> None:
        purpose = self.purpose.currentData()
        choice = self.design.currentData() or ""
        self._join = self._joins.get(choice.removeprefix("join:")) \
            if choice.startswith("join:") else None
        if self._join is not None:
            f = self._join.fabric
            plan = FabricPlan(f, f"as fabric {f.id} has them", covers_hall=False)
        else:
            try:
                plan = suggest_fabric(self._layout, self._catalog, self._selection, purpose,
                                      choice or None)
            except InputError as exc:
                self._plan = None
                self._ok.setText("Add fabric")
                # no fabric: no switch of one to show (the list's first is a management one)
                self.switch.blockSignals(True)
                self.switch.setCurrentIndex(-1)
                self.switch.blockSignals(False)
                self._show_problem(f"No {_PURPOSE_NOUNS[purpose]} here: "
                                   f"{self._refusal(exc, purpose, bool(self._selection))}")
                return
        self._plan = plan
        f = plan.fabric
        widgets = (self.topology, self.switch, self.tiers, self.collapse, self.speed,
                   self.ports, self.rails, self.su, self.oversub, self.follow)
        for w in widgets:
            w.blockSignals(True)
        self.name.setText(f.name)
        self._auto_name = f.name  # followed by the form until the user types a name
        if self._join is not None:
            self.basis.setText(f"The racks join fabric {f.id}: its tiers, switches, speed and "
                               "network racks serve them, and its switch counts grow with "
                               "them. Its settings are edited in the inspector.")
        else:
            self.basis.setText(f"Tiers, switch, speed and rails {plan.basis}. Change any of "
                               "them; per-tier details are in the inspector once the fabric "
                               "is added.")
        self._ok.setText("Add to fabric" if self._join is not None else "Add fabric")
        self.topology.setCurrentIndex(max(0, self.topology.findData(f.topology)))
        if f.tiers:
            self.switch.setCurrentIndex(max(0, self.switch.findData(f.tiers[0].switch)))
        self.tiers.setValue(max(1, len(f.tiers)))
        self.collapse.setChecked(f.collapse_tiers)
        self.speed.setValue(f.nic_speed_gbps)
        self.ports.setValue(f.ports_per_gpu)
        self.rails.setValue(f.rails)
        self.su.setValue(f.su_nodes)
        self.oversub.setValue(f.tiers[0].oversubscription if f.tiers else 1.0)
        self.follow.setChecked(plan.covers_hall)
        for w in widgets:
            w.blockSignals(False)
        self._changed()

    @staticmethod
    def _refusal(exc: InputError, purpose: str, selected: bool = True) -> str:
        if exc.field == "fabric members" and exc.expected.startswith("selected racks"):
            what = exc.expected.removeprefix("selected racks holding ")
            return f"select racks holding {what} (and racks without, for its switches)."
        if exc.field == "fabric members":
            owners = exc.expected.removeprefix("racks outside fabric ").split(",")[0]
            owners = owners.split(" which")[0]
            if not selected:  # nothing selected: the dialog looked at the whole hall
                return (f"every server of the hall is in fabric {owners} already: select "
                        "the racks of a new fabric, or edit that fabric's members in the "
                        "inspector.")
            return (f"the selected racks' servers are in fabric {owners} already: select "
                    "other racks, or edit that fabric's members in the inspector.")
        if exc.field == "fabric preset":
            return (f"“Start from” needs {exc.expected}. Pick another design above, or "
                    "the catalog's ports of the servers.")
        return f"{exc.field}: expected {exc.expected}."

    # -- the fabric the form describes --------------------------------------------------------

    def fabric(self) -> Fabric | None:
        """Return the fabric the form describes (``None`` when there is none to add)."""
        if self._plan is None:
            return None
        if self._join is not None:
            return self._join.fabric  # the existing fabric, its members grown
        base = self._plan.fabric
        switch = self.switch.currentData()
        n = self.tiers.value()
        old = {t.name: t for t in base.tiers}
        tiers = []
        for k, name in enumerate(_TIER_NAMES[:n]):
            t = old.get(name)
            same = t is not None and t.switch == switch
            data = t.model_dump() if same else {"name": name}
            data["switch"] = switch
            if k == 0:
                data["oversubscription"] = self.oversub.value()
            tiers.append(FabricTier.model_validate(data))
        topology = self.topology.currentData()
        return Fabric.model_validate({
            **base.model_dump(), "name": self.name.text().strip() or base.name,
            "topology": topology, "tiers": [t.model_dump() for t in tiers],
            "collapse_tiers": self.collapse.isChecked(), "nic_speed_gbps": self.speed.value(),
            "ports_per_gpu": self.ports.value(), "rails": self.rails.value(),
            "su_nodes": self.su.value(),
            "members": [] if self.follow.isChecked() else base.members})

    def joins(self) -> str | None:
        """Return the id of the fabric the racks join, or ``None`` for a new fabric."""
        return self._join.fabric.id if self._join is not None and self._plan is not None \
            else None

    def _changed(self) -> None:
        if self._plan is None:
            return
        f = self._plan.fabric
        self._show_problem("")
        self._comma_entry = False
        rail = self.topology.currentData() == "rail_optimized"
        joining = self._join is not None
        for w in self._form_widgets:  # a joined fabric keeps its own settings
            w.setEnabled(not joining)
        self.rails.setEnabled(rail and not joining)
        self.ports.setEnabled(self.purpose.currentData() == "scale_out" and not joining)
        self.follow.setEnabled(self._plan.covers_hall and not joining)
        self._show_switch_note()
        self._show_racks(f)
        if not joining:
            self._follow_form(f)
        self._ok.setEnabled(True)
        self.preview.setText("<i>Computing…</i>")
        self._timer.start()

    def _follow_form(self, f: Fabric) -> None:
        """Keep the automatic name and the basis line true to the form: a topology or speed
        changed here renames a fabric the user has not named, and the basis says which
        settings were changed from the design it started from."""
        if self.name.text() == getattr(self, "_auto_name", None):
            taken = {x.name for x in self._layout.fabrics}
            name = fabric_name(self.purpose.currentData(), self.speed.value(),
                               self.topology.currentData() or f.topology, f.id, taken)
            self.name.blockSignals(True)
            self.name.setText(name)
            self.name.blockSignals(False)
            self._auto_name = name
        changed = [word for word, now, was in (
            ("switch", self.switch.currentData(), f.tiers[0].switch if f.tiers else None),
            ("topology", self.topology.currentData(), f.topology),
            ("tiers", self.tiers.value(), max(1, len(f.tiers))),
            ("speed", self.speed.value(), f.nic_speed_gbps),
            ("rails", self.rails.value(), f.rails),
            ("nodes per SU", self.su.value(), f.su_nodes)) if now != was]
        base = f"Tiers, switch, speed and rails {self._plan.basis}"
        self.basis.setText(
            (f"{base}; changed here: {', '.join(changed)}. " if changed else f"{base}. ")
            + "Change any of them; per-tier details are in the inspector once the fabric "
            "is added.")

    def _typed(self, box) -> None:
        """A number being typed: a decimal comma in it is refused at once, in words."""
        why = box.comma_refusal()
        if why:
            self._show_entry_problem(why)
        elif self._comma_entry:
            self._show_entry_problem("")

    def _entry_finished(self, box) -> None:
        """A box left with a decimal comma in it shows the number it had before again:
        the note says so (the fabric of that number can be added)."""
        put_back = box.take_comma_refusal()
        if put_back:
            self._show_entry_problem(put_back, blocking=False)

    def _show_entry_problem(self, text: str, blocking: bool = True) -> None:
        """Say why a typed entry is not taken (``""``: take the note down); while it
        stands in its box, the fabric cannot be added."""
        if self._plan is None:
            return  # the note says why there is no fabric at all
        self._comma_entry = bool(text)
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self._ok.setEnabled(not (text and blocking))
        if text and blocking:
            # the box took the first digits of "12,5" on the way: no preview of those
            self._timer.stop()
            self._serial = -1
            self.preview.setText("")

    def _show_switch_note(self) -> None:
        """Say when the chosen switch has no power or weight figure in the catalog."""
        dev = self._catalog.devices.get(self.switch.currentData() or "")
        lacks = missing_figures(dev) if dev is not None and self._plan is not None else ()
        zero = " and ".join({"power": "0 W", "weight": "0 kg"}[m] for m in lacks)
        self.switch_note.setText(
            f"The catalog has {_lacks_text(lacks)} for the {dev.name}: each of its switches "
            f"counts as {zero} in the hall's totals and rack checks." if lacks else "")
        self.switch_note.setVisible(bool(lacks))

    def _show_racks(self, f: Fabric) -> None:
        """Say which racks join the fabric (with their servers and GPUs) and which take its
        switches; counted once per suggestion, as form edits change neither."""
        added = list(self._join.racks) if self._join is not None else f.members
        key = (f.purpose, tuple(added), tuple(f.network_racks), self._join is not None)
        if getattr(self, "_racks_shown", None) == key:
            return
        self._racks_shown = key
        members = node_types(self._layout, self._catalog, added, f.purpose)
        types = [self._catalog.devices[t] for v in members.values() for t in v]
        gpus = sum(d.gpus for d in types)
        systems = sum(d.role == "rack_system" for d in types)
        kind = ("rack-scale system" if systems == len(types) else
                "node" if systems else "server")
        what = f"{_count(len(types), kind)}, {gpus:,} GPUs" if f.purpose == "scale_out" \
            else _count(len(types), "node")
        verb = "joins" if len(added) == 1 else "join"
        joined = f" {verb} the {_count(len(f.members) - len(added), 'rack')} of {f.id}" \
            if self._join is not None else ""
        self.members.setText(f"{_count(len(added), 'rack')} ({what}){joined}: "
                             f"{_short_list(added)}")
        if f.network_racks:
            self.network.setText(f"{_count(len(f.network_racks), 'rack')}: "
                                 f"{_short_list(f.network_racks)}")
        else:
            self.network.setText("<span style='color:#8a5a00'>none selected: select empty racks "
                                 "with the servers and their switches go there</span>")

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        # a refused selection leaves nothing to adjust but the purpose and, where it has
        # another choice, the design to start from (the way out of a refused design)
        for w in (self.name, self.topology, self.switch, self.tiers, self.collapse,
                  self.speed, self.su, self.oversub):
            w.setEnabled(not text)
        self.design.setEnabled(not text or self.design.count() > 1)
        if text:
            for w in (self.follow, self.ports, self.rails):
                w.setEnabled(False)
        if text:
            self._ok.setEnabled(False)
            self.switch_note.setVisible(False)
            self.preview.setText("")
            for lab in (self.members, self.network, self.basis):
                lab.setText("")
            self._racks_shown = None

    # -- the preview, off the GUI thread ------------------------------------------------------

    def _start_preview(self) -> None:
        try:
            fabric = self.fabric()
        except Exception as exc:  # noqa: BLE001 - a form value the model refuses
            self._show_problem(str(exc))
            return
        if fabric is None:
            return
        if self._runner is None:
            from designer.library.worker import TaskRunner

            self._runner = TaskRunner(self)
            self._runner.finished.connect(self._preview_done)
        lay, cat, before = self._layout, self._catalog, self._before
        self._serial = self._runner.submit(lambda: (fabric, preview_fabric(lay, cat, fabric,
                                                                           before)))

    def _preview_done(self, serial: int, result: object, error: str) -> None:
        if serial != self._serial:
            return
        if error:
            self.preview.setText(f"<span style='color:#b00020'>{error}</span>")
            return
        fabric, preview = result
        self.preview.setText(preview_text(preview.figures, preview.violations, self._catalog,
                                          fabric, preview.notes))

    def wait_for_preview(self, timeout_ms: int = 30_000) -> None:
        """Finish any pending preview now (tests and scripts)."""
        if self._timer.isActive():
            self._timer.stop()
            self._start_preview()
        if self._runner is not None:
            self._runner.wait(timeout_ms)
            from PySide6.QtCore import QCoreApplication

            QCoreApplication.processEvents()

    def done(self, result: int) -> None:  # noqa: D102 - Qt's name
        self._timer.stop()
        if self._runner is not None:
            self._runner.wait(30_000)
        super().done(result)
