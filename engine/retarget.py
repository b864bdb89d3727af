"""Retarget a layout to another hardware generation: each role to that generation's equivalent.

The mapping, by device role (the catalog's ``role``):

* ``gpu_server`` -> the generation's flagship 8-GPU server (:data:`FLAGSHIP_SERVER`),
  or, for an OEM HGX server, the generation's OEM HGX server where the catalog has
  one (:data:`OEM_SERVER`), re-stacked from the lowest U the rack used, keeping the gaps the layout had
  (devices that no longer fit the rack are dropped and reported). A hall of
  air-cooled servers keeps air cooling where the generation has an air-cooled server
  and its flagship is liquid-cooled (:func:`default_server`); ``server`` picks any
  GPU server of the generation instead (:func:`server_choices`).
* ``rack_system`` (NVL72-class) -> the generation's rack-scale system
  (:data:`FLAGSHIP_SYSTEM`); the rack takes that system's rack type. A
  generation without one (Hopper, AMD Instinct) leaves the rack unmapped.
* ``switch`` of the scale-out speed class (ports of 400 Gb/s or more) -> a
  switch of the same family (InfiniBand or Ethernet) whose port speed matches
  the generation's NIC speed (the smallest speed at or above it, else the
  fastest there is); front-end and management switches (slower ports) are
  kept. The tiers of scale-out fabrics follow the same mapping, and such a
  fabric's NIC speed becomes the new servers' port speed; other fabrics are
  kept.
* CPU nodes, NICs, storage, power shelves and other devices are kept.

Cooling units, feeds and the hall are kept as they were; the summary gives
the IT power, switches, cables, optics, bisection and the design rules' errors and
warnings before and after (the codes new after it), so a designer sees what to
resize before opening the copy.

Examples
--------
>>> from engine.templates import instantiate
>>> old = instantiate("dgx-h100-superpod", {"scalable_units": 1})
>>> res = retarget(old, "blackwell")
>>> res.layout.generation, sorted({d.type for r in res.layout.racks for d in r.devices})
('blackwell', ['dgx-b200'])
>>> res.changes["dgx-h100 -> dgx-b200"]
31
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from engine.arrayops import natural_key as _natural_key
from engine.catalog import Catalog, DeviceType, default_catalog, generation_name
from engine.compile import compile_layout, type_generations
from engine.errors import format_validation_error
from engine.model import Fabric, Layout, MountedDevice, Rack
from engine.templates import ParameterError

__all__ = [
    "FLAGSHIP_SERVER",
    "FLAGSHIP_SYSTEM",
    "OEM_SERVER",
    "SWITCH_FAMILY",
    "is_oem_box",
    "RetargetResult",
    "SettingChange",
    "default_server",
    "generations",
    "server_choices",
    "switch_for",
    "retarget",
]

#: The 8-GPU server each generation maps GPU servers to.
FLAGSHIP_SERVER: dict[str, str] = {
    "hopper": "dgx-h100",
    "blackwell": "dgx-b200",
    "blackwell-ultra": "dgx-b300",
    "rubin": "dgx-rubin-nvl8",
    "amd-instinct": "mi355x-8gpu",
}
#: The OEM 8-GPU (HGX) server each generation maps OEM HGX servers to (when it has one).
OEM_SERVER: dict[str, str] = {
    "hopper": "hgx-h100-8gpu",
    "blackwell": "hgx-b200-8gpu",
}
#: The rack-scale system each generation maps rack-scale systems to (when it has one).
FLAGSHIP_SYSTEM: dict[str, str] = {
    "blackwell": "gb200-nvl72",
    "blackwell-ultra": "gb300-nvl72",
    "rubin": "vera-rubin-nvl144",
}
#: Switch families: a switch maps to one of its own family.
SWITCH_FAMILY: dict[str, str] = {
    "qm9700": "infiniband", "qm9790": "infiniband", "q3400-ra": "infiniband",
    "sn5600": "ethernet", "sn5610": "ethernet", "sn4600c": "ethernet",
    "arista-7060x6-64pe": "ethernet", "tomahawk5-64x800": "ethernet",
    "arista-7804r4": "ethernet",
}
_SCALE_OUT_GBPS = 400.0  # slower switches serve front-end, storage or management networks


@dataclass(frozen=True)
class SettingChange:
    """One fabric setting the retarget changed: a tier's switch, a tier's port speed,
    ports used or links per pair (set for the old switch, so dropped with it), or the
    fabric's link speed.

    ``tier`` is None for a setting of the whole fabric; ``after`` is None for a setting
    dropped (the new switch's own figure applies). Switch values are catalog ids.
    """

    fabric: str
    setting: str  # "switch", "port speed", "ports used", "links per leaf-spine pair", "link speed"
    before: str
    after: str | None
    tier: str | None = None
    old_switch: str = ""  # a dropped setting: the switch it was set for
    new_switch: str = ""  # a dropped setting: the switch whose own figure applies now
    #: the tier has no switches before or after (a declared core tier the fabric does not
    #: need at its size): the setting applies once it grows
    unbuilt: bool = False

    def text(self, device_name: Callable[[str], str] | None = None,
             arrow: str = " -> ") -> str:
        """Return the change as one line: ``"fabric compute, core tier switch: qm9700 ->
        q3400-ra"`` (``device_name`` turns switch ids into display names)."""
        name = device_name or (lambda s: s)
        where = f"fabric {self.fabric}" + (f", {self.tier} tier" if self.tier else ",")
        if self.setting == "switch":
            before, after = name(self.before), name(self.after or "")
            return f"{where} switch: {before}{arrow}{after}" + (
                " (declared, not built at this size)" if self.unbuilt else "")
        if self.after is None:
            # set for the old switch, named on the tier's switch line just before
            return f"{where} {self.setting}: {self.before}{arrow}the new switch's own"
        return f"{where} {self.setting}: {self.before}{arrow}{self.after}"


@dataclass
class RetargetResult:
    """The new layout and what changed.

    ``changes`` counts device (and rack type) replacements as ``"old -> new"``;
    ``settings`` lists the fabric settings changed, one :class:`SettingChange` each;
    ``unmapped`` lists what could not be mapped, one line each; ``dropped``
    counts devices that no longer fit their rack.
    """

    layout: Layout
    generation: str
    changes: Counter = field(default_factory=Counter)
    settings: list[SettingChange] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    it_kw_before: float = 0.0
    it_kw_after: float = 0.0
    #: hardware of unknown power (counted as 0 W) before and after, as the CLI says it
    #: (``"40 switches and 2,560 cable ends"``), empty where every figure is known
    it_unknown: tuple[str, str] = ("", "")
    gpus_before: int = 0
    gpus_after: int = 0
    gpus_target: int = 0  # GPUs of the target generation after the mapping
    #: (before, after) of the network: switches, cables, optics and bisection (Tb/s;
    #: None where the hall has no scale-out fabric of GPUs to cut)
    network: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: the GPU server the GPU servers were mapped to, and why that one
    server: str = ""
    server_reason: str = ""
    #: the servers they became, each with how many (the OEM box too, where OEM boxes
    #: went to the generation's OEM box)
    servers_used: Counter = field(default_factory=Counter)
    #: (errors, warnings) of the design rules before and after
    rules_before: tuple[int, int] = (0, 0)
    rules_after: tuple[int, int] = (0, 0)
    #: rule codes failing after but not before, with their violation counts
    new_rules: Counter = field(default_factory=Counter)

    @property
    def gpus_of(self) -> int:
        """Return the GPUs a retarget is counted against: the design's, with servers
        dropped for lack of room among them (not mapped)."""
        return max(self.gpus_before, self.gpus_after)

    def summary(self, device_name: Callable[[str], str] | None = None,
                generation_name: Callable[[str], str] | None = None) -> str:
        """Return the human-readable summary printed by ``rackscape retarget``.

        It leads with how many GPUs are now the target generation's, so a retarget that
        mapped none never reads as done. Device replacements count devices; fabric
        settings are listed apart, one line per setting. ``device_name`` and
        ``generation_name`` turn catalog ids and generation ids into display names
        (the designer's dialog); without them the summary names ids, as scripts type them.
        """
        shown = device_name is not None
        name = device_name or (lambda s: s)
        gen = (generation_name or (lambda s: s))(self.generation)
        arrow, times = (" → ", "×") if shown else (" -> ", "x")
        of = self.gpus_of
        head = f"GPUs mapped to {gen}: {self.gpus_target:,} of {of:,}"
        if self.gpus_target < of:
            rest = of - self.gpus_target
            head += (" (none could be mapped: see below)" if not self.gpus_target else
                     f" ({rest:,} could not be mapped: see below)")
        lines = [head]
        if self.gpus_before != self.gpus_after:
            lines.append(f"  GPUs in all {self.gpus_before:,}{arrow}{self.gpus_after:,}")
        used = [k for k, _n in self.servers_used.most_common()] or \
            ([self.server] if self.server else [])
        if self.server and used == [self.server]:
            lines.append(f"  GPU servers to {name(self.server)}"
                         + (f" ({self.server_reason})" if self.server_reason else ""))
        elif used:
            # OEM boxes went to the generation's OEM box: the line names what was put in
            parts = [f"{name(k)}" + (f" ({self.server_reason})" if k == self.server
                                     and self.server_reason else
                                     " (OEM boxes stay OEM boxes)" if k != self.server else "")
                     for k in used]
            lines.append(f"  GPU servers to {'; '.join(parts)}")
        # hardware of unknown power counts 0 W: such a total is a lower bound, and says so
        kw = [f"{'≥ ' if unk else ''}{v:,.1f} kW" for v, unk in
              zip((self.it_kw_before, self.it_kw_after), self.it_unknown, strict=True)]
        lines.append(f"  IT power {kw[0]}{arrow}{kw[1]}")
        was, now = self.it_unknown
        unknown = ("" if not (was or now) else f"{now}, before and after" if was == now else
                   "; ".join(f"{when} {u}" for when, u in (("before", was), ("after", now)) if u))
        if unknown:
            lines.append(f"    of unknown power (counted as 0 W): {unknown}")
        net = self.network

        def _num(v: float | None, nd: int, unit: str) -> str:
            return "–" if v is None else f"{v:,.{nd}f}{unit}"

        if net:
            parts = [f"{label} {_num(net[k][0], nd, '')}{arrow}{_num(net[k][1], nd, unit)}"
                     for k, label, nd, unit in (("switches", "switches", 0, ""),
                                                ("cables", "cables", 0, ""),
                                                ("optics", "optics", 0, ""),
                                                ("bisection_tbps", "bisection", 1, " Tb/s"))
                     if k in net]
            lines.append("  network: " + ", ".join(parts))

        def _rules(counts: tuple[int, int]) -> str:
            e, w = counts
            return f"{e:,} error{'s' * (e != 1)}, {w:,} warning{'s' * (w != 1)}"

        lines.append(f"  design rules: {_rules(self.rules_before)}{arrow}"
                     f"{_rules(self.rules_after)}")
        if self.new_rules:
            top = sorted(self.new_rules.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{code} {times}{n:,}" for code, n in top[:6])
            more = f" and {len(top) - 6} more" if len(top) > 6 else ""
            lines.append(f"    newly failing: {shown}{more}")
        if self.changes:
            lines.append("  devices replaced:")
            for what, n in sorted(self.changes.items()):
                lines.append(f"    {n:>6} {times} {_pair(what, name, arrow)}")
        if self.settings:
            lines.append("  fabric settings changed:")
            lines.extend(f"    {c.text(device_name, arrow)}" for c in self.settings)
        if self.dropped:
            # after the replacements: the mapped devices that then found no room
            lines.append("  then dropped for lack of room (not in the new layout):")
            for what, n in _group_dropped(self.dropped):
                lines.append(f"    {n:>6} {times} {_pair(what, name, arrow)}")
        for what, n in sorted(self.kept.items()):
            lines.append(f"  kept     {n:>6} {times} {name(what)}")
        if self.unmapped:
            lines.append(f"  could not map {len(self.unmapped)}:")
            grouped = _group_unmapped(self.unmapped)
            lines.extend(f"    {_named(u, name, self.generation, gen) if shown else u}"
                         for u in grouped[:50])
            if len(grouped) > 50:
                lines.append(f"    ... and {len(grouped) - 50} more")
        lines.append("  cooling units, feeds and the hall are unchanged: check the rules "
                     "and resize them")
        return "\n".join(lines)


def _group_dropped(dropped: Counter) -> list[tuple[str, int]]:
    """The devices dropped for lack of room, one line per model: the racks they were in
    named (the first few) rather than a line per rack.

    Examples
    --------
    >>> _group_dropped(Counter({"x (no room in rack R2)": 2, "x (no room in rack R1)": 2,
    ...                         "y (no room in rack R1)": 1}))
    [('x (no room in racks R1, R2)', 4), ('y (no room in rack R1)', 1)]
    >>> _group_dropped(Counter({f"x (no room in rack R{k}0)": 1 for k in range(1, 8)}))[0][0]
    'x (no room in 7 racks: R10, R20, R30, R40, R50 and 2 more)'
    """
    racks: dict[str, list[str]] = {}
    count: Counter = Counter()
    for what, n in dropped.items():
        m = re.match(r"(.*) \(no room in rack (\S+)\)$", what)
        head = m.group(1) if m else what
        racks.setdefault(head, [])
        if m:
            racks[head].append(m.group(2))
        count[head] += n
    out = []
    for head in sorted(racks):
        ids = sorted(racks[head], key=_natural_key)
        if not ids:
            out.append((head, count[head]))
        elif len(ids) == 1:
            out.append((f"{head} (no room in rack {ids[0]})", count[head]))
        elif len(ids) <= 5:
            out.append((f"{head} (no room in racks {', '.join(ids)})", count[head]))
        else:
            out.append((f"{head} (no room in {len(ids):,} racks: {', '.join(ids[:5])} and "
                        f"{len(ids) - 5:,} more)", count[head]))
    return out


def _group_unmapped(lines: list[str]) -> list[str]:
    """Lines that differ only in the rack they name, as one line naming the racks.

    Examples
    --------
    >>> _group_unmapped(["rack a: x has none", "rack b: x has none", "fabric f: y"])
    ['2 racks (a, b): x has none', 'fabric f: y']
    """
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for line in lines:
        m = re.match(r"rack (\S+): (.*)$", line)
        key = m.group(2) if m else line
        if key not in groups:
            groups[key] = []
            order.append(key)
        if m:
            groups[key].append(m.group(1))
    out = []
    for key in order:
        racks = groups[key]
        if len(racks) > 1:
            listed = ", ".join(racks[:6]) + (f" and {len(racks) - 6} more" if len(racks) > 6
                                             else "")
            out.append(f"{len(racks)} racks ({listed}): {key}")
        elif racks:
            out.append(f"rack {racks[0]}: {key}")
        else:
            out.append(key)
    return out


def _named(line: str, name: Callable[[str], str], generation: str, gen_name: str) -> str:
    """``line`` with each catalog id and the generation's id in display names."""
    return re.sub(r"[a-z0-9][a-z0-9.\-]*[a-z0-9]", lambda m: gen_name if m.group() == generation
                  else name(m.group()), line)


def _pair(what: str, name: Callable[[str], str], arrow: str) -> str:
    """``"dgx-h100 -> dgx-b200"`` (or ``"rack a -> b"``, ``"dgx-b200 (no room in rack R)"``)
    with each id through ``name``."""
    if " -> " not in what:
        head, sep, tail = what.partition(" (")
        return name(head) + sep + tail
    old, new = what.split(" -> ", 1)
    prefix = "rack type " if old.startswith("rack ") else ""
    old = old.removeprefix("rack ")
    return f"{prefix}{name(old)}{arrow}{name(new)}"


def generations() -> list[str]:
    """Return the generations a layout can be retargeted to."""
    return list(FLAGSHIP_SERVER)


def _liquid(dev: DeviceType) -> bool:
    return (dev.liquid_fraction.value or 0.0) >= 0.5


def server_choices(catalog: Catalog, generation: str) -> list[DeviceType]:
    """Return the GPU servers ``generation`` can map to: its flagship first, then the
    catalog's other GPU servers of that generation in catalog order.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> [d.id for d in server_choices(load_catalog(user_dir=None), "amd-instinct")]
    ['mi355x-8gpu', 'mi300x-8gpu', 'mi325x-8gpu']
    """
    flagship = FLAGSHIP_SERVER.get(generation)
    found = [d for d in catalog.devices.values()
             if d.role == "gpu_server" and d.generation == generation and d.gpus > 0]
    return sorted(found, key=lambda d: d.id != flagship)


def default_server(layout: Layout, generation: str, catalog: Catalog) -> tuple[str, str]:
    """Return the GPU server a retarget maps to by default, and why that one.

    The flagship (:data:`FLAGSHIP_SERVER`), unless every GPU server of the layout is
    air-cooled and the flagship is liquid-cooled while the generation has an
    air-cooled server: then the air-cooled one drawing the most power (the top part),
    so an air-cooled hall stays one.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> default_server(instantiate("dgx-h100-hall", {"racks": 4}), "amd-instinct", default_catalog())
    ('mi325x-8gpu', 'the layout is air-cooled; the flagship MI355X 8-GPU platform is liquid-cooled')
    >>> default_server(instantiate("dgx-h100-hall", {"racks": 4}), "blackwell", default_catalog())[0]
    'dgx-b200'
    """
    flagship = catalog.devices.get(FLAGSHIP_SERVER.get(generation, ""))
    if flagship is None:
        raise ParameterError(f"catalog has no {FLAGSHIP_SERVER.get(generation)!r} for "
                             f"{generation}")
    used = {d.type for r in layout.racks for d in r.devices}
    servers = [catalog.devices[t] for t in used
               if t in catalog.devices and catalog.devices[t].role == "gpu_server"]
    if not servers or any(_liquid(d) for d in servers) or not _liquid(flagship):
        return flagship.id, ""
    air = [d for d in server_choices(catalog, generation) if not _liquid(d)]
    if not air:
        return flagship.id, ""
    best = max(air, key=lambda d: d.power_max_w.value or 0.0)
    short = re.sub(r"^AMD Instinct |^NVIDIA | \([^)]*\)$", "", flagship.name)
    return best.id, f"the layout is air-cooled; the flagship {short} is liquid-cooled"


def is_oem_box(dev: DeviceType) -> bool:
    """Whether a GPU server is an OEM box (an HGX board, or an AMD platform in a partner's
    chassis) rather than a vendor's own system such as a DGX: it retargets to the
    generation's OEM box where the generation has one.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> cat = load_catalog(user_dir=None)
    >>> [is_oem_box(cat.devices[i]) for i in ("hgx-h100-8gpu", "mi300x-8gpu", "dgx-h100")]
    [True, True, False]
    """
    return dev.id.startswith("hgx-") or dev.generation == "amd-instinct"


def _scaleout_gbps(dev: DeviceType) -> float:
    return dev.port_speed_gbps("scale_out")


def switch_for(catalog: Catalog, switch_id: str, speed_gbps: float) -> str | None:
    """Return the switch of ``switch_id``'s family for links of ``speed_gbps``.

    The smallest port speed at or above ``speed_gbps`` wins (ties: the catalog's
    order), else the fastest of the family. ``None`` when ``switch_id`` has no
    known family.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> cat = load_catalog(user_dir=None)
    >>> switch_for(cat, "qm9700", 800), switch_for(cat, "sn5600", 400)
    ('q3400-ra', 'sn5600')
    """
    family = SWITCH_FAMILY.get(switch_id)
    if family is None:
        return None
    cands = [d for d in catalog.devices.values()
             if d.role == "switch" and SWITCH_FAMILY.get(d.id) == family]
    if not cands:
        return None
    fast = [d for d in cands if d.switch_port_speed_gbps >= speed_gbps]
    if fast:
        best = min(d.switch_port_speed_gbps for d in fast)
        same = [d for d in fast if d.switch_port_speed_gbps == best]
        cur = catalog.devices.get(switch_id)
        if cur is not None and cur in same:
            return cur.id
        return same[0].id
    # none is fast enough: the fastest of the family, the switch itself where it is one
    # of them, else one whose maximum power is known (the totals count every other
    # device at its maximum)
    top = max(d.switch_port_speed_gbps for d in cands)
    same = [d for d in cands if d.switch_port_speed_gbps == top]
    cur = catalog.devices.get(switch_id)
    if cur is not None and cur in same:
        return cur.id
    return min(same, key=lambda d: d.power_max_w.value is None).id


def _ports_per_gpu(fabric: Fabric, racks: Sequence[Rack], catalog: Catalog,
                   link_gbps: float, generation: str) -> int | None:
    """Return the links per GPU of a scale-out fabric of ``racks`` at ``link_gbps``: each
    GPU's scale-out bandwidth (its system's or server's ports x speed / GPUs, the least
    of the members') in whole links, at least one; ``None`` to keep the fabric's (it
    takes the catalog's ports, ``ports_per_gpu`` 0, no member has GPUs and ports, or a
    member is not of ``generation``: hardware the retarget could not map keeps its links).

    A GB300 NVL72 has one 800G port per GPU, a Vera Rubin NVL144 one 1.6T port, which
    a fabric of 800G switches runs as two 800G links.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Fabric, Rack
    >>> cat = load_catalog(user_dir=None)
    >>> f = Fabric(id="f", ports_per_gpu=1)
    >>> vr = Rack(id="R1", x_m=0, y_m=0, type="rack-nvl72", system="vera-rubin-nvl144")
    >>> gb = vr.model_copy(update={"system": "gb300-nvl72"})
    >>> _ports_per_gpu(f, [vr], cat, 800, "rubin"), _ports_per_gpu(f, [gb], cat, 800, "blackwell-ultra")
    (2, 1)
    """
    if fabric.ports_per_gpu == 0 or fabric.topology == "explicit":
        return None
    members = set(fabric.members)
    per_gpu: list[float] = []
    for rack in racks:
        if members and rack.id not in members:
            continue
        for t in ([rack.system] if rack.system else [d.type for d in rack.devices]):
            dev = catalog.devices.get(t)
            if dev is not None and dev.gpus > 0 and dev.port_count("scale_out") > 0:
                if dev.generation != generation:
                    return None
                per_gpu.append(dev.port_count("scale_out") * dev.port_speed_gbps("scale_out")
                               / dev.gpus)
    if not per_gpu or link_gbps <= 0:
        return None
    return max(1, int(min(per_gpu) / link_gbps + 1e-9))


def _restack(rack: Rack, devices: list[tuple[MountedDevice, str]], catalog: Catalog,
             height_u: int) -> tuple[list[MountedDevice], list[str]]:
    """Place devices (old, new type) from the rack's lowest U, keeping the old gaps where
    the rack has room for them, closing a gap where it has not (four DGX H100 at U1, 9,
    17 and 41 become four 10U DGX B200 at U1, 11, 21 and 31, not three and a dropped one).

    Examples
    --------
    >>> from engine.catalog import default_catalog
    >>> r = Rack(id="R", type="rack-800x1200", x_m=1, y_m=1,
    ...          devices=[MountedDevice(type="dgx-h100", u=u) for u in (1, 9, 17, 41)])
    >>> out, dropped = _restack(r, [(d, "dgx-b200") for d in r.devices], default_catalog(), 48)
    >>> [d.u for d in out], dropped
    ([1, 11, 21, 31], [])

    Where the stack from the lowest device up would drop one, the rack is packed from U1
    instead: four DGX H100 at U12, 21, 30 and 40 become DGX B200 at U1, 11, 21 and 31.

    >>> r = r.model_copy(update={"devices": [MountedDevice(type="dgx-h100", u=u)
    ...                                      for u in (12, 21, 30, 40)]})
    >>> out, dropped = _restack(r, [(d, "dgx-b200") for d in r.devices], default_catalog(), 48)
    >>> [d.u for d in out], dropped
    ([1, 11, 21, 31], [])
    """
    order = sorted(devices, key=lambda p: p[0].u)

    def stack(first_u: int | None) -> tuple[list[MountedDevice], list[str]]:
        out: list[MountedDevice] = []
        dropped: list[str] = []
        top = 0  # highest U used so far
        prev_old_end = None
        for old, new_type in order:
            old_h = catalog.devices[old.type].u_height or 1 if old.type in catalog.devices \
                else 1
            new_h = catalog.devices[new_type].u_height or 1
            gap = 0 if prev_old_end is None else max(old.u - prev_old_end - 1, 0)
            if first_u is not None:  # packed: no gaps
                u = first_u if prev_old_end is None else top + 1
            else:
                u = old.u if prev_old_end is None else top + 1 + gap
            if u + new_h - 1 > height_u:
                u = top + 1  # no room for the old gap: close it
            if u + new_h - 1 > height_u:
                dropped.append(new_type)
                prev_old_end = old.u + old_h - 1
                continue
            out.append(MountedDevice(type=new_type, u=u, name=old.name))
            top = u + new_h - 1
            prev_old_end = old.u + old_h - 1
        return out, dropped

    kept = stack(None)
    if not kept[1]:
        return kept
    packed = stack(1)  # nothing is dropped that packing from U1 could keep
    return packed if len(packed[1]) < len(kept[1]) else kept


def _renamed(name: str, changes: Counter, catalog: Catalog) -> str:
    """The design name with each retargeted server's or system's model named for the one it
    became ("... with DGX H100" -> "... with DGX B200"), as the catalog names them short
    of their maker.

    >>> from collections import Counter
    >>> from engine.catalog import default_catalog
    >>> _renamed("NVIDIA DGX SuperPOD with DGX H100 (scalable_units=2)",
    ...          Counter({"dgx-h100 -> dgx-b200": 64}), default_catalog())
    'NVIDIA DGX SuperPOD with DGX B200 (scalable_units=2)'
    """
    from engine.report_tables import short_model_name

    for key in changes:
        old, _, new = key.partition(" -> ")
        a, b = catalog.devices.get(old), catalog.devices.get(new)
        if a is None or b is None or a.role not in ("gpu_server", "rack_system"):
            continue
        was, now = short_model_name(a.name), short_model_name(b.name)
        if was and now and re.search(rf"\b{re.escape(was)}\b", name):
            name = re.sub(rf"\b{re.escape(was)}\b", now, name)
    return name


def retarget(layout: Layout, generation: str, catalog: Catalog | None = None,
             server: str | None = None) -> RetargetResult:
    """Return a copy of ``layout`` with each device mapped to ``generation``'s equivalent.

    ``server`` maps every GPU server to that GPU server of the generation (one of
    :func:`server_choices`); by default, :func:`default_server` (an OEM HGX server to the
    generation's OEM server where it has one).

    Raises
    ------
    ParameterError
        For an unknown generation (see :func:`generations`) or a ``server`` that is not
        a GPU server of the generation.
    """
    catalog = catalog or default_catalog()
    if generation not in FLAGSHIP_SERVER:
        raise ParameterError(f"--generation: expected one of {', '.join(generations())}, "
                             f"got {generation!r}")
    choices = [d.id for d in server_choices(catalog, generation)]
    if server is not None and server not in choices:
        raise ParameterError(f"--server: expected a GPU server of {generation} "
                             f"({', '.join(choices) or 'none in the catalog'}), got {server!r}")
    chosen, reason = (server, "chosen") if server is not None else \
        default_server(layout, generation, catalog)
    server_dev = catalog.devices[chosen]
    oem_server = server_dev if server is not None or chosen != FLAGSHIP_SERVER[generation] \
        else catalog.devices.get(OEM_SERVER.get(generation, "")) or server_dev
    system = catalog.devices.get(FLAGSHIP_SYSTEM.get(generation, ""))
    nic_gbps = _scaleout_gbps(server_dev) or 400.0
    res = RetargetResult(layout=layout, generation=generation, server_reason=reason)
    before = compile_layout(layout, catalog)
    res.it_kw_before = float(before.rack_power_w.sum()) / 1000.0
    res.gpus_before = int(before.rack_gpus.sum())
    sw_map: dict[str, str | None] = {}

    def map_switch(sid: str) -> str | None:
        if sid not in sw_map:
            dev = catalog.devices.get(sid)
            if dev is not None and dev.switch_port_speed_gbps < _SCALE_OUT_GBPS:
                sw_map[sid] = sid
            else:
                sw_map[sid] = switch_for(catalog, sid, nic_gbps)
        return sw_map[sid]

    racks: list[Rack] = []
    for rack in layout.racks:
        if rack.system:
            dev = catalog.devices.get(rack.system)
            if dev is not None and dev.role == "rack_system" and system is not None:
                rtype = system.rack_type or rack.type
                if rtype not in catalog.racks:
                    rtype = rack.type
                if system.id != rack.system:
                    res.changes[f"{rack.system} -> {system.id}"] += 1
                if rtype != rack.type:
                    res.changes[f"rack {rack.type} -> {rtype}"] += 1
                racks.append(rack.model_copy(update={"system": system.id, "type": rtype}))
            else:
                res.unmapped.append(f"rack {rack.id}: {rack.system} has no rack-scale "
                                    f"equivalent in {generation}")
                racks.append(rack)
            continue
        height = catalog.racks[rack.type].height_u if rack.type in catalog.racks else 48
        pairs: list[tuple[MountedDevice, str]] = []
        for d in rack.devices:
            dev = catalog.devices.get(d.type)
            if dev is None:
                res.unmapped.append(f"rack {rack.id} U{d.u}: {d.type} is not in the catalog")
                pairs.append((d, d.type))
            elif dev.role == "gpu_server" and dev.generation == generation:
                res.kept[d.type] += 1  # already this generation's (an H200 in a Hopper hall)
                pairs.append((d, d.type))
            elif dev.role == "gpu_server":
                # an OEM box (an HGX board, or AMD's UBB in a partner's chassis) stays an
                # OEM box where the generation has one
                to = oem_server if is_oem_box(dev) else server_dev
                res.servers_used[to.id] += 1
                pairs.append((d, to.id))
                if d.type != to.id:
                    res.changes[f"{d.type} -> {to.id}"] += 1
            elif dev.role == "switch":
                new = map_switch(d.type)
                if new is None:
                    res.unmapped.append(f"rack {rack.id} U{d.u}: switch {d.type} has no "
                                        f"{nic_gbps:g}G equivalent of its family")
                    new = d.type
                elif new != d.type:
                    res.changes[f"{d.type} -> {new}"] += 1
                else:
                    res.kept[d.type] += 1
                pairs.append((d, new))
            else:
                res.kept[d.type] += 1
                pairs.append((d, d.type))
        if pairs and any(new != old.type for old, new in pairs):
            devices, dropped = _restack(rack, pairs, catalog, height)
            for t in dropped:
                res.dropped[f"{t} (no room in rack {rack.id})"] += 1
            racks.append(rack.model_copy(update={"devices": devices}))
        else:
            racks.append(rack)
    fabrics: list[Fabric] = []
    for f in layout.fabrics:
        if f.purpose != "scale_out":
            fabrics.append(f)
            continue
        tiers = []
        for tier in f.tiers:
            new = map_switch(tier.switch)
            if new is None:
                res.unmapped.append(f"fabric {f.id} {tier.name} tier: switch {tier.switch} has "
                                    f"no {nic_gbps:g}G equivalent of its family")
                new = tier.switch
            elif new != tier.switch:
                res.settings.append(SettingChange(f.id, "switch", tier.switch, new, tier.name))
            # a breakout speed belongs to the switch: kept with it, dropped with it
            speed = tier.port_speed_gbps if new == tier.switch else None
            if speed is None and tier.port_speed_gbps is not None:
                res.settings.append(SettingChange(f.id, "port speed",
                                                  f"{tier.port_speed_gbps:g}G", None, tier.name,
                                                  tier.switch, new))
            upd_tier: dict = {"switch": new, "port_speed_gbps": speed}
            # so do the ports a tier uses of its switch (NVIDIA's GB200 leaf takes 36 of
            # a QM9700's 64 for one rack per rail), except a k-ary fat-tree's k: its design
            if new != tier.switch and f.topology != "fat_tree":
                for name, label in (("radix", "ports used"), ("links_per_pair",
                                                               "links per leaf-spine pair")):
                    if getattr(tier, name) is not None:
                        upd_tier[name] = None
                        res.settings.append(SettingChange(f.id, label, str(getattr(tier, name)),
                                                          None, tier.name, tier.switch,
                                                          new))
            tiers.append(tier.model_copy(update=upd_tier))
        upd: dict = {"tiers": tiers}
        if f.topology != "explicit":
            fastest = max((catalog.devices[t.switch].switch_port_speed_gbps for t in tiers
                           if t.switch in catalog.devices), default=nic_gbps)
            upd["nic_speed_gbps"] = min(nic_gbps, fastest)
            if fastest < nic_gbps:
                res.unmapped.append(f"fabric {f.id}: no {nic_gbps:g}G switch in the catalog; "
                                    f"links run at {fastest:g}G")
            if upd["nic_speed_gbps"] != f.nic_speed_gbps:
                res.settings.append(SettingChange(f.id, "link speed", f"{f.nic_speed_gbps:g}G",
                                                  f"{upd['nic_speed_gbps']:g}G"))
            per_gpu = _ports_per_gpu(f, racks, catalog, upd["nic_speed_gbps"], generation)
            if per_gpu is not None and per_gpu != f.ports_per_gpu:
                upd["ports_per_gpu"] = per_gpu
                res.settings.append(SettingChange(f.id, "ports per GPU", str(f.ports_per_gpu),
                                                  str(per_gpu)))
        fabrics.append(f.model_copy(update=upd))
    suffix = f" (retargeted to {generation_name(generation)})"
    base = _renamed(re.sub(r" \(retargeted to [^)]*\)$", "", layout.name), res.changes,
                    catalog)
    name = base[:200 - len(suffix)] + suffix
    new_layout = layout.model_copy(update={"racks": racks, "fabrics": fabrics,
                                           "generation": generation, "name": name})
    try:
        new_layout = Layout.model_validate(new_layout.model_dump())
    except ValidationError as exc:  # catalog figures (a user's) that the layout cannot hold
        field_, expected = format_validation_error(exc)
        m = re.match(r"fabrics\[(\d+)\]\.(.+)", field_)
        if m and int(m.group(1)) < len(fabrics):
            field_ = f"fabric {fabrics[int(m.group(1))].id}: {m.group(2)}"
        mine = f"; {'; '.join(catalog.notes[:2])}" if catalog.notes \
            else ""
        raise ParameterError(f"retarget to {generation}: {field_}: expected {expected}, but the "
                             "catalog's figures for the hardware it maps to give that"
                             f"{mine}") from None
    after = compile_layout(new_layout, catalog)
    res.layout = new_layout
    res.it_kw_after = float(after.rack_power_w.sum()) / 1000.0
    res.gpus_after = int(after.rack_gpus.sum())
    gen_of = type_generations(after.types, catalog) == generation
    res.gpus_target = int(after.types.gpus[after.dev_type][gen_of[after.dev_type]].sum()) \
        if len(after.dev_type) else 0
    if any(n for k, n in res.changes.items() if k.split(" -> ")[0] in catalog.devices
           and catalog.devices[k.split(" -> ")[0]].role == "gpu_server"):
        res.server = chosen
    from engine.analysis import analyze

    full = [analyze(x, catalog) for x in (layout, new_layout)]
    # the design rules, before and after: what the copy will need resized
    (res.rules_before, codes_before), (res.rules_after, codes_after) = (
        _rule_counts(a) for a in full)
    res.new_rules = Counter({c: n for c, n in codes_after.items() if c not in codes_before})
    from engine.report_tables import unknown_hardware_text

    res.it_unknown = tuple(  # type: ignore[assignment]
        unknown_hardware_text(a.power.unknown_power_hardware, "power", catalog,
                              name_models=False).removesuffix(" of unknown power")
        if a.power.is_lower_bound else "" for a in full)
    res.it_kw_before, res.it_kw_after = (float(a.power.it_kw) for a in full)
    if layout.fabrics:
        nets = [a.network for a in full]
        # a fabric whose servers the new ones cannot join (no ports of its purpose): said,
        # not left to a rule of the copy
        nodes = [{f["id"]: int(f.get("nodes") or 0) for f in n.fabrics} for n in nets]
        # servers dropped for lack of room leave their fabrics too: said as such
        dropped = sum(n for k, n in res.dropped.items()
                      if getattr(catalog.devices.get(k.split(" (")[0]), "role", "")
                      in ("gpu_server", "rack_system"))
        for f in layout.fabrics:
            was, now = nodes[0].get(f.id, 0), nodes[1].get(f.id, 0)
            short = was - now - (dropped if f.purpose == "scale_out" else 0)
            if now < was and short > 0:
                lost = f"{short:,} of its {was:,} nodes" if now or short < was \
                    else f"all {was:,} nodes"
                what = f.purpose.replace("_", "-")
                res.unmapped.append(f"fabric {f.id}: loses {lost}: the "
                                    f"{generation_name(generation)} servers have no {what} "
                                    "ports in the catalog")
        # a tier with no switches before or after: its settings wait for the fabric to grow
        built = [{(f["id"], t) for f in n.fabrics for t, k in (f.get("switches") or {}).items()
                  if k} for n in nets]
        res.settings = [dataclasses.replace(sc, unbuilt=True) if sc.tier is not None and
                        (sc.fabric, sc.tier) not in built[0] | built[1] else sc
                        for sc in res.settings]
        res.network = {
            "switches": tuple(float(sum(n.switches_by_tier.values())) for n in nets),
            "cables": tuple(float(n.cabling_dict()["cables"]) for n in nets),
            "optics": tuple(float(n.transceivers) for n in nets),
            "bisection_tbps": tuple(None if n.bisection_method == "none"
                                    else float(n.bisection_tbps) for n in nets)}
    return res


def _rule_counts(analysis) -> tuple[tuple[int, int], Counter]:
    """(errors, warnings) of an analysis and its failing codes (errors and warnings)."""
    sev = Counter(v.severity for v in analysis.violations)
    codes = Counter(v.code for v in analysis.violations if v.severity in ("error", "warning"))
    return (sev.get("error", 0), sev.get("warning", 0)), codes
