"""Templates: data files with typed parameters that lay out a building block as a hall.

A template (``templates/<generation>/<id>.json``, schema ``rackscape.template/1``)
declares parameters, derived values (``vars``, safe arithmetic from
:mod:`engine.expr`), groups of racks with their contents, and how to lay them
out: rows with cold and hot aisles, CRAHs/CDUs sized N+1 for the heat, A/B
feeds sized for the loss of one side, overhead trays and fabrics. Strings may
refer to parameters as ``${name}``. No code runs from a template.

Examples
--------
>>> lay = instantiate("dgx-h100-hall", {"racks": 8})
>>> len([r for r in lay.racks if r.system or r.devices])
8
>>> sorted({f.side for f in lay.feeds})
['A', 'B']
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.catalog import Catalog, default_catalog
from engine.compile import compile_layout
from engine.errors import InputError, format_validation_error
from engine.expr import evaluate
from engine.model import (
    Assumptions,
    CableTray,
    CoolingUnit,
    Fabric,
    Hall,
    Layout,
    MountedDevice,
    PowerFeed,
    Rack,
)

__all__ = [
    "ParameterError",
    "Parameter",
    "DeviceSpec",
    "RackGroup",
    "TemplateFile",
    "builtin_template_dir",
    "user_template_dir",
    "read_template_file",
    "list_templates",
    "get_template",
    "resolve_params",
    "instantiate",
]

Expr = str | int | float
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]


class ParameterError(ValueError):
    """A template parameter is unknown, of the wrong type or out of range."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Model):
    """A typed template parameter with default, range and help."""

    name: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=40)]
    type: Literal["int", "float", "bool", "choice"] = "int"
    default: int | float | bool | str
    min: float | None = None
    max: float | None = None
    even: bool = False
    choices: list[str] = Field(default_factory=list)
    help: str = ""


class DeviceSpec(_Model):
    """Devices in each rack of a group: a type, how many and from which U, how far apart."""

    type: str
    count: Expr = 1
    u: Expr = 1
    pitch_u: Expr | None = None
    name: str | None = None


class RackGroup(_Model):
    """A group of identical racks laid out in rows."""

    name: Identifier
    role: Literal["compute", "network", "storage", "cpu", "other"] = "compute"
    count: Expr
    rack_type: str
    system: str | None = None
    devices: list[DeviceSpec] = Field(default_factory=list)
    new_row: bool = True
    id_prefix: str | None = Field(default=None, max_length=12)


class HallSpec(_Model):
    """How rows are laid out in the hall."""

    racks_per_row: Expr = 16
    cold_aisle_m: Expr = 1.2
    hot_aisle_m: Expr = 1.2
    margin_m: Expr = 1.5
    service_m: Expr = 1.2
    floor_rating_kg_m2: Expr = 1200
    tile_m: float | None = 0.6


class CoolingSpec(_Model):
    """Cooling units to size: catalog models, redundancy and sizing margin."""

    air_unit: str | None = "crah-cw-150"
    liquid_unit: str | None = "cdu-coolchip-1350"
    redundancy: int = Field(default=1, ge=0, le=8)
    sizing_margin: float = Field(default=1.1, ge=1.0, le=3.0)
    rear_door: str | None = None


class PowerSpec(_Model):
    """Feeds to size: candidate models (smallest that fits wins) and kind."""

    feed_models: list[str] = Field(default_factory=lambda: ["busway-415v-400a", "busway-415v-800a"])
    kind: Literal["busway", "pdu", "rpp"] = "busway"


class TemplateFile(_Model):
    """A template file."""

    schema_: Literal["rackscape.template/1"] = Field(alias="schema")
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=60)]
    title: str = Field(max_length=200)
    generation: str = Field(max_length=40)
    version: str = Field(default="1.0", max_length=20)
    author: str = Field(default="Rackscape", max_length=200)
    description: str = Field(default="", max_length=4000)
    sources: list[str] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    vars: dict[str, Expr] = Field(default_factory=dict)
    hall: HallSpec = HallSpec()
    racks: list[RackGroup] = Field(min_length=1)
    cooling: CoolingSpec = CoolingSpec()
    power: PowerSpec = PowerSpec()
    fabrics: list[dict[str, Any]] = Field(default_factory=list)
    assumptions: dict[str, Any] = Field(default_factory=dict)
    expected: dict[str, Any] = Field(default_factory=dict)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def builtin_template_dir() -> Path:
    """Return the folder of the built-in template library."""
    return Path(__file__).resolve().parent.parent / "templates"


def user_template_dir() -> Path:
    """Return the user's template library folder (it may not exist)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("rackscape", appauthor=False)) / "templates"


def read_template_file(path: Path) -> TemplateFile:
    """Read and validate one template file (:class:`InputError` when bad)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, "", f"a readable template file ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno} column {exc.colno}",
                         f"valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "UTF-8 text") from None
    try:
        return TemplateFile.model_validate(data)
    except ValidationError as exc:
        field, expected = format_validation_error(exc)
        raise InputError(path, field, expected) from None


def list_templates(generation: str | None = None, user_dir: Path | None | str = "default",
                   problems: list[str] | None = None) -> list[TemplateFile]:
    """Return the built-in and user templates (user ids override built-in ones).

    A bad user template is skipped and described in ``problems``.
    """
    found: dict[str, TemplateFile] = {}
    for path in sorted(builtin_template_dir().glob("*/*.json")):
        t = read_template_file(path)
        found[t.id] = t
    udir = user_template_dir() if user_dir == "default" else user_dir
    if udir is not None and Path(udir).is_dir():
        for path in sorted(Path(udir).glob("**/*.json")):
            if path.name == "manifest.json":
                continue
            try:
                t = read_template_file(path)
            except InputError as exc:
                if problems is not None:
                    problems.append(str(exc))
                continue
            found[t.id] = t
    out = list(found.values())
    if generation:
        out = [t for t in out if t.generation == generation]
    return out


def get_template(template_id: str, user_dir: Path | None | str = "default") -> TemplateFile:
    """Return a template by id (:class:`ParameterError` when unknown)."""
    for t in list_templates(user_dir=user_dir):
        if t.id == template_id:
            return t
    raise ParameterError(f"unknown template {template_id!r}; `rackscape templates` lists them")


def _coerce(p: Parameter, raw: Any) -> Any:
    if p.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "yes", "1", "false", "no", "0"):
            return raw.lower() in ("true", "yes", "1")
        raise ParameterError(f"parameter {p.name}: expected true or false, got {raw!r}")
    if p.type == "choice":
        if str(raw) not in p.choices:
            raise ParameterError(f"parameter {p.name}: expected one of {', '.join(p.choices)}, "
                                 f"got {raw!r}")
        return str(raw)
    try:
        if p.type == "int":
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            val: float = int(raw) if not isinstance(raw, str) else int(raw.strip())
        else:
            val = float(raw)
            if not math.isfinite(val):
                raise ValueError
    except (TypeError, ValueError):
        kind = "an integer" if p.type == "int" else "a number"
        raise ParameterError(f"parameter {p.name}: expected {kind}, got {raw!r}") from None
    if p.min is not None and val < p.min or p.max is not None and val > p.max:
        raise ParameterError(f"parameter {p.name}: expected a value from {p.min:g} to {p.max:g}, "
                             f"got {val:g}")
    if p.even and int(val) % 2:
        raise ParameterError(f"parameter {p.name}: expected an even number, got {val:g}")
    return val


def resolve_params(t: TemplateFile, values: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce parameter values against the template, filling defaults."""
    known = {p.name: p for p in t.parameters}
    for k in values:
        if k not in known:
            raise ParameterError(f"unknown parameter {k!r} for template {t.id} "
                                 f"(known: {', '.join(known) or 'none'})")
    env = {name: _coerce(p, values.get(name, p.default)) for name, p in known.items()}
    for name, expr in t.vars.items():
        try:
            env[name] = evaluate(expr, env)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ParameterError(f"template {t.id}: value {name}: {exc}") from None
    return env


_SUBST = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


def _s(text: str, env: dict[str, Any]) -> str:
    def rep(m: re.Match) -> str:
        if m.group(1) not in env:
            raise ParameterError(f"unknown name {m.group(1)!r} in {text!r}")
        return str(env[m.group(1)])

    return _SUBST.sub(rep, text)


def _n(expr: Expr, env: dict[str, Any], what: str) -> float:
    try:
        val = evaluate(_s(expr, env) if isinstance(expr, str) else expr, env)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ParameterError(f"{what}: {exc}") from None
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
        raise ParameterError(f"{what}: expected a number, got {val!r}")
    return val


def _i(expr: Expr, env: dict[str, Any], what: str) -> int:
    return int(round(_n(expr, env, what)))


def _rack_contents(g: RackGroup, env: dict[str, Any]) -> tuple[str | None, list[MountedDevice]]:
    if g.system:
        return _s(g.system, env), []
    devices: list[MountedDevice] = []
    for spec in g.devices:
        n = _i(spec.count, env, f"racks.{g.name}.devices.count")
        u0 = _i(spec.u, env, f"racks.{g.name}.devices.u")
        pitch = _i(spec.pitch_u, env, "pitch_u") if spec.pitch_u is not None else 0
        dtype = _s(spec.type, env)
        for k in range(n):
            devices.append(MountedDevice(type=dtype, u=u0 + k * pitch,
                                         name=_s(spec.name, env) if spec.name else None))
    return None, devices


def _pick_model(catalog: Catalog, model_id: str, what: str):
    try:
        return catalog.facility[model_id]
    except KeyError:
        raise ParameterError(f"{what}: unknown facility model {model_id!r}") from None


def instantiate(template: str | TemplateFile, params: dict[str, Any] | None = None,
                catalog: Catalog | None = None, name: str | None = None) -> Layout:
    """Lay out a template for ``params`` and return the new :class:`Layout`.

    Raises
    ------
    ParameterError
        For an unknown, mistyped or out-of-range parameter, or a template whose
        values do not evaluate.
    """
    catalog = catalog or default_catalog()
    t = get_template(template) if isinstance(template, str) else template
    env = resolve_params(t, dict(params or {}))
    hs = t.hall
    per_row = max(1, _i(hs.racks_per_row, env, "hall.racks_per_row"))
    cold = _n(hs.cold_aisle_m, env, "hall.cold_aisle_m")
    hot = _n(hs.hot_aisle_m, env, "hall.hot_aisle_m")
    margin = _n(hs.margin_m, env, "hall.margin_m")
    service = _n(hs.service_m, env, "hall.service_m")

    # 1. racks in rows; rows alternate front directions around cold and hot aisles
    rows: list[list[tuple[RackGroup, str | None, list[MountedDevice]]]] = []
    group_ids: dict[str, list[str]] = {}
    for g in t.racks:
        n = _i(g.count, env, f"racks.{g.name}.count")
        if n < 0 or n > 200_000:
            raise ParameterError(f"racks.{g.name}.count: expected 0 to 200000 racks, got {n}")
        if n == 0:
            continue
        system, devices = _rack_contents(g, env)
        if g.new_row or not rows:
            rows.append([])
        for _ in range(n):
            if len(rows[-1]) >= per_row:
                rows.append([])
            rows[-1].append((g, system, devices))
    if not rows:
        raise ParameterError(f"template {t.id}: these parameters give no racks")
    rt_cache = {}
    for row in rows:
        for g, _, _ in row:
            rid = _s(g.rack_type, env)
            if rid not in catalog.racks:
                raise ParameterError(f"racks.{g.name}.rack_type: unknown rack type {rid!r}")
            rt_cache[g.name] = catalog.racks[rid]
    depth = max(rt.depth_mm.v(1200) for rt in rt_cache.values()) / 1000.0

    cooling = t.cooling
    air_model = _pick_model(catalog, _s(cooling.air_unit, env), "cooling.air_unit") \
        if cooling.air_unit else None
    liq_model = _pick_model(catalog, _s(cooling.liquid_unit, env), "cooling.liquid_unit") \
        if cooling.liquid_unit else None
    crah_d = (air_model.depth_mm.v(900) / 1000.0) if air_model else 0.0
    crah_w = (air_model.width_mm.v(2500) / 1000.0) if air_model else 0.0
    cdu_w = (liq_model.width_mm.v(1200) / 1000.0) if liq_model else 0.0
    cdu_d = (liq_model.depth_mm.v(1200) / 1000.0) if liq_model else 0.0

    x_start = margin + (crah_d + service if air_model else 0.0)
    y_start = margin + (cdu_d + service if liq_model else 0.0)
    racks: list[Rack] = []
    row_y: list[float] = []
    row_span: list[tuple[float, float]] = []
    y = y_start + depth / 2
    counter: dict[str, int] = {}
    for k, row in enumerate(rows):
        rot = 180 if k % 2 == 0 else 0
        x = x_start
        label = f"R{k + 1:02d}"
        for g, system, devices in row:
            w = rt_cache[g.name].width_mm.v(600) / 1000.0
            prefix = g.id_prefix or g.name[:3].upper()
            counter[prefix] = counter.get(prefix, 0) + 1
            rid = f"{prefix}-{counter[prefix]:04d}"
            racks.append(Rack(id=rid, type=rt_cache[g.name].id, x_m=round(x + w / 2, 4),
                              y_m=round(y, 4), rotation_deg=rot, row=label,
                              system=system, devices=list(devices)))
            group_ids.setdefault(g.name, []).append(rid)
            x += w
        row_y.append(y)
        row_span.append((x_start, x))
        y += depth + (cold if k % 2 == 0 else hot)
    rows_end_y = y - (cold if (len(rows) - 1) % 2 == 0 else hot) - depth / 2
    max_x = max(s[1] for s in row_span)

    # 2. heat per rack from the catalog, to size cooling and feeds
    probe = Layout(name="probe", hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]), racks=racks,
                   assumptions=Assumptions(**t.assumptions))
    try:
        arr = compile_layout(probe, catalog)
    except InputError as exc:
        raise ParameterError(f"template {t.id}: {exc.field}: expected {exc.expected}") from None
    rack_kw = arr.rack_power_w / 1000.0
    liquid_kw = arr.rack_liquid_w / 1000.0
    air_kw = rack_kw - liquid_kw

    units: list[CoolingUnit] = []
    hall_h = rows_end_y + service + margin
    if liq_model is not None and liquid_kw.sum() > 0:
        cap = liq_model.capacity_kw.v()
        n_cdu = math.ceil(liquid_kw.sum() * cooling.sizing_margin / cap) + cooling.redundancy
        for j in range(n_cdu):
            units.append(CoolingUnit(id=f"CDU-{j + 1}", kind="cdu", model=liq_model.id,
                                     x_m=round(x_start + cdu_w / 2 + j * (cdu_w + 0.6), 4),
                                     y_m=round(margin + cdu_d / 2, 4), capacity_kw=cap,
                                     flow_lpm=liq_model.flow_lpm.value or None,
                                     width_m=cdu_w, depth_m=cdu_d, group="CDU"))
        max_x = max(max_x, x_start + n_cdu * (cdu_w + 0.6))
    air_total = float(air_kw.sum())
    if air_model is not None and air_total > 0:
        cap = air_model.capacity_kw.v()
        n_crah = math.ceil(air_total * cooling.sizing_margin / cap) + cooling.redundancy
        per_side = math.ceil(n_crah / 2)
        span = max(hall_h - 2 * margin, per_side * crah_w)
        hall_h = max(hall_h, per_side * crah_w + 2 * margin)
        for j in range(n_crah):
            side, slot = j % 2, j // 2
            cx = margin + crah_d / 2 if side == 0 else max_x + service + crah_d / 2
            cy = margin + span * (slot + 0.5) / per_side
            units.append(CoolingUnit(id=f"CRAH-{j + 1}", kind="crah", model=air_model.id,
                                     x_m=round(cx, 4), y_m=round(cy, 4), rotation_deg=90,
                                     capacity_kw=cap, width_m=crah_w, depth_m=crah_d,
                                     group="CRAH"))
        hall_w = max_x + service + crah_d + margin
    else:
        hall_w = max_x + margin
    if cooling.rear_door:
        door = _pick_model(catalog, _s(cooling.rear_door, env), "cooling.rear_door")
        for i, r in enumerate(racks):
            if air_kw[i] > probe.assumptions.air_limit_kw_per_rack:
                units.append(CoolingUnit(id=f"RD-{r.id}", kind="rear_door", model=door.id,
                                         x_m=r.x_m, y_m=r.y_m, capacity_kw=door.capacity_kw.v(),
                                         rack=r.id, width_m=0.6, depth_m=0.2, group="RD"))

    # 3. feeds: per row and side, the smallest model whose derated rating carries the
    # row's load with the other side lost; rows too heavy are split into segments
    derate = probe.assumptions.continuous_derating
    models = [_pick_model(catalog, _s(m, env), "power.feed_models") for m in t.power.feed_models]
    models.sort(key=lambda m: m.capacity_kw.v())
    feeds: list[PowerFeed] = []
    rack_pos = 0
    rack_feeds: list[list[str]] = [[] for _ in racks]
    for k, row in enumerate(rows):
        idx = list(range(rack_pos, rack_pos + len(row)))
        rack_pos += len(row)
        row_kw = float(rack_kw[idx].sum())
        fit = next((m for m in models if m.capacity_kw.v() * derate >= row_kw), models[-1])
        budget = fit.capacity_kw.v() * derate
        n_seg = max(1, math.ceil(row_kw / budget - 1e-9)) if budget > 0 else 1
        seg_len = math.ceil(len(idx) / n_seg)
        y_row = row_y[k]
        for s in range(n_seg):
            seg = idx[s * seg_len:(s + 1) * seg_len]
            if not seg:
                continue
            x0 = racks[seg[0]].x_m - 0.3
            x1 = racks[seg[-1]].x_m + 0.3
            for side, dy in (("A", -0.2), ("B", 0.2)):
                fid = f"BW-{k + 1:02d}{chr(ord('a') + s)}-{side}"
                feeds.append(PowerFeed(id=fid, kind=t.power.kind, model=fit.id, side=side,
                                       voltage_v=fit.voltage_v or 415, phases=fit.phases or 3,
                                       amps=fit.amps or 400,
                                       points=[(round(x0, 4), round(y_row + dy, 4)),
                                               (round(x1, 4), round(y_row + dy, 4))]))
                for i in seg:
                    rack_feeds[i].append(fid)
    racks = [r.model_copy(update={"feeds": rack_feeds[i]}) for i, r in enumerate(racks)]

    # 4. overhead trays: one along each row, one spine tray joining them at each end
    elev = probe.assumptions.tray_elevation_m
    trays = [CableTray(id=f"TR-{k + 1:02d}", points=[(round(x_start, 4), round(row_y[k], 4)),
                                                     (round(row_span[k][1], 4), round(row_y[k], 4))],
                       elevation_m=elev) for k in range(len(rows))]
    if len(rows) > 1:
        for name, xs in (("TR-W", x_start), ("TR-E", max(s[1] for s in row_span))):
            trays.append(CableTray(id=name, points=[(round(xs, 4), round(row_y[0], 4)),
                                                    (round(xs, 4), round(row_y[-1], 4))],
                                   elevation_m=elev))

    # 5. fabrics: strings and numbers are evaluated; network_racks name rack groups
    fabrics = []
    for spec in t.fabrics:
        f = {}
        for key, val in spec.items():
            if key == "network_racks":
                f[key] = [rid for grp in val for rid in group_ids.get(grp, [])]
            elif key == "members":
                f[key] = [rid for grp in val for rid in group_ids.get(grp, [])]
            elif key == "tiers":
                f[key] = [{k2: (_s(v2, env) if k2 == "switch" else
                                (_n(v2, env, f"fabrics.tiers.{k2}") if isinstance(v2, str) else v2))
                           for k2, v2 in tier.items()} for tier in val]
            elif isinstance(val, str) and key in ("nic_speed_gbps", "ports_per_gpu", "rails",
                                                  "su_nodes"):
                num = _n(val, env, f"fabrics.{key}")
                f[key] = int(num) if key != "nic_speed_gbps" else num
            elif isinstance(val, str):
                f[key] = _s(val, env)
            else:
                f[key] = val
        try:
            fabrics.append(Fabric.model_validate(f))
        except ValidationError as exc:
            field, expected = format_validation_error(exc)
            raise ParameterError(f"template {t.id}: fabrics.{field}: expected {expected}") from None

    outline = [(0.0, 0.0), (round(hall_w, 3), 0.0), (round(hall_w, 3), round(hall_h, 3)),
               (0.0, round(hall_h, 3))]
    hall = Hall(outline=outline, floor_rating_kg_m2=_n(hs.floor_rating_kg_m2, env,
                                                         "hall.floor_rating_kg_m2"),
                tile_m=hs.tile_m)
    pretty = ", ".join(f"{k}={env[k]}" for k in (p.name for p in t.parameters))
    return Layout(name=name or (f"{t.title} ({pretty})" if pretty else t.title),
                  generation=t.generation, author=t.author, hall=hall, racks=racks,
                  cooling=units, feeds=feeds, trays=trays, fabrics=fabrics,
                  assumptions=probe.assumptions)
