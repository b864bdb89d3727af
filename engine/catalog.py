"""The hardware catalog: device, rack, facility and cable types with sourced figures.

Catalog files are JSON data in ``assets/catalog/`` (built in) and in the user's
catalog folder (:func:`user_catalog_dir`). Every figure is a :class:`Figure`: a
value, the source key of ``assets/catalog/sources.json`` and the class of that
figure (vendor, transcribed, secondary, derived or estimate). A figure that no
public source gives stays ``None`` rather than guessed.

Examples
--------
>>> cat = load_catalog(user_dir=None)
>>> dgx = cat.device("dgx-h100")
>>> dgx.power_max_w.value, dgx.power_max_w.source
(10200.0, 'S01')
>>> cat.device("dgx-h100").gpus
8
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from engine.errors import (
    MAX_DATA_FILE_BYTES,
    InputError,
    UserFileModel,
    format_validation_error,
    load_json_file,
)

__all__ = [
    "FigureClass",
    "Figure",
    "PortGroup",
    "Bay",
    "DeviceType",
    "RackType",
    "FacilityType",
    "FACILITY_KIND_WORDS",
    "Medium",
    "Source",
    "CatalogFile",
    "Catalog",
    "builtin_catalog_dir",
    "user_catalog_dir",
    "load_catalog",
    "default_catalog",
    "USER_DIR_ENV",
    "GENERATION_NAMES",
    "generation_name",
]

#: Environment variable that moves the user folders (catalog, templates) elsewhere.
USER_DIR_ENV = "RACKSCAPE_USER_DIR"

#: Display names of the catalog's generation ids.
GENERATION_NAMES = {"hopper": "Hopper", "blackwell": "Blackwell",
                    "blackwell-ultra": "Blackwell Ultra", "rubin": "Rubin",
                    "amd-instinct": "AMD Instinct", "cpu": "CPU", "network": "Network"}


def generation_name(generation: str) -> str:
    """Return the display name of a generation id.

    Examples
    --------
    >>> generation_name("blackwell-ultra"), generation_name("next-gen")
    ('Blackwell Ultra', 'Next Gen')
    """
    return GENERATION_NAMES.get(generation, generation.replace("-", " ").title())

FigureClass = Literal["vendor", "transcribed", "secondary", "derived", "estimate"]
Num = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1.0e9)]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/+\-]+$")]


class _Model(UserFileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Model):
    """A number with its provenance.

    ``cls`` is ``vendor`` (V), ``transcribed`` (T), ``secondary`` (2),
    ``derived`` (D, give the formula in ``note``) or ``estimate`` (E, give the
    method in ``note``).
    """

    value: Num | None = None
    source: str | None = Field(default=None, max_length=200)
    cls: FigureClass | None = Field(default=None, alias="class")
    note: str | None = Field(default=None, max_length=500)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def v(self, default: float = 0.0) -> float:
        """Return the value, or ``default`` when the figure is not known."""
        return default if self.value is None else float(self.value)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _within(lo: float, hi: float, unit: str = "") -> AfterValidator:
    """Keep a number, or a :class:`Figure`'s value when known, from ``lo`` to ``hi``.

    A catalog entry outside its range is refused with the file, the field and
    the range, so a user catalog file with one is skipped and reported instead
    of crashing an analysis later. Where the engine divides by a figure the
    floor is a physical one, not just "above 0": 5e-324 is above 0 and still
    divides to infinity.

    Examples
    --------
    >>> _within(100, 5000, "mm").func(Figure(value=600)).value
    600.0
    >>> _within(1, 10).func(0.0)
    Traceback (most recent call last):
    ...
    ValueError: a value from 1 to 10 (got 0)
    """
    rng = f"from {_fmt(lo)} to {_fmt(hi)}" + (f" {unit}" if unit else "")

    def check(x):
        v = x.value if isinstance(x, Figure) else x
        if v is not None and not lo <= v <= hi:
            raise ValueError(f"a value {rng} (got {_fmt(v)})")
        return x

    return AfterValidator(check)


# Physical bounds. Each is far outside every real product, so it only refuses typing
# mistakes and hostile files; where a figure is copied into a layout (a CRAH's capacity, a
# feed's voltage, a fabric's port speed) the bound is the layout model's own.
#: a port's line rate: 1 Gb/s (a management port) to 100 Tb/s (4x the fastest per-GPU
#: NVLink in the catalog, 28.8 Tb/s); the layout's links take the same range
_GBPS = _within(1, 1.0e5, "Gb/s")
#: whole rack-scale systems draw 130-230 kW (GB200 NVL72, Vera Rubin NVL144): 1 MW per device
_DEVICE_W = _within(0, 1.0e6, "W")
#: a device's dimensions: nothing mounted in a rack is 5 m wide or deep
_DEVICE_MM = _within(1, 5000, "mm")
#: a rack enclosure: 100 mm (less than any 19-inch frame) to 5 m; racks are placed by it
_RACK_MM = _within(100, 5000, "mm")
#: what one device or empty rack weighs (a whole GB200 NVL72 rack is 1.36 t)
_KG = _within(0, 20_000, "kg")
#: most ports one device has: the largest modular switches have about 2,300
_PORTS = 4096
#: GPUs (or CPUs) in one device: the largest rack-scale systems hold 72-576 GPUs
_PER_DEVICE = 1024


class PortGroup(_Model):
    """Ports of one purpose on a device."""

    purpose: Literal["scale_out", "scale_up", "front_end", "storage", "management", "fabric"]
    count: int = Field(ge=0, le=_PORTS)
    speed_gbps: Annotated[Num, _GBPS]
    cage: str | None = Field(default=None, max_length=40)


class Bay(_Model):
    """One slot of a rack-scale system's frame: a compute tray, an NVLink switch tray, a
    power shelf or a management switch, at a U from the bottom of the rack."""

    kind: Literal["compute_tray", "switch_tray", "power_shelf", "management_switch"]
    u: int = Field(ge=1, le=60)
    height_u: int = Field(default=1, ge=1, le=60)


_AIR_ONLY = Figure(value=0.0, cls="estimate",
                   note="no liquid share given: all heat is assumed to go to air")

Role = Literal[
    "gpu_server", "rack_system", "cpu_node", "switch", "nic", "storage", "power_shelf", "other"
]


class DeviceType(_Model):
    """A server, rack-scale system, switch or NIC."""

    id: Identifier
    name: str
    vendor: str | None = None
    role: Role
    generation: str
    u_height: int | None = Field(default=None, ge=1, le=60)
    is_rack_scale: bool = False
    is_preliminary: bool = False
    gpus: int = Field(default=0, ge=0, le=_PER_DEVICE)
    cpus: int = Field(default=0, ge=0, le=_PER_DEVICE)
    gpu_model: str | None = None
    power_max_w: Annotated[Figure, _DEVICE_W] = Figure()
    power_typical_w: Annotated[Figure, _DEVICE_W] = Figure()
    #: the maximum power figure already counts the transceivers and active cables in the
    #: device's own ports (NVIDIA gives QM9700's 1.72 kW "with active cables" and SN5610's
    #: 2.08 kW "with 64 optical modules" [S11][S12]), so cabling adds no optics power at
    #: its link ends
    power_includes_optics: bool = False
    liquid_fraction: Figure = _AIR_ONLY
    #: a DGX moves about 1,100-1,550 CFM; 100,000 CFM is a whole CRAH gallery
    airflow_cfm: Annotated[Figure, _within(0, 1.0e5, "CFM")] = Figure()
    weight_kg: Annotated[Figure, _KG] = Figure()
    height_mm: Annotated[Figure, _DEVICE_MM] = Figure()
    width_mm: Annotated[Figure, _DEVICE_MM] = Figure()
    depth_mm: Annotated[Figure, _DEVICE_MM] = Figure()
    #: port groups (one per purpose and cage type): devices list up to 5
    ports: list[PortGroup] = Field(default_factory=list, max_length=64)
    #: high-speed ports served by one pluggable cage: 2 for twin-port OSFP (QM9700: 64 ports
    #: in 32 cages [S11]; DGX H100: 8 ports in 4 cages [S01]), so one transceiver module
    #: serves two links there
    ports_per_cage: int = Field(default=1, ge=1, le=8)
    #: cages per line card of a modular chassis (36 on an Arista 7800R4C-36PE card
    #: [S43]), so a cut-sheet names the card of each port (``LC2/P5``); 0: one board
    cages_per_card: int = Field(default=0, ge=0, le=1024)
    #: compute trays of a rack-scale system (18 in an NVL72 rack [S04]): its scale-out
    #: ports are spread over them in order, so a cut-sheet names the tray of each port
    compute_trays: int = Field(default=0, ge=0, le=1024)
    #: the frame of a rack-scale system slot by slot (compute trays in tray order), so the
    #: elevation draws its trays and shelves and a cut-sheet gives each tray's U;
    #: ``bays_note`` says where the arrangement comes from
    bays: list[Bay] = Field(default_factory=list, max_length=128)
    bays_note: str | None = Field(default=None, max_length=1000)
    scaleup_domain_gpus: int = Field(default=0, ge=0, le=100_000)
    #: per GPU, both directions together, as NVIDIA quotes it (900 GB/s = 7,200 Gb/s for
    #: H100); the analysis halves it for one direction; the same range as a port
    scaleup_gbps_per_gpu: Annotated[Figure, _within(0, 1.0e5, "Gb/s")] = Figure()
    switch_ports: int = Field(default=0, ge=0, le=_PORTS)
    #: 0 for a device that is not a switch; a switch's ports take the range of a port
    switch_port_speed_gbps: Annotated[Num, _within(0, 1.0e5, "Gb/s")] = 0.0
    #: electrical lane rate of a switch's ports (200 for XDR); its links take media of it
    lane_gbps: Literal[100, 200] = 100
    #: the link layer a switch speaks (Quantum switches InfiniBand, Spectrum and Tomahawk
    #: switches Ethernet, as their product names say); a new front-end, storage or
    #: management network takes an Ethernet switch
    protocol: Literal["infiniband", "ethernet"] | None = None
    #: the rack a rack-scale system comes in; for a server, the rack its vendor
    #: recommends (a new rack for it on open floor takes it)
    rack_type: Identifier | None = None
    notes: str | None = None

    @field_validator("liquid_fraction")
    @classmethod
    def _fraction(cls, f: Figure) -> Figure:
        if f.value is not None and f.value > 1:
            raise ValueError("liquid_fraction is a share from 0 to 1")
        return f

    @model_validator(mode="after")
    def _switch_has_ports(self) -> DeviceType:
        # fabrics are sized and wired from these two figures (radix, and the fabric's speed)
        if self.role == "switch" and self.switch_ports < 1:
            raise ValueError(f"switch_ports of at least 1 for a switch (got {self.switch_ports})")
        if (self.role == "switch" or self.switch_ports) and self.switch_port_speed_gbps < 1:
            raise ValueError("switch_port_speed_gbps from 1 to 100,000 Gb/s for a device with "
                             f"switch ports (got {_fmt(self.switch_port_speed_gbps)})")
        # a server or switch that draws nothing would vanish from power and cooling unseen;
        # an unknown figure stays empty (None) rather than 0
        if self.role in ("gpu_server", "rack_system", "cpu_node", "switch"):
            for name in ("power_max_w", "power_typical_w"):
                fig = getattr(self, name)
                if fig.value is not None and fig.value <= 0:
                    raise ValueError(f"{name} above 0 W for a {self.role.replace('_', ' ')} "
                                     "(leave the value empty when it is not known)")
        return self

    @model_validator(mode="after")
    def _bays_fit(self) -> DeviceType:
        if not self.bays:
            return self
        trays = sum(b.kind == "compute_tray" for b in self.bays)
        if trays != self.compute_trays:
            raise ValueError(f"bays: {self.compute_trays} compute_tray bays, one per compute "
                             f"tray (got {trays})")
        taken: dict[int, int] = {}
        for i, b in enumerate(self.bays):
            for u in range(b.u, b.u + b.height_u):
                if u in taken:
                    raise ValueError(f"bays[{i}]: U{u} is already bays[{taken[u]}]'s (bays "
                                     "may not overlap)")
                taken[u] = i
        return self

    def tray_u(self) -> list[int]:
        """Return the U of each compute tray, in tray order (empty without bays)."""
        return [b.u for b in self.bays if b.kind == "compute_tray"]

    def numbered_bays(self, height_u: int | None = None) -> list[tuple[str, int, int, int]]:
        """Return the slots as ``(kind, u, height_u, number)``, each kind numbered from 1
        in catalog order (compute tray k is the cut-sheet's ``Tkk``), those within a rack
        of ``height_u`` U when given (a frame in a shorter rack holds no more)."""
        seen: dict[str, int] = {}
        out = []
        for b in self.bays:
            seen[b.kind] = seen.get(b.kind, 0) + 1
            if height_u is None or b.u + b.height_u - 1 <= height_u:
                out.append((b.kind, b.u, b.height_u, seen[b.kind]))
        return out

    @property
    def power_counts_optics(self) -> bool:
        """Whether the power the engine uses (the maximum) already counts the optics."""
        return self.power_includes_optics and self.power_max_w.value is not None

    def port_count(self, purpose: str) -> int:
        """Return the number of ports of ``purpose``."""
        return sum(p.count for p in self.ports if p.purpose == purpose)

    def port_speed_gbps(self, purpose: str) -> float:
        """Return the fastest port speed of ``purpose`` (0 when none)."""
        speeds = [p.speed_gbps for p in self.ports if p.purpose == purpose]
        return max(speeds) if speeds else 0.0


class RackType(_Model):
    """A rack enclosure: footprint, height in U, empty weight and rated load."""

    id: Identifier
    name: str
    width_mm: Annotated[Figure, _RACK_MM]
    depth_mm: Annotated[Figure, _RACK_MM]
    height_u: int = Field(ge=1, le=60)
    weight_kg: Annotated[Figure, _KG] = Figure()
    #: a rated load of 0 kg is no rating: every device would overload the rack
    max_load_kg: Annotated[Figure, _within(1, 20_000, "kg")] = Figure()
    notes: str | None = None


class FacilityType(_Model):
    """A facility unit model: CRAH, CDU, rear door, rPDU or busway."""

    id: Identifier
    name: str
    kind: Literal["crah", "cdu", "rear_door", "pdu", "rpp", "busway", "power_shelf"]
    #: templates divide heat by it and copy it into a layout unit (0.1 kW to 100 MW there)
    capacity_kw: Annotated[Figure, _within(0.1, 1.0e5, "kW")] = Figure()
    #: a CDU's coolant flow, as a layout unit takes it
    flow_lpm: Annotated[Figure, _within(1, 1.0e6, "L/min")] = Figure()
    input_power_kw: Annotated[Figure, _within(0, 1.0e4, "kW")] = Figure()
    weight_kg: Annotated[Figure, _within(0, 100_000, "kg")] = Figure()
    #: a layout unit is 0.05 m to 50 m on a side
    width_mm: Annotated[Figure, _within(50, 50_000, "mm")] = Figure()
    depth_mm: Annotated[Figure, _within(50, 50_000, "mm")] = Figure()
    #: the range of a layout feed: 12 V (a DC shelf) to 1,000 V (low voltage); 1 to 10,000 A
    voltage_v: Annotated[Num, _within(12, 1000, "V")] | None = None
    phases: Literal[1, 3] | None = None
    amps: Annotated[Num, _within(1, 10_000, "A")] | None = None
    notes: str | None = None


#: a facility unit's kind in words, as messages name it ("a CRAH", "a busway")
FACILITY_KIND_WORDS = {"crah": "a CRAH", "cdu": "a CDU", "rear_door": "a rear door",
                       "busway": "a busway", "pdu": "a rack PDU",
                       "rpp": "a remote power panel", "power_shelf": "a power shelf"}


class Medium(_Model):
    """A cable or transceiver type: reach and power per end at one port speed."""

    id: Identifier
    name: str
    kind: Literal["utp", "dac", "acc", "aec", "aoc", "mmf", "smf_dr", "smf_fr", "cpo"]
    #: cabling divides link speeds by it
    speed_gbps: Annotated[Num, _GBPS]
    #: 200 km is beyond any optic (ZR reaches 80-120 km), let alone a hall; the shortest
    #: cables made are about 0.2 m, so a reach under 0.1 m reaches nothing
    reach_min_m: Annotated[Num, _within(0, 200_000, "m")] = 0.0
    reach_max_m: Annotated[Figure, _within(0.1, 200_000, "m")]
    #: reach of the splitter (breakout) cable, where one end's cage carries two or more
    #: links: a 400G DAC runs 2 m straight, 3 m as a splitter [S15]; empty: ``reach_max_m``
    reach_split_max_m: Annotated[Figure, _within(0.1, 200_000, "m")] = Figure()
    #: optics draw 0.1-30 W per end
    power_per_end_w: Annotated[Figure, _within(0, 1000, "W")] = Figure()
    cost_usd: Annotated[Figure, _within(0, 1.0e6, "USD")] = Figure()
    is_optical: bool = False
    #: electrical lane rate of the ports it plugs into: 100 (100G-PAM4: NDR, 400/800GbE)
    #: or 200 (200G-PAM4: XDR, 800G per port); a link takes media of its ports' lane rate
    lane_gbps: Literal[100, 200] = 100

    @model_validator(mode="after")
    def _reach_order(self) -> Medium:
        if self.reach_max_m.value is not None and self.reach_min_m > self.reach_max_m.value:
            raise ValueError(f"reach_min_m of at most reach_max_m ({_fmt(self.reach_min_m)} > "
                             f"{_fmt(self.reach_max_m.value)})")
        return self


class Source(_Model):
    """A citation: key, class (V/T/2) and reference."""

    key: str
    cls: Literal["V", "T", "2", "V/2", "T/2"] = Field(alias="class")
    title: str
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CatalogFile(_Model):
    """One catalog data file."""

    schema_: Literal["rackscape.catalog/1"] = Field(alias="schema")
    title: str
    generation: str | None = None
    devices: list[DeviceType] = Field(default_factory=list)
    racks: list[RackType] = Field(default_factory=list)
    facility: list[FacilityType] = Field(default_factory=list)
    media: list[Medium] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass
class Catalog:
    """All catalog entries by id, plus the files that failed to load."""

    devices: dict[str, DeviceType] = field(default_factory=dict)
    racks: dict[str, RackType] = field(default_factory=dict)
    facility: dict[str, FacilityType] = field(default_factory=dict)
    media: dict[str, Medium] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: one line per user catalog entry that replaces a built-in one (or an earlier user
    #: file's): "user catalog /u/catalog/x.json replaces built-in device dgx-h100"
    notes: list[str] = field(default_factory=list)

    def device(self, type_id: str) -> DeviceType:
        """Return a device type by id (KeyError if unknown)."""
        return self.devices[type_id]

    def rack_type(self, type_id: str) -> RackType:
        """Return a rack type by id (KeyError if unknown)."""
        return self.racks[type_id]

    def generations(self) -> list[str]:
        """Return the generations that have devices, in catalog order."""
        seen: dict[str, None] = {}
        for d in self.devices.values():
            seen.setdefault(d.generation, None)
        return list(seen)

    def by_role(self, role: str, generation: str | None = None) -> list[DeviceType]:
        """Return device types of ``role`` (and ``generation`` when given)."""
        return [d for d in self.devices.values()
                if d.role == role and (generation is None or d.generation == generation)]

    def merge(self, cf: CatalogFile, path: Path | None = None) -> None:
        """Add the entries of one catalog file (later files override by id)."""
        for d in cf.devices:
            self.devices[d.id] = d
        for r in cf.racks:
            self.racks[r.id] = r
        for f in cf.facility:
            self.facility[f.id] = f
        for m in cf.media:
            self.media[m.id] = m
        for s in cf.sources:
            self.sources[s.key] = s
        if path is not None:
            self.files.append(path)


def builtin_catalog_dir() -> Path:
    """Return the folder of the built-in catalog files."""
    return Path(__file__).resolve().parent.parent / "assets" / "catalog"


def user_catalog_dir() -> Path:
    """Return the user's catalog folder (it may not exist).

    ``$RACKSCAPE_USER_DIR/catalog`` when that variable is set, otherwise
    ``platformdirs.user_data_dir("rackscape")/catalog``.

    Examples
    --------
    >>> user_catalog_dir().name
    'catalog'
    """
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env) / "catalog"
    import platformdirs

    return Path(platformdirs.user_data_dir("rackscape", appauthor=False)) / "catalog"


def read_catalog_file(path: Path) -> CatalogFile:
    """Read and validate one catalog file; raise :class:`InputError` when it is bad.

    Only a regular file of at most :data:`engine.errors.MAX_DATA_FILE_BYTES` is
    read (a pipe or device named ``*.json`` in the user folder is refused, not
    waited on).
    """
    data = load_json_file(path, MAX_DATA_FILE_BYTES, "catalog file")
    if isinstance(data, dict) and not str(data.get("schema", "")).startswith("rackscape.catalog"):
        # another Rackscape file put here: said as what it is, not as 500 missing fields
        from engine.io import project_file_kind

        why = {"a Rackscape template": "it belongs in the template library",
               "a Rackscape layout": "a design to open, not hardware for the catalog"}
        kind = project_file_kind(path)
        if kind in why:
            raise InputError(path, "", f"a catalog file (this is {kind}: {why[kind]})")
    try:
        cf = CatalogFile.model_validate(data)
    except ValidationError as exc:
        field_path, expected = format_validation_error(exc, CatalogFile)
        raise InputError(path, field_path, expected) from None
    twice = _duplicate_entry(cf)
    if twice is not None:
        raise InputError(path, *twice)
    return cf


#: the entry groups of a catalog file, the field that names an entry, and what one is
_GROUPS = (("devices", "id", "device"), ("racks", "id", "rack type"),
           ("facility", "id", "facility unit"), ("media", "id", "medium"),
           ("sources", "key", "source"))


def _entries(cf: CatalogFile) -> Iterable[tuple[str, str, str, int, object]]:
    """Yield ``(group, id, what, index, entry)`` for every entry of ``cf``."""
    for group, key, what in _GROUPS:
        for i, entry in enumerate(getattr(cf, group)):
            yield group, getattr(entry, key), what, i, entry


def _duplicate_entry(cf: CatalogFile) -> tuple[str, str] | None:
    """Return ``(field, expected)`` for the first id ``cf`` defines twice in one group.

    Two entries of one id leave the reader to guess which one counts (the later one
    would, silently): the file is refused, naming both.

    Examples
    --------
    >>> cf = CatalogFile.model_validate({"schema": "rackscape.catalog/1", "title": "t",
    ...     "sources": [{"key": "S", "class": "V", "title": "a"},
    ...                 {"key": "S", "class": "T", "title": "b"}]})
    >>> _duplicate_entry(cf)
    ('sources[1].key', "a key not used before in the file ('S' is also sources[0])")
    """
    seen: dict[tuple[str, str], int] = {}
    for group, entry_id, _what, i, _entry in _entries(cf):
        if (group, entry_id) in seen:
            key = next(k for g, k, _ in _GROUPS if g == group)
            return (f"{group}[{i}].{key}", f"a{'n' * (key == 'id')} {key} not used before in "
                    f"the file ({entry_id!r} is also {group}[{seen[group, entry_id]}])")
        seen[group, entry_id] = i
    return None


def _catalog_files(folder: Path) -> Iterable[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.glob("*.json") if p.name != "sources.json")


#: file names a user catalog folder may hold that are no catalog file and said nothing of
_NOT_CATALOG = {"README", "README.md", "README.txt", ".DS_Store"}


def _user_catalog_paths(folder: Path) -> tuple[list[Path], list[str]]:
    """Return the catalog files of a user folder (its ``sources.json`` first) and a
    problem for what cannot be read: the folder itself (permissions, a file where the
    folder should be), or files that look like catalogs but are not read (``*.yaml``).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.json").write_text("{}"), (d / "b.yaml").write_text("x: 1")
    >>> paths, problems = _user_catalog_paths(d)
    >>> [p.name for p in paths], len(problems), "only .json" in problems[0]
    (['a.json'], 1, True)
    """
    try:
        if not folder.exists():
            return [], []
        if not folder.is_dir():
            return [], [str(InputError(folder, "user catalog folder",
                                       "a folder of catalog .json files (this is a file)"))]
        own = folder / "sources.json"
        paths = ([own] if own.exists() or own.is_symlink() else []) + list(_catalog_files(folder))
        odd = sorted(p.name for p in folder.iterdir()
                     if p.suffix.lower() in (".yaml", ".yml", ".toml", ".csv", ".xlsx")
                     and p.name not in _NOT_CATALOG)
    except OSError as exc:
        return [], [str(InputError(folder, "user catalog folder",
                                   f"a readable folder ({exc.strerror or exc}); its files "
                                   "were not read"))]
    problems = [str(InputError(folder / name, "file", "a catalog file in JSON (only .json "
                               "files are read; this one is skipped)")) for name in odd]
    return paths, problems


def _unknown_source(cf: CatalogFile, keys: set[str], path: Path) -> InputError | None:
    """Return the error for the first figure of ``cf`` citing a source key not in ``keys``."""
    for group in ("devices", "racks", "facility", "media"):
        for i, entry in enumerate(getattr(cf, group)):
            for name, value in entry:
                if isinstance(value, Figure) and value.source and value.source not in keys:
                    return InputError(path, f"{group}[{i}].{name}.source",
                                      f"a key of sources.json (unknown {value.source!r})")
    return None


def load_catalog(user_dir: Path | None | Literal["default"] = "default") -> Catalog:
    """Load the built-in catalog, then the user's files (a bad user file is skipped).

    Parameters
    ----------
    user_dir : Path, None or "default"
        Folder of user catalog files; ``"default"`` uses :func:`user_catalog_dir`,
        ``None`` loads the built-in files only.

    Returns
    -------
    Catalog
        With ``problems`` listing each user file that was skipped and why (a file
        defining one id twice among them), and ``notes`` each user entry that replaces
        a built-in one or an earlier user file's (later files override by id).
    """
    cat = Catalog()
    base = builtin_catalog_dir()
    src = base / "sources.json"
    if src.exists():
        cat.merge(read_catalog_file(src), src)
    for path in _catalog_files(base):
        cat.merge(read_catalog_file(path), path)
    if user_dir == "default":
        user_dir = user_catalog_dir()
    if user_dir is not None:
        # where each entry came from: a user entry of a known id replaces it, and says so
        origin: dict[tuple[str, str], Path | None] = {
            (group, entry_id): None for group, _key, _what in _GROUPS
            for entry_id in getattr(cat, group)}
        # the user's sources first, as the built-in ones: their figures may cite them (a
        # folder or anything else of that name is named as a bad file, not passed over)
        paths, unread = _user_catalog_paths(Path(user_dir))
        cat.problems.extend(unread)
        for path in paths:
            try:
                cf = read_catalog_file(path)
                bad = _unknown_source(cf, set(cat.sources) | {s.key for s in cf.sources}, path)
                if bad is not None:
                    raise bad
            except InputError as exc:
                cat.problems.append(str(exc))
                continue
            for group, entry_id, what, _i, entry in _entries(cf):
                # a copy of the entry it replaces changes nothing: nothing to say
                if (group, entry_id) in origin and getattr(cat, group)[entry_id] != entry:
                    earlier = origin[group, entry_id]
                    cat.notes.append(f"user catalog {path} replaces "
                                     + (f"built-in {what} {entry_id}" if earlier is None
                                        else f"{what} {entry_id} of {earlier}"))
                origin[group, entry_id] = path
            cat.merge(cf, path)
    return cat


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """Return the built-in plus user catalog, loaded once per process."""
    return load_catalog()
