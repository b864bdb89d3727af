"""Compile a Layout + Catalog into a struct of numpy arrays with id <-> index maps.

The analysis domains (power, cooling, floor, cabling, network) are functions of
these arrays. Devices are rows of ``dev_*`` arrays grouped by rack; each rack
also carries its aggregates (power, heat split, airflow, weight, U used), so an
edit to one rack patches one row (:func:`patch_rack`) instead of recompiling.

Geometry convention: a rack's ``x_m``/``y_m`` is the centre of its footprint;
at ``rotation_deg`` 0 its front (cold side) faces -y, and rotation turns the
rack counter-clockwise in plan.

Examples
--------
>>> from engine.model import Hall, Layout, MountedDevice, Rack
>>> from engine.catalog import load_catalog
>>> cat = load_catalog(user_dir=None)
>>> lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 10), (0, 10)]))
>>> lay.racks.append(Rack(id="R1", type="rack-800x1200", x_m=2, y_m=2,
...     devices=[MountedDevice(type="dgx-h100", u=1 + 8 * i) for i in range(4)]))
>>> arr = compile_layout(lay, cat)
>>> float(arr.rack_power_w[0])
40800.0
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from engine.arrayops import unique_sorted
from engine.catalog import FACILITY_KIND_WORDS, Catalog, DeviceType
from engine.errors import InputError
from engine.memo import LastValue
from engine.model import Layout, Rack
from engine.rules import Violation, rule

__all__ = ["TypeTable", "LayoutArrays", "compile_layout", "patch_rack", "rack_geometry",
           "front_vectors", "ROLE_CODES"]

ROLE_CODES = {"gpu_server": 0, "rack_system": 1, "cpu_node": 2, "switch": 3, "nic": 4,
              "storage": 5, "power_shelf": 6, "other": 7}
_CFM_PER_W_PER_F = 3.16  # CFM = 3.16 x W / dT(F) [S57]


@dataclass
class TypeTable:
    """Per-device-type figures as arrays, indexed by a type index."""

    ids: list[str]
    index: dict[str, int]
    power_w: np.ndarray
    power_includes_optics: np.ndarray
    ports_per_cage: np.ndarray
    lane_gbps: np.ndarray
    liquid_fraction: np.ndarray
    airflow_cfm: np.ndarray  # NaN where the catalog has no published airflow
    weight_kg: np.ndarray
    gpus: np.ndarray
    cpus: np.ndarray
    u_height: np.ndarray  # 0 for rack-scale systems
    role: np.ndarray
    scaleout_ports: np.ndarray
    scaleout_gbps: np.ndarray
    scaleup_gpus: np.ndarray
    scaleup_gbps_per_gpu: np.ndarray
    switch_ports: np.ndarray
    switch_port_gbps: np.ndarray

    @classmethod
    def from_types(cls, types: list[DeviceType]) -> TypeTable:
        """Build the table from device types (one row each)."""
        f = np.float64
        return cls(
            ids=[t.id for t in types],
            index={t.id: i for i, t in enumerate(types)},
            power_w=np.array([t.power_max_w.v(t.power_typical_w.v()) for t in types], f),
            power_includes_optics=np.array([t.power_counts_optics for t in types], bool),
            ports_per_cage=np.array([t.ports_per_cage for t in types], np.int64),
            lane_gbps=np.array([t.lane_gbps for t in types], f),
            liquid_fraction=np.array([t.liquid_fraction.v() for t in types], f),
            airflow_cfm=np.array([t.airflow_cfm.v(np.nan) for t in types], f),
            weight_kg=np.array([t.weight_kg.v() for t in types], f),
            gpus=np.array([t.gpus for t in types], np.int64),
            cpus=np.array([t.cpus for t in types], np.int64),
            u_height=np.array([t.u_height or 0 for t in types], np.int64),
            role=np.array([ROLE_CODES[t.role] for t in types], np.int64),
            scaleout_ports=np.array([t.port_count("scale_out") for t in types], np.int64),
            scaleout_gbps=np.array([t.port_speed_gbps("scale_out") for t in types], f),
            scaleup_gpus=np.array([t.scaleup_domain_gpus for t in types], np.int64),
            scaleup_gbps_per_gpu=np.array([t.scaleup_gbps_per_gpu.v() for t in types], f),
            switch_ports=np.array([t.switch_ports for t in types], np.int64),
            switch_port_gbps=np.array([t.switch_port_speed_gbps for t in types], f),
        )


@dataclass
class LayoutArrays:
    """The layout as arrays. Rack rows follow ``layout.racks`` order."""

    types: TypeTable
    rack_ids: list[str]
    rack_index: dict[str, int]
    rack_x_m: np.ndarray
    rack_y_m: np.ndarray
    rack_rot_deg: np.ndarray
    rack_w_m: np.ndarray  # footprint width along the front face
    rack_d_m: np.ndarray  # footprint depth front to back
    rack_height_u: np.ndarray
    rack_empty_kg: np.ndarray
    # per-rack aggregates
    rack_power_w: np.ndarray
    rack_liquid_w: np.ndarray
    rack_airflow_cfm: np.ndarray
    rack_weight_kg: np.ndarray
    rack_gpus: np.ndarray
    rack_cpus: np.ndarray
    rack_servers: np.ndarray
    rack_cpu_nodes: np.ndarray
    rack_switches: np.ndarray
    rack_u_used: np.ndarray
    rack_scaleup_gpus: np.ndarray  # NVLink domain size of the rack's GPUs (max)
    # devices (rows grouped by rack in layout order)
    dev_rack: np.ndarray
    dev_type: np.ndarray
    dev_u: np.ndarray
    # per-rack problems found while compiling: (rack index, code, message)
    rack_problems: list[tuple[int, str, str]] = field(default_factory=list)
    #: digest of the device rows and rack heights (see :func:`engine.fabric.topology_key`),
    #: kept by a patch that only moves a rack, dropped by one that changes what it holds
    structure_digest: str | None = None

    @property
    def n_racks(self) -> int:
        """Number of racks."""
        return len(self.rack_ids)

    def copy(self) -> LayoutArrays:
        """Return a copy whose arrays can be patched without changing this one."""
        out = copy.copy(self)
        for f in fields(self):
            val = getattr(self, f.name)
            if isinstance(val, np.ndarray):
                setattr(out, f.name, val.copy())
        out.rack_problems = list(self.rack_problems)
        return out


def _unknown_device(layout: Layout, type_id: str) -> InputError:
    for ri, rack in enumerate(layout.racks):
        if rack.system == type_id:
            return InputError(None, f"racks[{ri}].system",
                              f"a device type of the catalog (unknown {type_id!r})")
        for j, dv in enumerate(rack.devices):
            if dv.type == type_id:
                return InputError(None, f"racks[{ri}].devices[{j}].type",
                                  f"a device type of the catalog (unknown {type_id!r})")
    return InputError(None, "racks", f"a device type of the catalog (unknown {type_id!r})")


#: what a device of each catalog role is, in a message about where it goes
_ROLE_WORDS = {"gpu_server": "a GPU server", "cpu_node": "a CPU node", "switch": "a switch",
               "nic": "a network card", "storage": "a storage device",
               "power_shelf": "a power shelf", "other": "a device"}


def _misplaced(layout: Layout, catalog: Catalog, system_types: set[str],
               device_types: set[str]) -> InputError | None:
    """Return the error for the first rack content in the wrong place, else ``None``.

    A rack-scale system (catalog role ``rack_system``, such as a GB200 NVL72) fills
    its own rack and has no U height: it is a rack's ``system``, never one of its
    ``devices``; anything else is mounted by U in ``devices``. The edit commands
    refuse both mistakes; a file that makes one is refused here, where unknown types
    are. ``system_types`` and ``device_types`` are the types the racks use in each
    place (all in the catalog).

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import Hall
    >>> cat = load_catalog(user_dir=None)
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), racks=[
    ...     Rack(id="R1", type="nvl72-rack", x_m=1, y_m=1, system="dgx-h100")])
    >>> str(_misplaced(lay, cat, {"dgx-h100"}, set()))
    "racks[0].system: expected a rack-scale system (dgx-h100 is a GPU server, mounted by U: put it in the rack's devices)"
    """
    wrong_systems = {t for t in system_types if catalog.devices[t].role != "rack_system"}
    wrong_devices = {t for t in device_types if catalog.devices[t].role == "rack_system"}
    if not wrong_systems and not wrong_devices:
        return None
    for ri, rack in enumerate(layout.racks):
        if rack.system in wrong_systems:
            dt = catalog.devices[rack.system]
            what = _ROLE_WORDS.get(dt.role, "a device") + (", mounted by U" if dt.u_height else "")
            return InputError(None, f"racks[{ri}].system",
                              f"a rack-scale system ({rack.system} is {what}: put it in the "
                              "rack's devices)")
        if rack.system is None:
            for j, dv in enumerate(rack.devices):
                if dv.type in wrong_devices:
                    return InputError(None, f"racks[{ri}].devices[{j}].type",
                                      f"a device mounted by U ({dv.type} is a rack-scale "
                                      "system, which fills its rack: put it in the rack's "
                                      "system field)")
    return None


def _rack_footprint(cat: Catalog, rack: Rack, ri: int) -> tuple[float, float, int, float]:
    try:
        rt = cat.racks[rack.type]
    except KeyError:
        raise InputError(None, f"racks[{ri}].type",
                         f"a rack type of the catalog (unknown {rack.type!r})") from None
    return (rt.width_mm.v(600) / 1000.0, rt.depth_mm.v(1200) / 1000.0, rt.height_u,
            rt.weight_kg.v(0.0))


def rack_geometry(x_m, y_m, w_m, d_m, rot_deg):
    """Return axis-aligned half extents ``(hx, hy)`` of rack footprints.

    Racks rotate in 90 degree steps, so every footprint stays axis-aligned.

    Examples
    --------
    >>> rack_geometry(0, 0, np.array([0.6]), np.array([1.2]), np.array([90]))
    (array([0.6]), array([0.3]))
    """
    quarter = (np.asarray(rot_deg) // 90) % 2 == 1
    hx = np.where(quarter, d_m, w_m) / 2.0
    hy = np.where(quarter, w_m, d_m) / 2.0
    return hx, hy


def front_vectors(rot_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return unit vectors ``(fx, fy)`` pointing out of each rack's front.

    Examples
    --------
    >>> front_vectors(np.array([0, 90]))
    (array([0., 1.]), array([-1.,  0.]))
    """
    th = np.deg2rad(np.asarray(rot_deg, dtype=np.float64))
    # + 0.0 turns the -0.0 of round(-cos(90 deg)) into 0.0
    return np.round(np.sin(th), 12) + 0.0, np.round(-np.cos(th), 12) + 0.0


#: the way a rack's front faces at each rotation, as :func:`front_vectors` gives it for
#: one rack without numpy (0 degrees faces -y, 90 +x, 180 +y, 270 -x)
FRONT_BY_ROTATION: dict[int, tuple[int, int]] = {0: (0, -1), 90: (1, 0), 180: (0, 1),
                                                  270: (-1, 0)}


def airflow_from_heat_cfm(air_w: np.ndarray | float, delta_t_air_k: float) -> np.ndarray:
    """Return the airflow (CFM) that carries ``air_w`` watts at an air temperature rise
    of ``delta_t_air_k``: CFM = 3.16 x W / dT(F).

    Examples
    --------
    >>> round(float(airflow_from_heat_cfm(10_200.0, 11.7)), 0)
    1530.0
    """
    return _CFM_PER_W_PER_F * np.asarray(air_w, np.float64) / (delta_t_air_k * 1.8)


def _aggregate(rack_of_row: np.ndarray, dev_type: np.ndarray, dev_u: np.ndarray, tt: TypeTable,
               n_racks: int, delta_t_air_k: float, util: float,
               rack_height_u: np.ndarray) -> dict[str, np.ndarray]:
    power = tt.power_w[dev_type] * util
    liquid = power * tt.liquid_fraction[dev_type]
    air = power - liquid
    published = tt.airflow_cfm[dev_type]
    derived = airflow_from_heat_cfm(air, delta_t_air_k)
    airflow = np.where(np.isnan(published), derived, published)
    is_system = tt.role[dev_type] == ROLE_CODES["rack_system"]
    u_span = np.where(is_system, rack_height_u[rack_of_row] if len(rack_of_row) else 0,
                      tt.u_height[dev_type])
    role = tt.role[dev_type]

    def s(w):
        return np.bincount(rack_of_row, weights=w, minlength=n_racks)

    def c(mask):
        return np.bincount(rack_of_row, weights=mask.astype(np.float64),
                           minlength=n_racks).astype(np.int64)

    scaleup = np.zeros(n_racks, np.int64)
    if len(rack_of_row):
        np.maximum.at(scaleup, rack_of_row, tt.scaleup_gpus[dev_type])
    return {
        "rack_power_w": s(power),
        "rack_liquid_w": s(liquid),
        "rack_airflow_cfm": s(airflow),
        "rack_weight_kg": s(tt.weight_kg[dev_type]),
        "rack_gpus": s(tt.gpus[dev_type].astype(np.float64)).astype(np.int64),
        "rack_cpus": s(tt.cpus[dev_type].astype(np.float64)).astype(np.int64),
        "rack_servers": c((role == 0) | (role == 1)),
        "rack_cpu_nodes": c(role == 2),
        "rack_switches": c(role == 3),
        "rack_u_used": s(u_span.astype(np.float64)).astype(np.int64),
        "rack_scaleup_gpus": scaleup,
    }


def _u_problems(rack_of_row, dev_type, dev_u, tt, rack_height_u, rack_ids):
    """Find devices that overlap in U or exceed their rack (vectorized)."""
    problems: list[tuple[int, str, str]] = []
    if not len(rack_of_row):
        return problems
    h = tt.u_height[dev_type]
    is_system = tt.role[dev_type] == ROLE_CODES["rack_system"]
    sized = ~is_system & (h > 0)
    top = dev_u + h - 1
    over = sized & (top > rack_height_u[rack_of_row])
    for i in np.flatnonzero(over):
        r = int(rack_of_row[i])
        problems.append((r, "RACK-U-OVERFLOW",
                         f"{tt.ids[dev_type[i]]} at U{dev_u[i]} ends at U{top[i]}, above the "
                         f"rack's {rack_height_u[r]}U in {rack_ids[r]}"))
    idx = np.flatnonzero(sized)
    order = idx[np.lexsort((dev_u[idx], rack_of_row[idx]))]
    if len(order) > 1:
        a, b = order[:-1], order[1:]
        clash = (rack_of_row[a] == rack_of_row[b]) & (dev_u[b] <= top[a])
        for ia, ib in zip(a[clash], b[clash], strict=True):
            r = int(rack_of_row[ia])
            problems.append((r, "RACK-U-CONFLICT",
                             f"{tt.ids[dev_type[ib]]} at U{dev_u[ib]} overlaps "
                             f"{tt.ids[dev_type[ia]]} at U{dev_u[ia]} in {rack_ids[r]}"))
    inst = ~is_system & (h == 0)
    for i in np.flatnonzero(inst & (tt.role[dev_type] != ROLE_CODES["nic"])):
        r = int(rack_of_row[i])
        problems.append((r, "RACK-U-UNSIZED", f"{tt.ids[dev_type[i]]} in {rack_ids[r]} "
                         "has no U height in the catalog"))
    return problems


def _enclosure_problems(layout: Layout, catalog: Catalog, rack_index: list[int]
                        ) -> list[tuple[int, str, str]]:
    """Racks (of ``rack_index``) holding a rack-scale system in a rack type other than the
    one the system comes in: the system, its power shelves and its weight are its own
    rack's, so its footprint and enclosure are drawn and weighed wrong."""
    out = []
    for ri in rack_index:
        rack = layout.racks[ri]
        if rack.system is None:
            continue
        sysdev = catalog.devices.get(rack.system)
        want = getattr(sysdev, "rack_type", None)
        if want and rack.type != want:
            have, need = catalog.racks.get(rack.type), catalog.racks.get(want)
            out.append((ri, "RACK-U-ENCLOSURE",
                        f"{rack.id} holds {sysdev.name}, which comes in its own "
                        f"{need.name if need else want} ({want}), in a "
                        f"{have.name if have else rack.type}: set the rack type to {want}"))
    return out


def compile_layout(layout: Layout, catalog: Catalog) -> LayoutArrays:
    """Turn a layout into arrays.

    Raises
    ------
    InputError
        When a rack or device type is not in the catalog, or a rack's contents are in the
        wrong place (a rack-scale system among its devices, a device mounted by U as its
        system); names the field path.
    """
    racks = layout.racks
    n = len(racks)
    flat_type: list[str] = []
    flat_u: list[int] = []
    per_rack = np.empty(n, np.int64)
    system_types: set[str] = set()
    device_types: set[str] = set()
    for ri, rack in enumerate(racks):
        if rack.system:
            flat_type.append(rack.system)
            flat_u.append(1)
            per_rack[ri] = 1
            system_types.add(rack.system)
        else:
            devs = rack.devices
            kinds = [dv.type for dv in devs]
            flat_type += kinds
            device_types.update(kinds)
            flat_u += [dv.u for dv in devs]
            per_rack[ri] = len(devs)
    types: list[DeviceType] = []
    for type_id in dict.fromkeys(flat_type):  # first appearance order
        if type_id not in catalog.devices:
            raise _unknown_device(layout, type_id)
        types.append(catalog.devices[type_id])
    misplaced = _misplaced(layout, catalog, system_types, device_types)
    if misplaced is not None:
        raise misplaced
    index = {t.id: i for i, t in enumerate(types)}
    rack_types = [r.type for r in racks]
    feet = {}
    for type_id in dict.fromkeys(rack_types):
        ri = rack_types.index(type_id)
        feet[type_id] = _rack_footprint(catalog, racks[ri], ri)
    foot = np.array([feet[t] for t in rack_types], np.float64).reshape(n, 4)
    w, d, empty = foot[:, 0].copy(), foot[:, 1].copy(), foot[:, 3].copy()
    hu = foot[:, 2].astype(np.int64)
    rack_of_row = np.repeat(np.arange(n, dtype=np.int64), per_rack)
    dev_type = [index[t] for t in flat_type]
    dev_u = flat_u
    tt = TypeTable.from_types(types)
    rr = np.asarray(rack_of_row, np.int64)
    dt = np.asarray(dev_type, np.int64)
    du = np.asarray(dev_u, np.int64)
    a = layout.assumptions
    agg = _aggregate(rr, dt, du, tt, n, a.delta_t_air_k, a.utilization_factor, hu)
    agg["rack_weight_kg"] = agg["rack_weight_kg"] + empty
    rack_ids = [r.id for r in layout.racks]
    return LayoutArrays(
        types=tt,
        rack_ids=rack_ids,
        rack_index={rid: i for i, rid in enumerate(rack_ids)},
        rack_x_m=np.array([r.x_m for r in layout.racks], np.float64),
        rack_y_m=np.array([r.y_m for r in layout.racks], np.float64),
        rack_rot_deg=np.array([r.rotation_deg for r in layout.racks], np.int64),
        rack_w_m=w, rack_d_m=d, rack_height_u=hu, rack_empty_kg=empty,
        dev_rack=rr, dev_type=dt, dev_u=du,
        rack_problems=sorted(_u_problems(rr, dt, du, tt, hu, rack_ids)
                             + _enclosure_problems(layout, catalog, range(n)),
                             key=lambda p: p[0]),
        **agg,
    )


def patch_rack(arr: LayoutArrays, layout: Layout, catalog: Catalog, rack_id: str) -> bool:
    """Update the arrays in place for one edited or moved rack.

    Returns ``False`` when the edit needs a full recompile (the rack is new,
    removed, or uses a device type the arrays do not know yet).
    """
    ri = arr.rack_index.get(rack_id)
    if ri is None or ri >= len(layout.racks) or layout.racks[ri].id != rack_id:
        return False
    rack = layout.racks[ri]
    if rack.type not in catalog.racks:
        return False
    entries = [rack.system] if rack.system else [dv.type for dv in rack.devices]
    if any(t not in arr.types.index for t in entries):
        return False
    if _misplaced(layout, catalog, {rack.system} if rack.system else set(),
                  set(entries) - {rack.system}) is not None:
        return False  # a full compile says what is wrong and where
    wr, dr, hur, er = _rack_footprint(catalog, rack, ri)
    if arr.rack_height_u[ri] != hur:
        arr.structure_digest = None
    arr.rack_x_m[ri], arr.rack_y_m[ri] = rack.x_m, rack.y_m
    arr.rack_rot_deg[ri] = rack.rotation_deg
    arr.rack_w_m[ri], arr.rack_d_m[ri], arr.rack_height_u[ri], arr.rack_empty_kg[ri] = wr, dr, hur, er
    tix = np.array([arr.types.index[t] for t in entries], np.int64)
    us = np.array([1] if rack.system else [dv.u for dv in rack.devices], np.int64)
    rows = np.zeros(len(tix), np.int64)
    a = layout.assumptions
    agg = _aggregate(rows, tix, us, arr.types, 1, a.delta_t_air_k, a.utilization_factor,
                     np.array([hur]))
    for key, val in agg.items():
        getattr(arr, key)[ri] = val[0]
    arr.rack_weight_kg[ri] += er
    # device rows of this rack: replace the contiguous block
    lo = int(np.searchsorted(arr.dev_rack, ri, side="left"))
    hi = int(np.searchsorted(arr.dev_rack, ri, side="right"))
    if hi - lo == len(tix):
        if not (np.array_equal(arr.dev_type[lo:hi], tix) and np.array_equal(arr.dev_u[lo:hi], us)):
            arr.structure_digest = None
        arr.dev_type[lo:hi] = tix
        arr.dev_u[lo:hi] = us
    else:
        arr.structure_digest = None
        arr.dev_rack = np.concatenate([arr.dev_rack[:lo], np.full(len(tix), ri), arr.dev_rack[hi:]])
        arr.dev_type = np.concatenate([arr.dev_type[:lo], tix, arr.dev_type[hi:]])
        arr.dev_u = np.concatenate([arr.dev_u[:lo], us, arr.dev_u[hi:]])
    arr.rack_problems = [p for p in arr.rack_problems if p[0] != ri]
    arr.rack_problems.extend(_u_problems(np.full(len(tix), ri), tix, us, arr.types,
                                         arr.rack_height_u, arr.rack_ids))
    arr.rack_problems.extend(_enclosure_problems(layout, catalog, [ri]))
    arr.rack_problems.sort(key=lambda p: p[0])
    return True


def type_generations(tt: TypeTable, catalog: Catalog, default: str = "") -> np.ndarray:
    """Return the catalog generation of each device type of ``tt`` (``default`` if unknown).

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> cat = load_catalog(user_dir=None)
    >>> tt = TypeTable.from_types([cat.devices["dgx-h100"], cat.devices["gb200-nvl72"]])
    >>> type_generations(tt, cat).tolist()
    ['hopper', 'blackwell']
    """
    return np.array([getattr(catalog.devices.get(t), "generation", default) for t in tt.ids],
                    dtype=object)


@rule("GEN-MIXED", "catalog", "GPU hardware of another generation than the layout's.")
def _check_generation(ctx) -> list[Violation]:
    """Racks holding GPU servers or rack-scale systems of another generation.

    The layout's generation picks the palette, templates and comparisons; hardware
    of another generation usually means the generation was switched without
    converting the design (Tools → Retarget does that).
    """
    arr, gen = ctx.arrays, ctx.layout.generation
    tt = arr.types
    if not len(arr.dev_type):
        return []
    type_gen = type_generations(tt, ctx.catalog, default=gen)
    gpu_role = np.isin(tt.role, (ROLE_CODES["gpu_server"], ROLE_CODES["rack_system"]))
    other_type = gpu_role & (type_gen != gen)  # per device type: a handful of entries
    if not other_type.any():
        return []
    other = other_type[arr.dev_type]
    if not other.any():
        return []
    out = []
    found = type_gen[arr.dev_type[other]].astype(str)
    racks = arr.dev_rack[other]
    for g in unique_sorted(found):
        idx = unique_sorted(racks[found == g])
        ids = tuple(arr.rack_ids[i] for i in idx.tolist())
        out.append(Violation(
            "GEN-MIXED", "warning",
            f"{len(ids):,} rack{'s' * (len(ids) != 1)} hold{'s' * (len(ids) == 1)} {g} GPU "
            f"hardware in a {gen} layout "
            f"({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''}); Tools → Retarget "
            f"to {gen} maps it to {gen} hardware (rackscape retarget --generation {gen})",
            ids))
    return out


_UNKNOWN_MODELS: LastValue[list[Violation]] = LastValue()


@rule("MODEL-UNKNOWN", "catalog", "A cooling unit or feed names a model the catalog lacks.")
def _check_models(ctx) -> list[Violation]:
    """Cooling units and feeds carry their own ratings, so an unknown model does not stop
    the analysis; but the report's sources and the bill of materials cannot name it."""
    lay, cat = ctx.layout, ctx.catalog

    def find() -> list[Violation]:
        out = []
        for group, items in (("cooling unit", lay.cooling), ("feed", lay.feeds)):
            for it in items:
                if it.model is not None and it.model not in cat.facility:
                    out.append(Violation("MODEL-UNKNOWN", "warning",
                                         f"{group.capitalize()} {it.id} names model "
                                         f"{it.model!r}, which the catalog does not have; its "
                                         "own ratings are used", (it.id,)))
        return out

    # the unit and feed lists are shared between edits that do not touch them
    return _UNKNOWN_MODELS.get((lay.cooling, lay.feeds, cat), find)


_MODEL_KINDS: LastValue[list[Violation]] = LastValue()


@rule("MODEL-KIND", "catalog", "A cooling unit or feed names a catalog model of another kind.")
def _check_model_kinds(ctx) -> list[Violation]:
    """A CRAH "of" a busway model: its bill line and sources, and the ratings a user
    copies from the model, would be another kind of equipment's."""
    lay, cat = ctx.layout, ctx.catalog

    def find() -> list[Violation]:
        out = []
        for group, items in (("cooling unit", lay.cooling), ("feed", lay.feeds)):
            for it in items:
                spec = cat.facility.get(it.model) if it.model is not None else None
                if spec is not None and spec.kind != it.kind:
                    out.append(Violation(
                        "MODEL-KIND", "error",
                        f"{group.capitalize()} {it.id} ({FACILITY_KIND_WORDS[it.kind]}) names model "
                        f"{it.model!r}, which is {FACILITY_KIND_WORDS.get(spec.kind, 'another kind')}",
                        (it.id,)))
        return out

    return _MODEL_KINDS.get((lay.cooling, lay.feeds, cat), find)


@rule("GEN-UNKNOWN", "catalog", "The layout's generation is none of the catalog's.")
def _check_generation_known(ctx) -> list[Violation]:
    """A generation the catalog does not know picks no palette, templates or comparisons."""
    known = ctx.catalog.generations()
    gen = ctx.layout.generation
    if gen in known:
        return []
    return [Violation("GEN-UNKNOWN", "warning",
                      f"The layout's generation ({gen!r}) is none of the catalog's: expected "
                      f"one of {', '.join(known)}", ("@layout",))]


def _models_in_use(ctx, which: Callable[[DeviceType], bool]) -> tuple[list[str], list[str]]:
    """Return the catalog models in use for which ``which`` holds (installed devices and
    fabric switch models) and the racks that hold them (a fabric's: its network racks)."""
    arr, lay, cat = ctx.arrays, ctx.layout, ctx.catalog
    tt = arr.types
    # a drag may update the device arrays in place, so this runs each time: one
    # bincount over the devices, and the rest only for the few types in use
    used = np.bincount(arr.dev_type, minlength=len(tt.ids)) > 0 if len(arr.dev_type) \
        else np.zeros(len(tt.ids), bool)
    models: list[str] = []
    racks: set[int] = set()
    for i in np.flatnonzero(used).tolist():
        dev = cat.devices.get(tt.ids[i])
        if dev is not None and which(dev):
            models.append(tt.ids[i])
            racks.update(unique_sorted(arr.dev_rack[arr.dev_type == i]).tolist())
    rack_ids = [arr.rack_ids[r] for r in sorted(racks)]
    # switches a fabric generates are not installed devices: their models count too
    for f in lay.fabrics:
        for t in f.tiers:
            dev = cat.devices.get(t.switch)
            if dev is not None and which(dev) and t.switch not in models:
                models.append(t.switch)
                rack_ids += [r for r in f.network_racks if r not in rack_ids]
    return models, rack_ids


@rule("FIGURE-UNKNOWN", "catalog", "Hardware in use whose power or weight the catalog does not "
      "know; it counts as 0 in the totals.")
def _check_unknown_figures(ctx) -> list[Violation]:
    """Devices and fabric switch models without a power or weight figure.

    The catalog leaves a figure no public source gives empty rather than guessing
    it (or carries an estimate marked as such); the analysis then counts 0 W or
    0 kg for it, which understates the feeds, the cooling or the floor load.
    """
    out = []
    for what, unknown, effect in (
            ("power", lambda d: d.power_max_w.value is None
             and d.power_typical_w.value is None, "0 W (feeds and cooling understated)"),
            ("weight", lambda d: d.weight_kg.value is None,
             "0 kg (floor load understated)")):
        models, rack_ids = _models_in_use(ctx, unknown)
        if models:
            out.append(Violation(
                "FIGURE-UNKNOWN", "warning",
                f"The catalog has no {what} figure for {', '.join(sorted(models))}: "
                f"{'it counts' if len(models) == 1 else 'they count'} as {effect}",
                tuple(rack_ids)))
    # transceivers and active cables the cabling chose for the links' lengths
    media = getattr(ctx.network, "power_unknown_by_medium", None) or {}
    if media:
        ends = sum(media.values())
        out.append(Violation(
            "FIGURE-UNKNOWN", "warning",
            f"The catalog has no power figure for {', '.join(sorted(media))} "
            f"({ends:,} cable end{'s' * (ends != 1)}): "
            f"{'it counts' if ends == 1 else 'they count'} as 0 W (feeds and cooling "
            f"understated)", ()))
    return out


@rule("FIGURE-TYPICAL", "catalog", "Hardware in use whose maximum power no public source gives; "
      "its typical figure counts instead.")
def _check_typical_power(ctx) -> list[Violation]:
    """Models whose power counts at the catalog's typical figure, as no maximum is known.

    Every other device counts at its maximum, so a feed or a cooling unit sized from
    these totals has less margin than it seems (for example NVIDIA's SN5600: 940 W
    typical with passive cables, no maximum published [S12]).
    """
    models, rack_ids = _models_in_use(ctx, lambda d: d.power_max_w.value is None
                                      and d.power_typical_w.value is not None)
    if not models:
        return []
    cat = ctx.catalog
    figures = ", ".join(f"{m} {cat.devices[m].power_typical_w.value:,.0f} W"
                        for m in sorted(models))
    return [Violation("FIGURE-TYPICAL", "info",
                      f"The catalog has no maximum power figure for {', '.join(sorted(models))}: "
                      f"the typical figure counts ({figures}), where other hardware counts "
                      f"at its maximum", tuple(rack_ids))]
