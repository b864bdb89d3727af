"""Fabric plans: a new fabric for racks an architect picks, sized as published designs size it.

A hall drawn by hand has servers but no network. :func:`suggest_fabric` proposes
the fabric for a set of racks: the racks whose servers join it (its members),
the racks whose free U take its switches (the selected racks without members)
and the tiers, switch models, speeds, rails and scalable-unit size.

Those choices come from the built-in reference designs where one uses the
same servers (:func:`fabric_presets`): DGX H100 racks get the rail-optimized
NDR fabric of the DGX SuperPOD template (QM9700 leaves, spines and cores,
8 rails, 32-node scalable units), MI300X racks the 400G RoCE fabric of the
MI300X template, and so on. Servers no built-in design uses get a fabric
derived from the catalog: the link speed of their ports of that purpose, the
switch whose ports run at that speed with the most of them (an Ethernet one
for front-end and management networks), rail-optimized
when each server has 2 to 16 such ports (one rail per port, as NVIDIA wires
a DGX [S41]), a Clos otherwise, scalable units of half a leaf's ports. A management network
is the out-of-band one, at the speed of the servers' slowest management port
(the BMC's).

Every suggested fabric lists up to three tiers and may collapse to fewer, so
a small selection builds one or two tiers and a large one grows its cores.

Servers added next to a fabric usually belong in it rather than in a fabric
of their own (an island): :func:`join_options` lists the layout's fabrics of
the purpose that the selected racks' loose servers can join, those of the
same servers first.

Examples
--------
>>> from engine.catalog import load_catalog
>>> from engine.model import Hall, Layout, MountedDevice, Rack
>>> cat = load_catalog(user_dir=None)
>>> racks = [Rack(id=f"R{i}", type="rack-800x1200", x_m=1.0 + 0.8 * i, y_m=2.0,
...               devices=[MountedDevice(type="dgx-h100", u=1 + 10 * k) for k in range(4)])
...          for i in range(2)]
>>> net = Rack(id="N1", type="rack-800x1200", x_m=4.0, y_m=2.0)
>>> lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 6), (0, 6)]), racks=[*racks, net])
>>> plan = suggest_fabric(lay, cat, ["R0", "R1", "N1"])
>>> f = plan.fabric
>>> f.members, f.network_racks, f.topology, f.rails, f.su_nodes, [t.switch for t in f.tiers]
(['R0', 'R1'], ['N1'], 'rail_optimized', 8, 32, ['qm9700', 'qm9700', 'qm9700'])
>>> plan.basis
'as in the dgx-h100-superpod template'
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.catalog import Catalog, DeviceType, load_catalog
from engine.edits import add_fabric, fresh_id, set_field
from engine.errors import InputError
from engine.fabric import ports_at_speed
from engine.model import Fabric, FabricTier, Layout, Rack
from engine.report_tables import natural_key

__all__ = ["FabricJoin", "FabricPreset", "FabricPlan", "FabricPreview", "PURPOSE_NAMES",
           "fabric_name", "fabric_presets", "join_options", "matching_presets", "missing_figures",
           "node_types", "plan_presets", "preview_fabric", "suggest_fabric"]

#: the widest breakout a default switch is picked for: one port into 8 links (an 800G
#: OSFP cage as 8 x 100G); a switch far faster than the links is no default for them
_MAX_BREAKOUT = 8

#: how a fabric of each purpose is named, and the base of its id
PURPOSE_NAMES = {"scale_out": ("Compute fabric", "compute"),
                 "front_end": ("Front-end network", "front-end"),
                 "storage": ("Storage network", "storage"),
                 "management": ("Management network", "mgmt")}


@dataclass(frozen=True)
class FabricPreset:
    """The fabric of a built-in reference design, without its racks.

    ``node_types`` are the catalog ids of the servers (or rack-scale systems)
    its members hold at the template's defaults.
    """

    template_id: str
    generation: str
    node_types: frozenset[str]
    fabric: Fabric
    #: the choice parameter set away from its default (``(name, value)``), if any
    choice: tuple[str, str] | None = None
    #: the template's title
    title: str = ""
    #: whether the template reproduces a published reference design (its ``expected``
    #: block pins published numbers): such a design comes first among equals
    published: bool = False

    @property
    def label(self) -> str:
        """The design as a list names it: ``dgx-b300-superpod (edition=dc-busbar)``."""
        return self.template_id + (f" ({self.choice[0]}={self.choice[1]})" if self.choice
                                   else "")

    @property
    def display_name(self) -> str:
        """The design as a person names it: its title, and the choice that differs."""
        choice = f", {self.choice[0].replace('_', ' ')} {self.choice[1]}" if self.choice \
            else ""
        return f"{self.title or self.template_id}{choice}"


@dataclass(frozen=True)
class FabricPlan:
    """A proposed fabric and where its choices come from.

    ``basis`` says which reference design the tiers, speeds and rails follow (or
    that the catalog gave them); ``covers_hall`` is true when the members are
    every rack of the hall whose servers could join, so an empty member list
    (every such rack, including racks added later) means the same today.
    """

    fabric: Fabric
    basis: str
    covers_hall: bool


def _is_node(dev: DeviceType, purpose: str) -> bool:
    """Whether a device joins a fabric of ``purpose`` (as the fabric build decides)."""
    if purpose == "scale_out":
        return dev.gpus > 0 and dev.role in ("gpu_server", "rack_system")
    return dev.role != "switch" and dev.port_count(purpose) > 0


def _rack_types(rack: Rack) -> list[str]:
    return [rack.system] if rack.system else [d.type for d in rack.devices]


def node_types(layout: Layout, catalog: Catalog, rack_ids: Iterable[str],
               purpose: str = "scale_out") -> dict[str, list[str]]:
    """Return, per rack, the catalog ids of its devices that join a fabric of ``purpose``.

    Racks with none are left out; unknown racks and device types are skipped.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]),
    ...              racks=[Rack(id="A", type="rack-800x1200", x_m=2, y_m=2,
    ...                          devices=[MountedDevice(type="dgx-b200", u=1),
    ...                                   MountedDevice(type="qm9700", u=20)])])
    >>> node_types(lay, load_catalog(user_dir=None), ["A"])
    {'A': ['dgx-b200']}
    """
    by_id = {r.id: r for r in layout.racks}
    out: dict[str, list[str]] = {}
    for rid in rack_ids:
        rack = by_id.get(rid)
        if rack is None:
            continue
        types = [t for t in _rack_types(rack)
                 if t in catalog.devices and _is_node(catalog.devices[t], purpose)]
        if types:
            out[rid] = types
    return out


@functools.cache
def _builtin_presets() -> tuple[FabricPreset, ...]:
    # the built-in templates at their defaults, on the built-in catalog they are written for
    from engine.templates import instantiate, list_templates

    cat = load_catalog(user_dir=None)
    out: list[FabricPreset] = []
    seen: set[tuple] = set()
    for t in list_templates(user_dir=None):
        # the defaults, then each other value of each choice parameter (an RA edition,
        # a node type) with the rest at their defaults
        runs: list[tuple[str, str] | None] = [None] + [
            (p.name, c) for p in t.parameters if p.type == "choice"
            for c in p.choices if c != str(p.default)]
        for choice in runs:
            try:
                lay = instantiate(t, dict([choice]) if choice else None, catalog=cat)
            except Exception:  # noqa: BLE001 - a template that does not lay out offers none
                continue
            for f in lay.fabrics:
                racks = f.members or [r.id for r in lay.racks]
                types = {x for ts in node_types(lay, cat, racks, f.purpose).values()
                         for x in ts}
                bare = f.model_copy(update={"members": [], "network_racks": []})
                key = (t.id, frozenset(types), bare.model_dump_json())
                # a fabric built to a fixed shape (a k-ary fat-tree keeps its tiers and
                # radix whatever it serves) does not size itself to other racks
                if types and f.topology != "explicit" and f.collapse_tiers \
                        and key not in seen:
                    seen.add(key)
                    published = any(c.get("class") == "published"
                                    for c in (t.expected or {}).get("cases", []))
                    out.append(FabricPreset(t.id, t.generation, frozenset(types), bare,
                                            choice, t.title, published))
    return tuple(out)


def fabric_presets() -> tuple[FabricPreset, ...]:
    """Return the fabrics of the built-in reference designs, one per distinct fabric.

    Each template is laid out at its defaults and once for each other value of each of
    its choice parameters (both editions of the DGX B300 SuperPOD, every CPU node of
    the CPU cluster); a fabric already seen for the same servers is kept once. Laid
    out once per process (about a second) and kept.

    Examples
    --------
    >>> p = next(p for p in fabric_presets() if p.template_id == "dgx-h100-superpod")
    >>> sorted(p.node_types), p.fabric.topology, p.fabric.rails, p.fabric.nic_speed_gbps
    (['dgx-h100'], 'rail_optimized', 8, 400.0)
    """
    return _builtin_presets()


def missing_figures(device: DeviceType) -> tuple[str, ...]:
    """Return the figures a device's catalog entry lacks of power and weight.

    A figure the catalog lacks counts as zero in the hall's power, heat and floor
    loading, so a switch without them makes a fabric look lighter than it is.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> cat = load_catalog(user_dir=None)
    >>> missing_figures(cat.devices["sn4600c"]), missing_figures(cat.devices["qm9700"])
    (('power', 'weight'), ())
    """
    return tuple(name for name, fig in (("power", device.power_max_w),
                                        ("weight", device.weight_kg)) if fig.value is None)


def _pick_switch(catalog: Catalog, speed_gbps: float, generation: str, purpose: str) -> str:
    """Return the switch for links of ``speed_gbps``: a reference design's, else the catalog's.

    Switches whose power and weight the catalog has come first, where one has ports
    that run at the link speed or break out into it (up to 8 links a port): a switch
    without them counts as 0 W and 0 kg. Of those, a switch a built-in design of the
    same generation and purpose uses comes first; then the switch whose native port
    speed is closest above the link speed, fixed boxes before modular chassis (6 RU
    and taller), most ports at that speed first, a known power figure before an
    unknown one. Front-end and management networks are Ethernet: no InfiniBand switch
    for them (a storage network may be either).

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> cat = load_catalog(user_dir=None)
    >>> _pick_switch(cat, 100, "hopper", "front_end"), _pick_switch(cat, 1, "hopper", "management")
    ('arista-7060x6-64pe', 'sn2201')
    """
    usable = {d.id: d for d in catalog.by_role("switch")
              if d.switch_port_speed_gbps >= speed_gbps and ports_at_speed(d, None, speed_gbps) >= 2
              and (purpose in ("scale_out", "storage") or d.protocol != "infiniband")}
    if not usable:
        kind = "" if purpose in ("scale_out", "storage") else "Ethernet "
        raise InputError(None, "fabric switch",
                         f"a catalog {kind}switch with ports of at least {speed_gbps:g} Gb/s")
    figured = {k: d for k, d in usable.items()
               if d.switch_port_speed_gbps <= _MAX_BREAKOUT * speed_gbps
               and not missing_figures(d)}
    pool = figured or usable
    for p in fabric_presets():
        if p.generation == generation and p.fabric.purpose == purpose and p.fabric.tiers:
            sw = p.fabric.tiers[0].switch
            if sw in pool and p.fabric.nic_speed_gbps == speed_gbps:
                return sw
    # fixed boxes before modular chassis (a 10 RU 7804R4 has the most ports, but a
    # front-end network of chassis is no one's first design)
    return min(pool.values(),
               key=lambda d: (d.switch_port_speed_gbps / speed_gbps,
                              (d.u_height or 1) >= _MODULAR_U,
                              -ports_at_speed(d, None, speed_gbps),
                              d.power_max_w.value is None, d.id)).id


#: a switch this many RU or taller is a modular chassis
_MODULAR_U = 6


def _derived(catalog: Catalog, types: Sequence[str], purpose: str) -> tuple[Fabric, str]:
    """Return a fabric for ``types`` from their catalog ports alone."""
    devs = [catalog.devices[t] for t in types]
    # a management network is the out-of-band one every server has (its BMC port, the
    # slowest); the other purposes run at the fastest port of that purpose
    speeds = [p.speed_gbps for d in devs for p in d.ports if p.purpose == purpose]
    speed = min(speeds) if purpose == "management" else max(speeds)
    ports = sorted({d.port_count(purpose) for d in devs})
    gens = sorted({d.generation for d in devs})
    switch = _pick_switch(catalog, speed, gens[0], purpose)
    down = ports_at_speed(catalog.devices[switch], None, speed) // 2
    per_gpu = 0
    if purpose == "scale_out":
        ratios = {d.port_count(purpose) / d.gpus for d in devs}
        if len(ratios) == 1 and (r := ratios.pop()).is_integer() and r >= 1:
            per_gpu = int(r)
    rail = purpose == "scale_out" and len(ports) == 1 and 2 <= ports[0] <= min(16, down)
    fabric = Fabric(id="new", purpose=purpose, topology="rail_optimized" if rail else "clos",
                    tiers=[FabricTier(name=n, switch=switch) for n in ("leaf", "spine", "core")],
                    nic_speed_gbps=speed, ports_per_gpu=per_gpu,
                    rails=ports[0] if rail else 1, su_nodes=max(1, down))
    return fabric, (f"from the catalog: {speed:g} Gb/s ports, "
                    f"{catalog.devices[switch].name} switches")


def matching_presets(catalog: Catalog, types: Iterable[str],
                     purpose: str = "scale_out") -> list[FabricPreset]:
    """Return the reference-design fabrics of ``purpose`` for servers of ``types``, best first.

    ``types`` lists the servers' catalog ids, one per server (or each type once). Best:
    the design that serves the most of these servers (34 DGX H100 beside 2 DGX B200
    start from the H100 design), then the most of their types; then one that uses
    only them, of their own generation (before the generic fat-tree); then a published
    reference design (the DGX SuperPOD before the DGX H100 hall); then by label.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> [p.label for p in matching_presets(load_catalog(user_dir=None), ["dgx-b300-busbar"])]
    ['dgx-b300-superpod (edition=dc-busbar)']
    >>> sorted(matching_presets(load_catalog(user_dir=None),
    ...                         ["dgx-h100"] * 34 + ["dgx-b200"] * 2)[0].node_types)
    ['dgx-h100']
    """
    counts = Counter(types)
    kinds = set(counts)
    gens = {catalog.devices[t].generation for t in kinds if t in catalog.devices}
    scored = []
    for p in fabric_presets():
        hit = p.node_types.intersection(kinds)
        if p.fabric.purpose == purpose and hit and all(
                t.switch in catalog.devices for t in p.fabric.tiers):
            served = sum(counts[t] for t in hit)
            scored.append(((-served, -len(hit), p.node_types != kinds,
                            p.generation not in gens, p.choice is not None, not p.published,
                            p.label), p))
    return [p for _key, p in sorted(scored, key=lambda kp: kp[0])]


def _fabric_racks(layout: Layout, f: Fabric) -> set[str]:
    return set(f.members) if f.members else {r.id for r in layout.racks}


def _loose(layout: Layout, catalog: Catalog, rack_ids: Sequence[str], purpose: str):
    """Return the hall's joining devices by rack, the selection's, and the racks taken by
    another fabric of ``purpose`` (with its id)."""
    # in natural order: a rubber band picks racks in no order, and the fabric keeps it
    picked = sorted(dict.fromkeys(rack_ids), key=natural_key) or [r.id for r in layout.racks]
    everyone = node_types(layout, catalog, [r.id for r in layout.racks], purpose)
    nodes = {r: everyone[r] for r in picked if r in everyone}
    taken = {r: f.id for f in layout.fabrics if f.purpose == purpose
             for r in _fabric_racks(layout, f)}
    return picked, everyone, nodes, taken


def plan_presets(layout: Layout, catalog: Catalog, rack_ids: Sequence[str],
                 purpose: str = "scale_out") -> list[FabricPreset]:
    """Return the reference designs :func:`suggest_fabric` can follow for these racks.

    They are :func:`matching_presets` of the servers that would be members: those of
    the selected racks in no fabric of ``purpose`` yet, so servers of a fabric already
    built, selected with them, do not bring their own designs.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> cat = load_catalog(user_dir=None)
    >>> h100 = Rack(id="A", type="rack-800x1200", x_m=2, y_m=2,
    ...             devices=[MountedDevice(type="dgx-h100", u=1)])
    >>> h200 = Rack(id="B", type="rack-800x1200", x_m=3, y_m=2,
    ...             devices=[MountedDevice(type="dgx-h200", u=1)])
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]), racks=[h100, h200])
    >>> sorted({t for p in plan_presets(lay, cat, ["A", "B"]) for t in p.node_types})
    ['dgx-h100']
    >>> lay = add_fabric(lay, suggest_fabric(lay, cat, ["A"]).fabric, cat)
    >>> plan_presets(lay, cat, ["A", "B"])  # A's servers have their fabric: B's have no design
    []
    """
    _picked, _everyone, nodes, taken = _loose(layout, catalog, rack_ids, purpose)
    types = [t for r, ts in nodes.items() if r not in taken for t in ts]
    return matching_presets(catalog, types, purpose) if types else []


def _names(catalog: Catalog, types: Iterable[str]) -> str:
    return ", ".join(sorted(catalog.devices[t].name if t in catalog.devices else t
                            for t in types))


def fabric_name(purpose: str, speed_gbps: float, topology: str, fabric_id: str,
                taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return the name a new fabric gets from its purpose, link speed and topology; a
    second fabric of the same kind is told apart by its id.

    Examples
    --------
    >>> fabric_name("front_end", 100, "clos", "fe")
    'Front-end network: 100G, clos'
    >>> fabric_name("front_end", 100, "rail_optimized", "fe-2",
    ...             {"Front-end network: 100G, rail-optimized"})
    'Front-end network: 100G, rail-optimized (fe-2)'
    """
    name = f"{PURPOSE_NAMES[purpose][0]}: {speed_gbps:g}G, {topology.replace('_', '-')}"
    return f"{name} ({fabric_id})" if name in taken else name


def suggest_fabric(layout: Layout, catalog: Catalog, rack_ids: Sequence[str],
                   purpose: str = "scale_out", preset: str | None = None) -> FabricPlan:
    """Return a fabric of ``purpose`` over the selected racks, sized as a reference design.

    Members are the selected racks whose servers join a fabric of that purpose
    and belong to no other fabric of it; network racks are the selected racks
    that hold no such server (none selected: the whole hall is considered). The
    fabric gets a fresh id and is not yet part of ``layout``
    (:func:`engine.edits.add_fabric` adds it). ``preset`` names the reference design
    to follow by its :attr:`FabricPreset.label` (``"catalog"``: the catalog's ports
    alone); by default the best of :func:`matching_presets`.

    Raises
    ------
    InputError
        When no selected rack holds a server that can join, or all of them are in
        another fabric of the same purpose already.
    """
    if purpose not in PURPOSE_NAMES:
        raise InputError(None, "fabric purpose", f"one of {', '.join(PURPOSE_NAMES)}")
    # every rack's joining devices, looked up once: the selection's, and the hall's for
    # whether the selection covers it
    picked, everyone, nodes, taken = _loose(layout, catalog, rack_ids, purpose)
    what = "GPU servers or rack-scale systems" if purpose == "scale_out" else \
        f"devices with {purpose.replace('_', '-')} ports"
    if not nodes:
        raise InputError(None, "fabric members", f"selected racks holding {what}")
    members = [r for r in nodes if r not in taken]
    if not members:
        owners = sorted({taken[r] for r in nodes})
        raise InputError(None, "fabric members",
                         f"racks outside fabric {', '.join(owners)}, which already joins "
                         f"the selected {what}")
    gpu_racks = nodes if purpose == "scale_out" else node_types(layout, catalog, picked,
                                                                   "scale_out")
    systems = {r.id for r in layout.racks if r.system}
    network = [r for r in picked if r not in nodes and r not in gpu_racks and r not in systems]
    types = sorted({t for r in members for t in nodes[r]})
    found = matching_presets(catalog, [t for r in members for t in nodes[r]], purpose) \
        if preset != "catalog" else []
    if preset not in (None, "catalog"):
        found = [p for p in found if p.label == preset]
        if not found:
            # said with the names the user sees: the design's title, the servers' names
            other = next((p for p in fabric_presets() if p.label == preset), None)
            design = f"{other.display_name} is for {_names(catalog, other.node_types)}" \
                if other is not None else f"there is no built-in design {preset!r}"
            raise InputError(None, "fabric preset",
                             f"a reference design that uses {_names(catalog, types)} "
                             f"({design})")
    if found:
        base, basis = found[0].fabric, f"as in the {found[0].label} template"
    else:
        base, basis = _derived(catalog, types, purpose)
    fid = fresh_id(layout.all_ids(), PURPOSE_NAMES[purpose][1])
    name = fabric_name(purpose, base.nic_speed_gbps, base.topology, fid,
                       {f.name for f in layout.fabrics})
    fabric = base.model_copy(update={"id": fid, "name": name,
                                     "members": members, "network_racks": network})
    return FabricPlan(Fabric.model_validate(fabric.model_dump()), basis,
                      covers_hall=set(members) == set(everyone) and not taken)



@dataclass(frozen=True)
class FabricJoin:
    """An existing fabric that the selected racks can join.

    ``racks`` are the racks added to its members; ``fabric`` is the fabric with
    them added (same id); ``same_servers`` is true when its members hold the same
    server types as the racks.
    """

    fabric: Fabric
    racks: tuple[str, ...]
    same_servers: bool

    @property
    def label(self) -> str:
        """How a list names the choice: ``Join fabric compute (Compute fabric: ...)``."""
        return f"Join fabric {self.fabric.id} ({self.fabric.name})"


def join_options(layout: Layout, catalog: Catalog, rack_ids: Sequence[str],
                 purpose: str = "scale_out") -> list[FabricJoin]:
    """Return the fabrics of ``purpose`` that the selected racks' loose servers can join.

    Loose racks are the selected racks (none selected: the whole hall) holding
    servers that join a fabric of ``purpose`` and are in none yet. Every fabric of
    that purpose with a member list is a choice (one whose member list is empty
    already takes every such rack), those of the same server types first, then
    the largest.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> cat = load_catalog(user_dir=None)
    >>> racks = [Rack(id=f"R{i}", type="rack-800x1200", x_m=1.0 + 0.8 * i, y_m=2.0,
    ...               devices=[MountedDevice(type="dgx-h100", u=1 + 10 * k) for k in range(4)])
    ...          for i in range(3)]
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 6), (0, 6)]), racks=racks,
    ...              fabrics=[suggest_fabric(Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...                                             racks=racks[:2]), cat, ["R0", "R1"]).fabric])
    >>> [(j.fabric.id, j.racks, j.fabric.members, j.same_servers)
    ...  for j in join_options(lay, cat, ["R2"])]
    [('compute', ('R2',), ['R0', 'R1', 'R2'], True)]
    """
    # in natural order: a rubber band picks racks in no order, and the fabric keeps it
    picked = sorted(dict.fromkeys(rack_ids), key=natural_key) or [r.id for r in layout.racks]
    mine = [f for f in layout.fabrics if f.purpose == purpose]
    if not mine or any(not f.members for f in mine):
        return []
    taken = {r for f in mine for r in f.members}
    nodes = node_types(layout, catalog, [r for r in picked if r not in taken], purpose)
    if not nodes:
        return []
    types = {t for ts in nodes.values() for t in ts}
    out = []
    for f in mine:
        theirs = {t for ts in node_types(layout, catalog, f.members, purpose).values()
                  for t in ts}
        grown = f.model_copy(update={"members": [*f.members, *nodes]})
        out.append(FabricJoin(grown, tuple(nodes), bool(theirs) and types <= theirs))
    return sorted(out, key=lambda j: (not j.same_servers, -len(j.fabric.members), j.fabric.id))


@dataclass(frozen=True)
class FabricPreview:
    """What a fabric builds in a layout: its figures and the rules it breaks.

    ``figures`` is the fabric's entry of the analysis (``network.fabrics``: tiers,
    switches and cables per tier, bisection); ``violations`` the rule violations that
    name the fabric or its racks (their JSON form); ``notes`` say why a count is
    not the one the ports alone would give (:meth:`engine.fabric.FabricPlan.spine_note`).
    """

    figures: dict
    violations: list[dict]
    notes: tuple[str, ...] = ()


def preview_fabric(layout: Layout, catalog: Catalog, fabric: Fabric,
                   before: Iterable[dict] | None = None) -> FabricPreview:
    """Analyse ``layout`` with ``fabric`` added and return what the fabric builds.

    A fabric whose id the layout has already (a :class:`FabricJoin`'s) replaces that
    fabric's members instead.

    The violations are those the fabric brings: rules broken on items they were not
    broken on in ``before`` (the layout's violations without it, in their JSON form;
    analysed here when not given), such as what its switches do to their racks (power,
    air, weight), and every violation that names the fabric.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> cat = load_catalog(user_dir=None)
    >>> racks = [Rack(id=f"R{i}", type="rack-800x1200", x_m=1.0 + 0.8 * i, y_m=2.0,
    ...               devices=[MountedDevice(type="dgx-h100", u=1 + 10 * k) for k in range(4)])
    ...          for i in range(8)]
    >>> net = Rack(id="N1", type="rack-800x1200", x_m=8.0, y_m=2.0)
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 6), (0, 6)]), racks=[*racks, net])
    >>> p = preview_fabric(lay, cat, suggest_fabric(lay, cat, [r.id for r in lay.racks]).fabric)
    >>> p.figures["switches"], p.figures["per_gpu_bisection_gbps"]
    ({'leaf': 8, 'spine': 4, 'core': 0}, 400.0)
    """
    from engine.analysis import analyze

    joined = any(f.id == fabric.id for f in layout.fabrics)
    if joined:
        lay = set_field(layout, [fabric.id], "members", list(fabric.members), catalog=catalog)
    else:
        lay = add_fabric(layout, fabric, catalog)
    result = analyze(lay, catalog)
    figures = next((f for f in result.network.fabrics if f.get("id") == fabric.id), {})
    topo = result.network.topology
    plan = next((fb.plan for fb in (topo.fabrics if topo is not None else [])
                 if fb.id == fabric.id), None)
    notes = tuple(n for n in [plan.spine_note() if plan is not None else ""] if n)
    if before is None:
        before = [v.to_dict() for v in analyze(layout, catalog).violations]
    # what the layout already broke is not news: a violation is new when its rule did not
    # fire on the same items before (a network rack its switches push over the air limit
    # is new even in a hall whose server racks are over it already)
    known = {(v["code"], tuple(v["items"])) for v in before}
    return FabricPreview(figures, [v.to_dict() for v in result.violations
                                   if (v.code, tuple(v.items)) not in known
                                   or (fabric.id in v.items and not joined)], notes)
