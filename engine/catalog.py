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

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import InputError, format_validation_error

__all__ = [
    "FigureClass",
    "Figure",
    "PortGroup",
    "DeviceType",
    "RackType",
    "FacilityType",
    "Medium",
    "Source",
    "CatalogFile",
    "Catalog",
    "builtin_catalog_dir",
    "user_catalog_dir",
    "load_catalog",
    "default_catalog",
    "USER_DIR_ENV",
]

#: Environment variable that moves the user folders (catalog, templates) elsewhere.
USER_DIR_ENV = "RACKSCAPE_USER_DIR"

FigureClass = Literal["vendor", "transcribed", "secondary", "derived", "estimate"]
Num = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1.0e9)]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/+\-]+$")]


class _Model(BaseModel):
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


class PortGroup(_Model):
    """Ports of one purpose on a device."""

    purpose: Literal["scale_out", "scale_up", "front_end", "storage", "management", "fabric"]
    count: int = Field(ge=0, le=100_000)
    speed_gbps: Num
    cage: str | None = Field(default=None, max_length=40)


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
    gpus: int = Field(default=0, ge=0, le=10_000)
    cpus: int = Field(default=0, ge=0, le=10_000)
    gpu_model: str | None = None
    power_max_w: Figure = Figure()
    power_typical_w: Figure = Figure()
    liquid_fraction: Figure = _AIR_ONLY
    airflow_cfm: Figure = Figure()
    weight_kg: Figure = Figure()
    height_mm: Figure = Figure()
    width_mm: Figure = Figure()
    depth_mm: Figure = Figure()
    ports: list[PortGroup] = Field(default_factory=list)
    scaleup_domain_gpus: int = Field(default=0, ge=0, le=100_000)
    scaleup_gbps_per_gpu: Figure = Figure()
    switch_ports: int = Field(default=0, ge=0, le=100_000)
    switch_port_speed_gbps: Num = 0.0
    rack_type: Identifier | None = None
    notes: str | None = None

    @field_validator("liquid_fraction")
    @classmethod
    def _fraction(cls, f: Figure) -> Figure:
        if f.value is not None and f.value > 1:
            raise ValueError("liquid_fraction is a share from 0 to 1")
        return f

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
    width_mm: Figure
    depth_mm: Figure
    height_u: int = Field(ge=1, le=60)
    weight_kg: Figure = Figure()
    max_load_kg: Figure = Figure()
    notes: str | None = None


class FacilityType(_Model):
    """A facility unit model: CRAH, CDU, rear door, rPDU or busway."""

    id: Identifier
    name: str
    kind: Literal["crah", "cdu", "rear_door", "pdu", "rpp", "busway", "power_shelf"]
    capacity_kw: Figure = Figure()
    flow_lpm: Figure = Figure()
    input_power_kw: Figure = Figure()
    weight_kg: Figure = Figure()
    width_mm: Figure = Figure()
    depth_mm: Figure = Figure()
    voltage_v: Num | None = None
    phases: Literal[1, 3] | None = None
    amps: Num | None = None
    notes: str | None = None


class Medium(_Model):
    """A cable or transceiver type: reach and power per end at one port speed."""

    id: Identifier
    name: str
    kind: Literal["dac", "acc", "aec", "aoc", "mmf", "smf_dr", "smf_fr", "cpo"]
    speed_gbps: Num
    reach_min_m: Num = 0.0
    reach_max_m: Figure
    power_per_end_w: Figure = Figure()
    cost_usd: Figure = Figure()
    is_optical: bool = False


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
    """Read and validate one catalog file; raise :class:`InputError` when it is bad."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, "", f"a readable catalog file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "UTF-8 text") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno} column {exc.colno}",
                         f"valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(path, "", "JSON nested less deeply") from None
    try:
        return CatalogFile.model_validate(data)
    except ValidationError as exc:
        field_path, expected = format_validation_error(exc)
        raise InputError(path, field_path, expected) from None


def _catalog_files(folder: Path) -> Iterable[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.glob("*.json") if p.name != "sources.json")


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
        With ``problems`` listing each user file that was skipped and why.
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
        for path in _catalog_files(Path(user_dir)):
            try:
                cat.merge(read_catalog_file(path), path)
            except InputError as exc:
                cat.problems.append(str(exc))
    return cat


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """Return the built-in plus user catalog, loaded once per process."""
    return load_catalog()
