"""Templates: data files with typed parameters that lay out a building block as a hall.

A template (``templates/<generation>/<id>.json``, schema ``rackscape.template/1``)
declares parameters, derived values (``vars``, safe arithmetic from
:mod:`engine.expr`), groups of racks with their contents, and how to lay them
out: rows with cold and hot aisles, CRAHs/CDUs sized N+1 for the heat, A/B
feeds sized for the loss of one side, overhead trays and fabrics. Strings may
refer to parameters as ``${name}``. No code runs from a template.

Optional parts of the schema (all with defaults, so older files stay valid):

- ``parameters[].bindings``: for a ``choice`` parameter, the names each choice
  defines (``{"hopper": {"server": "dgx-h100"}}``), usable in ``vars``,
  expressions and ``${name}`` strings.
- ``racks[].reserve_kw``: power per rack of equipment added later (a fabric's
  switches), used only to size feeds and cooling.
- ``racks[].racks_per_row``: a row length for that group instead of the hall's.
- ``racks[].align``: ``"center"`` puts the group's racks in line in the middle of the
  rows of the groups around it (network racks among compute racks, so no short row
  stands between two others); a centre group on its own centres its rows on the widest.
- ``repeat``: lay out a run of consecutive groups ``count`` times (a pod or a
  scalable unit as a block of rows; every other block mirrored, so the short end rows
  of two blocks meet).
- ``assumptions``: string values are expressions of the parameters.
- ``preliminary``: the template rests on announced, not shipping, hardware.
- ``layout_generation``: the generation of the layouts it makes, when a
  parameter chooses it (``"${generation}"``); the template's own otherwise.
- ``constraints``: conditions on the parameters (``expr``) with the message
  shown when one fails (a :class:`ParameterError`).
- ``cautions``: conditions (``when``) under which the design leaves what its
  sources publish, with the note said then (:func:`template_cautions`): the
  layout is made, and ``rackscape new`` and the New from template dialog say so.
- ``fabrics[].when`` and ``fabrics[].tiers[].when``: an expression; the fabric
  or tier is left out when it is false (a core tier only beyond some size).
- ``cooling.crah_group_max_units``: the most CRAHs in one N+1 group (default 12;
  ``null``: one group). A hall that needs more has a group per wall side and band
  of rows, each sized N+1 for the racks it serves (see :class:`CoolingSpec`).
- ``expected``: published numbers the template reproduces, as ``cases`` of
  parameters and figures with their source (see :func:`check_expected`).
- ``fixed``: items placed exactly as saved (a selection saved as a template,
  :mod:`engine.snapshot`), positions relative to their bounding box; repeated
  ``copies`` times one above the other, the copies' racks joining one fabric per
  saved fabric. A template has rack groups or a fixed block, not both;
  ``cooling`` and ``power`` sizing do not apply to a fixed block (its units and
  feeds are the saved ones).

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
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from engine.catalog import FACILITY_KIND_WORDS, Catalog, default_catalog
from engine.compile import FRONT_BY_ROTATION, compile_layout
from engine.errors import (
    MAX_DATA_FILE_BYTES,
    InputError,
    UserFileModel,
    format_validation_error,
    load_json_file,
    no_control_chars,
    one_line,
    refuse_bool,
)
from engine.expr import evaluate
from engine.model import (
    FEED_KINDS,
    Assumptions,
    CableTray,
    CoolingUnit,
    ExplicitLink,
    Fabric,
    FabricTier,
    Hall,
    Layout,
    MountedDevice,
    PowerFeed,
    Rack,
)
from engine.power import DESIGN_POWER_FACTOR

__all__ = [
    "ParameterError",
    "Parameter",
    "DeviceSpec",
    "RackGroup",
    "HallSpec",
    "CoolingSpec",
    "PowerSpec",
    "RepeatSpec",
    "Constraint",
    "Caution",
    "FixedSpec",
    "TemplateFile",
    "MAX_TEMPLATE_RACKS",
    "USER_DIR_ENV",
    "builtin_template_dir",
    "user_template_dir",
    "read_template_file",
    "UserLibrary",
    "read_user_library",
    "list_templates",
    "get_template",
    "catalog_problem",
    "layout_template_id",
    "resolve_params",
    "template_cautions",
    "instantiate",
    "expected_cases",
    "check_expected",
]

#: a number, or an arithmetic expression of the parameters; never true/false (which
#: pydantic would read as 1 or 0)
Expr = Annotated[str | int | float, BeforeValidator(refuse_bool)]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Name = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=40)]
Scalar = str | int | float | bool

#: Upper bound on the racks one instantiation may create (all groups, all repeats).
MAX_TEMPLATE_RACKS = 200_000
#: Environment variable that moves the user folders (templates, catalog) elsewhere.
USER_DIR_ENV = "RACKSCAPE_USER_DIR"
_CRAH_GAP_M = 0.6  # service gap between CRAH columns of a gallery
_DOOR_DEPTH_M = 0.2  # a rear-door heat exchanger's depth behind its rack
_CRAH_MIN_SPAN_M = 8.0  # rows shorter than this: the hall grows to fit one CRAH column
_WALL_STRETCH = 1.0  # a wall column longer than this x the rows' span: a second column


class ParameterError(ValueError):
    """A template parameter is unknown, of the wrong type or out of range."""


class _Model(UserFileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _num(x: float) -> str:
    """Write a bound or value with every digit it has: ``8``, ``8.0000001``, ``1e+300``.

    Examples
    --------
    >>> _num(8.0), _num(8.0000001), _num(0.1), _num(1e300), _num(4000)
    ('8', '8.0000001', '0.1', '1e+300', '4000')
    """
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"a value from {_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"a value of at least {_num(lo)}"
    return f"a value of at most {_num(hi)}"


def _no_controls(text: str) -> str:
    """A description's or a source's text: lines and tabs, no other control character."""
    return no_control_chars(text, allow="\n\t")


def _one_line(text: str) -> str:
    """A title's, a name's or a help line's text: one line, no control character."""
    return one_line(text)


#: a one-line text of a template, and a longer one
Line = Annotated[str, AfterValidator(_one_line)]
Prose = Annotated[str, AfterValidator(_no_controls)]


class Parameter(_Model):
    """A typed template parameter with default, range and help.

    A ``choice`` parameter may bind names per choice (``bindings``), so one
    choice (a generation, an edition) can select several device models.
    """

    name: Name
    type: Literal["int", "float", "bool", "choice"] = "int"
    default: int | float | bool | str
    # finite: a bound of 1e400 (infinity) would be listed as 'inf' and written to
    # `rackscape templates --json` as Infinity, which is not JSON
    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)
    even: bool = False
    choices: list[Line] = Field(default_factory=list, max_length=100)
    bindings: dict[str, dict[Name, Scalar]] = Field(default_factory=dict)
    help: Line = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"parameter {self.name}: a choice parameter needs choices")
        unknown = [k for k in self.bindings if k not in self.choices]
        if unknown:
            raise ValueError(f"parameter {self.name}: bindings for unknown choices {unknown}")
        if self.bindings and set(self.bindings) != set(self.choices):
            raise ValueError(f"parameter {self.name}: bindings must cover every choice")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min: expected at most max ({self.max:g}) (got {self.min:g})")
        try:
            _coerce(self, self.default)
        except ParameterError as exc:
            raise ValueError(f"a default the parameter takes ({exc})") from None
        return self


class DeviceSpec(_Model):
    """Devices in each rack of a group: a type, how many and from which U, how far apart."""

    type: str = Field(max_length=200)
    count: Expr = 1
    u: Expr = 1
    pitch_u: Expr | None = None
    name: str | None = Field(default=None, max_length=120)


class RackGroup(_Model):
    """A group of identical racks laid out in rows.

    ``reserve_kw`` is the power per rack of equipment the design adds later
    (for example a fabric's switches in network racks); it sizes feeds and
    cooling but is not a device. ``racks_per_row`` overrides the hall's row
    length for this group; ``align`` ``"center"`` puts the group's racks in line
    in the middle of the rows of the groups around it (network racks among the
    compute racks, as NVIDIA's SuperPOD halls place them), or centres a group on
    its own on the widest row.
    """

    name: Identifier
    role: Literal["compute", "network", "storage", "cpu", "other"] = "compute"
    count: Expr
    rack_type: str = Field(max_length=200)
    system: str | None = Field(default=None, max_length=200)
    devices: list[DeviceSpec] = Field(default_factory=list, max_length=60)
    new_row: bool = True
    id_prefix: str | None = Field(default=None, max_length=12, pattern=r"^[A-Za-z0-9_.\-]*$")
    reserve_kw: Expr | None = None
    racks_per_row: Expr | None = None
    align: Literal["start", "center"] = "start"


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
    """Cooling units to size: catalog models, redundancy and sizing margin.

    ``crah_layout`` ``"wall"`` puts one CRAH column on each side wall and lets
    the hall grow to fit them (galleries only for very large halls, and for a hall
    of a few long rows whose wall columns, grown past the rows, leave the units
    level with the rows over capacity); ``"gallery"`` adds columns so the CRAHs
    stay alongside the rows.

    ``crah_group_max_units`` is the most CRAHs in one redundancy group. A hall
    that needs no more (its air heat x ``sizing_margin`` / unit capacity, plus
    ``redundancy``) keeps them all in one group, ``"CRAH"``. A larger hall gets a
    group per wall side and per band of neighbouring rows along it ("CRAH west 1",
    "CRAH east 2", numbered from the front wall): a spare can only stand in for
    units that serve the same air. Each group is sized for the air of the racks
    it serves (the racks of its rows on its half of the hall), with its own
    ``redundancy`` spares. The default, 12, keeps every built-in hall at its
    default size in one group (the largest has 11), and gives each spare at most
    11 units to back up: in a single wall column, units within about 15 m of it
    (12 x 2.55 m), in a four-deep gallery within a few rows. ``null`` keeps one
    group however large the hall.
    """

    air_unit: str | None = "crah-cw-150"
    liquid_unit: str | None = "cdu-coolchip-1350"
    redundancy: int = Field(default=1, ge=0, le=8)
    sizing_margin: float = Field(default=1.1, ge=1.0, le=3.0)
    rear_door: str | None = None
    crah_layout: Literal["wall", "gallery"] = "wall"
    crah_group_max_units: int | None = Field(default=12, ge=2, le=1000)

    @model_validator(mode="after")
    def _group_holds_a_working_unit(self) -> CoolingSpec:
        if self.crah_group_max_units is not None \
                and self.crah_group_max_units <= self.redundancy:
            raise ValueError(f"crah_group_max_units ({self.crah_group_max_units}) must be "
                             f"more than redundancy ({self.redundancy})")
        return self


class PowerSpec(_Model):
    """Feeds to size: candidate models (smallest that fits wins) and kind."""

    feed_models: list[str] = Field(default_factory=lambda: ["busway-415v-400a", "busway-415v-800a"],
                                   min_length=1, max_length=20)
    kind: Literal["busway", "pdu", "rpp"] = "busway"


class Constraint(_Model):
    """A condition the parameters must meet, with the message shown when they do not."""

    expr: str = Field(max_length=400)
    message: Line = Field(max_length=300)


class Caution(_Model):
    """A note shown when ``when`` holds: the parameters take the design past what its
    sources publish or test (a size beyond a published table), though it still lays out."""

    when: str = Field(max_length=400)
    message: Line = Field(max_length=300)


class RepeatSpec(_Model):
    """Lay out consecutive rack groups as a block, ``count`` times (pods, scalable units)."""

    count: Expr
    groups: list[Identifier] = Field(min_length=1, max_length=50)


class FixedSpec(_Model):
    """Items placed exactly as saved, relative to their bounding box's lower-left corner.

    ``width_m`` x ``depth_m`` is that bounding box. The block is laid out
    ``copies`` times (an expression of the parameters), each ``gap_m`` above
    the previous one, every other copy mirrored top to bottom (racks turned to
    face the other way) so the aisles between copies alternate hot and cold;
    copies after the first get fresh ids, with references (feeds, CDU, CRAH,
    rear-door rack, link ends) following. The copies share the saved fabrics:
    each fabric's members and network racks are those of every copy, so its
    switches are derived for all of them (copies of a block grow one cluster,
    as scalable units do, rather than lay out network islands).
    """

    width_m: float = Field(ge=0, le=1.0e5, allow_inf_nan=False)
    depth_m: float = Field(ge=0, le=1.0e5, allow_inf_nan=False)
    copies: Expr = 1
    gap_m: Expr = 1.2
    racks: list[Rack] = Field(default_factory=list, max_length=20_000)
    cooling: list[CoolingUnit] = Field(default_factory=list, max_length=20_000)
    feeds: list[PowerFeed] = Field(default_factory=list, max_length=20_000)
    trays: list[CableTray] = Field(default_factory=list, max_length=20_000)
    fabrics: list[Fabric] = Field(default_factory=list, max_length=16)
    links: list[ExplicitLink] = Field(default_factory=list, max_length=20_000)

    @model_validator(mode="after")
    def _consistent(self) -> FixedSpec:
        if not (self.racks or self.cooling or self.feeds or self.trays):
            raise ValueError("fixed: expected at least one rack, unit, feed or tray")
        ids = [it.id for grp in (self.racks, self.cooling, self.feeds, self.trays,
                                 self.fabrics, self.links) for it in grp]
        dup = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) != len(ids) else []
        if dup:
            raise ValueError(f"fixed: duplicate id {dup[0]!r}")
        return self


class TemplateFile(_Model):
    """A template file."""

    schema_: Literal["rackscape.template/1"] = Field(alias="schema")
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=60)]
    title: Line = Field(max_length=200)
    # a folder name of the user library: never "..", never hidden
    generation: str = Field(max_length=40, pattern=r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*$")
    version: Line = Field(default="1.0", max_length=20)
    author: Line = Field(default="Rackscape", max_length=200)
    description: Prose = Field(default="", max_length=8000)
    preliminary: bool = False
    layout_generation: str | None = Field(default=None, max_length=80)
    sources: list[Annotated[Prose, Field(max_length=500)]] = Field(default_factory=list,
                                                                     max_length=100)
    parameters: list[Parameter] = Field(default_factory=list, max_length=50)
    vars: dict[Name, Expr] = Field(default_factory=dict, max_length=200)
    constraints: list[Constraint] = Field(default_factory=list, max_length=50)
    cautions: list[Caution] = Field(default_factory=list, max_length=50)
    hall: HallSpec = HallSpec()
    racks: list[RackGroup] = Field(max_length=200)
    repeat: RepeatSpec | None = None
    fixed: FixedSpec | None = None
    cooling: CoolingSpec = CoolingSpec()
    power: PowerSpec = PowerSpec()
    fabrics: list[dict[str, Any]] = Field(default_factory=list, max_length=16)
    assumptions: dict[str, Any] = Field(default_factory=dict)
    expected: dict[str, Any] = Field(default_factory=dict)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _references(self) -> TemplateFile:
        if not self.racks and self.fixed is None:
            raise ValueError("racks: expected at least one rack group (or a fixed block)")
        if self.racks and self.fixed is not None:
            raise ValueError("racks: expected no rack groups in a template with a fixed block")
        if self.fixed is not None and (self.repeat is not None or self.fabrics):
            raise ValueError("fixed: a fixed block has no repeat and no template fabrics "
                             "(its fabrics are in fixed.fabrics)")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError("parameter names must be unique")
        bound = [b for p in self.parameters for bs in p.bindings.values() for b in bs]
        clash = (set(names) | set(bound)) & set(self.vars)
        if clash:
            raise ValueError(f"vars redefine parameters or bindings: {sorted(clash)}")
        groups = [g.name for g in self.racks]
        if len(set(groups)) != len(groups):
            raise ValueError("rack group names must be unique")
        if self.repeat is not None:
            missing = [g for g in self.repeat.groups if g not in groups]
            if missing:
                raise ValueError(f"repeat.groups: expected rack groups the template defines "
                                 f"(unknown: {', '.join(missing)})")
            idx = [groups.index(g) for g in self.repeat.groups]
            if idx != list(range(idx[0], idx[0] + len(idx))):
                raise ValueError("repeat.groups must be consecutive rack groups, in order")
        fabric_keys = set(Fabric.model_fields) | {"when"}
        tier_keys = set(FabricTier.model_fields) | {"when"}
        for k, spec in enumerate(self.fabrics):
            unknown_keys = sorted(set(spec) - fabric_keys)
            if unknown_keys:
                raise ValueError(f"fabrics[{k}]: expected only the fields a fabric has "
                                 f"(unknown: {', '.join(map(str, unknown_keys))})")
            if not isinstance(spec.get("id"), str):
                raise ValueError(f"fabrics[{k}].id: expected a text id")
            tiers = spec.get("tiers", [])
            if not isinstance(tiers, list) or not all(isinstance(t, dict) for t in tiers):
                raise ValueError(f"fabrics[{k}].tiers: expected a list of tiers "
                                 "({\"name\": ..., \"switch\": ...})")
            for j, tier in enumerate(tiers):
                bad = sorted(set(tier) - tier_keys)
                if bad:
                    raise ValueError(f"fabrics[{k}].tiers[{j}]: expected only the fields a tier "
                                     f"has (unknown: {', '.join(map(str, bad))})")
                if not all(isinstance(v, (str, int, float, bool, dict)) or v is None
                           for v in tier.values()):
                    raise ValueError(f"fabrics[{k}].tiers[{j}]: expected numbers, text or "
                                     "expressions")
                # a tier's name, switch and placement are text ("${switch}" at most)
                for key in ("name", "switch", "placement"):
                    if key in tier and not isinstance(tier[key], str) or \
                            key in ("name", "switch") and key not in tier:
                        raise ValueError(f"fabrics[{k}].tiers[{j}].{key}: expected a text "
                                         f"(got {json.dumps(tier.get(key))})")
            if not isinstance(spec.get("when", True), (bool, dict)):
                raise ValueError(f"fabrics[{k}].when: expected a condition object")
            for key in ("members", "network_racks"):
                val = spec.get(key, [])
                if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
                    raise ValueError(f"fabrics[{k}].{key}: expected a list of rack group names")
                unknown = [v for v in val if v not in groups]
                if unknown:
                    raise ValueError(f"fabrics[{k}].{key}: expected rack groups the template "
                                     f"defines (unknown: {', '.join(unknown)})")
        try:
            Assumptions(**{k: (1.0 if isinstance(v, str) else v)
                           for k, v in self.assumptions.items()})
        except ValidationError as exc:
            field, expected = format_validation_error(exc, Assumptions)
            raise ValueError(f"assumptions.{field}: expected {expected}") from None
        except TypeError:
            raise ValueError("assumptions: expected an object of assumption values") from None
        return self


def builtin_template_dir() -> Path:
    """Return the folder of the built-in template library."""
    return Path(__file__).resolve().parent.parent / "templates"


def user_template_dir() -> Path:
    """Return the user's template library folder (it may not exist).

    ``$RACKSCAPE_USER_DIR/templates`` when that variable is set, otherwise
    ``platformdirs.user_data_dir("rackscape")/templates``.

    Examples
    --------
    >>> user_template_dir().name
    'templates'
    """
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env) / "templates"
    import platformdirs

    return Path(platformdirs.user_data_dir("rackscape", appauthor=False)) / "templates"


def read_template_file(path: Path) -> TemplateFile:
    """Read and validate one template file (:class:`InputError` when bad)."""
    try:
        # NaN and Infinity are not JSON (a bundle refuses them too)
        data = load_json_file(path, MAX_DATA_FILE_BYTES, "template file", allow_constants=False)
    except OSError as exc:
        raise InputError(path, "", f"a readable template file ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno} column {exc.colno}",
                         f"valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "UTF-8 text") from None
    except RecursionError:
        raise InputError(path, "", "JSON nested less deeply") from None
    try:
        return TemplateFile.model_validate(data)
    except ValidationError as exc:
        field, expected = format_validation_error(exc, TemplateFile)
        raise InputError(path, field, expected) from None


@dataclass(frozen=True)
class UserLibrary:
    """The user template library as the loader reads it.

    ``templates`` and ``files`` hold, per template id, the template the library
    uses and its file. Two files with one id are never picked between silently:
    the file at ``<generation>/<id>.json`` (where :mod:`engine.snapshot` saves and
    :mod:`engine.bundle` installs it) is used, else the first in path order, and
    each other file is listed in ``duplicates``. ``bad`` holds the files that do
    not read as templates.
    """

    folder: Path | None
    templates: dict[str, TemplateFile]
    files: dict[str, Path]
    duplicates: dict[str, list[Path]]
    bad: list[InputError]

    def problems(self) -> list[str]:
        """Return one line per file left out: ``"<file>: <what is wrong>"``.

        Examples
        --------
        >>> import json, tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> spec = json.loads((builtin_template_dir() / "generic" / "fat-tree.json").read_text())
        >>> (d / "generic").mkdir()
        >>> for path in (d / "generic" / "my-tree.json", d / "copy.json"):
        ...     _ = path.write_text(json.dumps({**spec, "id": "my-tree"}))
        >>> lib = read_user_library(d)
        >>> lib.files["my-tree"].relative_to(d).as_posix()
        'generic/my-tree.json'
        >>> print(lib.problems()[0].replace(str(d), "LIB"))  # doctest: +NORMALIZE_WHITESPACE
        LIB/copy.json: same template id 'my-tree' as LIB/generic/my-tree.json, which is used
        instead (the file where the library saves that template); give one of the two files
        another id, or remove it
        """
        out = [str(e) for e in self.bad]
        for tid, others in self.duplicates.items():
            used = self.files[tid]
            why = ("the file where the library saves that template" if self.is_saved_place(tid)
                   else "the first of them in path order")
            out.extend(f"{p}: same template id {tid!r} as {used}, which is used instead "
                       f"({why}); give one of the two files another id, or remove it"
                       for p in others)
        return out

    def is_saved_place(self, template_id: str) -> bool:
        """Return whether the file used for ``template_id`` is at ``<generation>/<id>.json``."""
        path, t = self.files.get(template_id), self.templates.get(template_id)
        return path is not None and t is not None and self.folder is not None \
            and path == self.folder / t.generation / f"{t.id}.json"


def read_user_library(user_dir: Path | str | None = "default") -> UserLibrary:
    """Read every template file of the user library (``"default"``: :func:`user_template_dir`).

    Files and folders whose names start with ``.`` are not templates, nor is a
    ``manifest.json`` that is not one (a bundle's, unpacked in the folder; a template
    may have the id ``manifest``). See :class:`UserLibrary` for which file of an id is used.

    Examples
    --------
    >>> import tempfile
    >>> lib = read_user_library(Path(tempfile.mkdtemp()) / "missing")
    >>> lib.templates, lib.problems()
    ({}, [])
    """
    udir = user_template_dir() if user_dir == "default" else user_dir
    udir = Path(udir) if udir is not None else None
    found: dict[str, list[tuple[Path, TemplateFile]]] = {}
    bad: list[InputError] = []
    def unread(exc: OSError) -> None:  # a folder that cannot be read: said, not passed over
        bad.append(InputError(exc.filename or udir, "user template library",
                              f"a readable folder ({exc.strerror or exc}); its templates "
                              "were not read"))

    listed: list[Path] = []
    try:
        if udir is not None and udir.is_dir():
            for root, dirs, files in os.walk(udir, onerror=unread):
                dirs.sort()
                listed += [Path(root) / f for f in files if f.endswith(".json")]
        elif udir is not None and udir.exists():
            unread(NotADirectoryError(20, "a file, not a folder", str(udir)))
    except OSError as exc:
        unread(exc)
    listed.sort()
    if udir is not None:
        for path in listed:
            if any(p.startswith(".") for p in path.relative_to(udir).parts):
                continue
            try:
                t = read_template_file(path)
            except InputError as exc:
                if path.name != "manifest.json":  # a bundle's manifest, unpacked here
                    bad.append(exc)
                continue
            found.setdefault(t.id, []).append((path, t))
    templates: dict[str, TemplateFile] = {}
    files: dict[str, Path] = {}
    duplicates: dict[str, list[Path]] = {}
    for tid, copies in found.items():
        saved = [c for c in copies if udir is not None
                 and c[0] == udir / c[1].generation / f"{tid}.json"]
        path, t = (saved or copies)[0]
        templates[tid], files[tid] = t, path
        if len(copies) > 1:
            duplicates[tid] = [p for p, _ in copies if p != path]
    return UserLibrary(folder=udir, templates=templates, files=files, duplicates=duplicates,
                       bad=bad)


def list_templates(generation: str | None = None, user_dir: Path | None | str = "default",
                   problems: list[str] | None = None,
                   replaced: dict[str, Path] | None = None) -> list[TemplateFile]:
    """Return the built-in and user templates (user ids override built-in ones).

    A bad user template is skipped, and a second user file of one id left out
    (:class:`UserLibrary` says which is used); each is described in ``problems``.
    ``replaced`` receives each built-in id a user file takes the place of, and that file.

    Examples
    --------
    >>> "dgx-h100-superpod" in {t.id for t in list_templates(user_dir=None)}
    True
    """
    found: dict[str, TemplateFile] = {}
    for path in sorted(builtin_template_dir().glob("*/*.json")):
        t = read_template_file(path)
        found[t.id] = t
    lib = read_user_library(user_dir)
    if replaced is not None:
        replaced.update((tid, lib.files[tid]) for tid in sorted(set(found) & set(lib.templates)))
    found.update(lib.templates)
    if problems is not None:
        problems.extend(lib.problems())
    out = list(found.values())
    if generation:
        out = [t for t in out if t.generation == generation]
    return out


def replaced_builtins(user_dir: Path | None | str = "default") -> dict[str, Path]:
    """Return the built-in template ids a user library file replaces, and that file.

    Examples
    --------
    >>> import tempfile
    >>> replaced_builtins(Path(tempfile.mkdtemp()))
    {}
    """
    out: dict[str, Path] = {}
    list_templates(user_dir=user_dir, replaced=out)
    return out


def get_template(template_id: str, user_dir: Path | None | str = "default") -> TemplateFile:
    """Return a template by id (:class:`ParameterError` when unknown).

    When a user template file of that name is bad, the error says what is wrong
    with it, even where a built-in template has the id (the file was meant to
    replace it).
    """
    lib = read_user_library(user_dir)
    # a bad user file of that name is the user's version of it: never fall back silently
    # to the built-in one it was meant to replace
    mine = [e for e in lib.bad if e.file is not None and Path(e.file).stem == template_id]
    if mine:
        raise ParameterError(f"template {template_id!r} is not valid: {mine[0]}")
    if template_id in lib.templates:
        return lib.templates[template_id]
    found = [t for t in list_templates(user_dir=None) if t.id == template_id]
    if found:
        return found[0]
    raise ParameterError(f"unknown template {template_id!r}; `rackscape templates` lists them")


def layout_template_id(layout: Layout, templates: list[TemplateFile]) -> str | None:
    """Return the id of the template ``layout`` was made from, or None when it does not say.

    A layout keeps no template id; :func:`instantiate` names it by the template's
    title and parameters ("<title> (scalable_units=2, ...)"), so the template is
    the one of the layout's generation whose title starts the name (the longest
    such title; the first of ``templates`` among equals). A layout renamed, or
    retargeted to another generation, names none.

    Examples
    --------
    >>> everything = list_templates(user_dir=None)
    >>> lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1})
    >>> layout_template_id(lay, everything)
    'gb200-nvl72-superpod'
    >>> layout_template_id(lay.model_copy(update={"name": "Hall 3"}), everything) is None
    True
    """
    name = layout.name.strip()
    best: TemplateFile | None = None
    for t in templates:
        gen = t.generation if t.layout_generation is None else layout.generation
        if gen != layout.generation or not t.title:
            continue
        if name != t.title and not name.startswith(t.title + " ("):
            continue
        if best is None or len(t.title) > len(best.title):
            best = t
    return best.id if best is not None else None


def _shown(raw: Any) -> str:
    """Return a value as the user gave it, cut to one short line."""
    text = repr(raw) if isinstance(raw, str) else str(raw) if isinstance(
        raw, (bool, float)) else repr(raw)[:60] if not isinstance(raw, int) else \
        (f"{raw}" if abs(raw) < 10 ** 40 else "a number of more than 40 digits")
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def _coerce(p: Parameter, raw: Any) -> Any:
    if p.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "yes", "1", "false", "no", "0"):
            return raw.lower() in ("true", "yes", "1")
        raise ParameterError(f"parameter {p.name}: expected true or false, got {_shown(raw)}")
    if p.type == "choice":
        if isinstance(raw, bool) or str(raw) not in p.choices:
            raise ParameterError(f"parameter {p.name}: expected one of {', '.join(p.choices)}, "
                                 f"got {_shown(raw)}")
        return str(raw)
    kind = "an integer" if p.type == "int" else "a number"
    if p.min is not None or p.max is not None:
        kind += " " + _range_text(p.min, p.max).removeprefix("a value ")
    try:
        if isinstance(raw, bool):
            raise ValueError
        if p.type == "int":
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            # plain decimal digits only ("1_6" or other scripts' digits are typing slips)
            if isinstance(raw, str) and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", raw):
                raise ValueError
            digits = raw.strip().lstrip("+-") if isinstance(raw, str) else ""
            # more digits than Python turns into an int: past any bound, as an overflow is
            val: float = (math.copysign(math.inf, -1 if raw.strip()[0] == "-" else 1)
                          if len(digits) > 300 else int(raw.strip())) \
                if isinstance(raw, str) else int(raw)
        else:
            if isinstance(raw, str) and not re.fullmatch(
                    r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", raw):
                raise ValueError
            val = float(raw)
        # a numeral too large for a float (1e400) is out of range, not "no number"
        if isinstance(val, float) and not math.isfinite(val) and not (
                isinstance(raw, str) and math.isinf(val)
                and (p.min is not None or p.max is not None)):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"parameter {p.name}: expected {kind}, got {_shown(raw)}") from None
    # the value as given (8.0000001 is not 8): the text typed, else every digit of the number
    given = raw.strip() if isinstance(raw, str) else _num(raw) if isinstance(raw, float) \
        else _shown(raw)
    if len(given) > 40:
        given = f"{given[:20]}... (a number of {len(given):,} characters)"
    if p.min is not None and val < p.min or p.max is not None and val > p.max:
        raise ParameterError(f"parameter {p.name}: expected {_range_text(p.min, p.max)}, "
                             f"got {given}")
    if p.even and int(val) % 2:
        raise ParameterError(f"parameter {p.name}: expected an even number, got {given}")
    return val


def resolve_params(t: TemplateFile, values: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce parameter values against the template, filling defaults.

    Returns the environment of the template's expressions: parameters, the
    names bound by choice parameters, then ``vars`` in file order.

    Examples
    --------
    >>> env = resolve_params(get_template("dgx-h100-superpod", user_dir=None),
    ...                      {"scalable_units": "2"})
    >>> env["scalable_units"], env["gpus"]
    (2, 504)
    """
    known = {p.name: p for p in t.parameters}
    for k in values:
        if k not in known:
            raise ParameterError(f"unknown parameter {k!r} for template {t.id} "
                                 f"(known: {', '.join(known) or 'none'})")
    try:
        env = {name: _coerce(p, values.get(name, p.default)) for name, p in known.items()}
    except ParameterError as exc:  # one form for every template error: which template
        raise ParameterError(f"template {t.id}: {exc}") from None
    for p in t.parameters:
        if p.bindings:
            env.update(p.bindings[env[p.name]])
    for name, expr in t.vars.items():
        try:
            env[name] = evaluate(expr, env)
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise ParameterError(f"template {t.id}: value {name}: {exc}") from None
    for c in t.constraints:
        try:
            ok = evaluate(c.expr, env)
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise ParameterError(f"template {t.id}: constraint {c.expr!r}: {exc}") from None
        if not ok:
            raise ParameterError(f"template {t.id}: {_said(c.message, env)}")
    return env


def template_cautions(t: TemplateFile, values: dict[str, Any]) -> list[str]:
    """Return the notes of the template's cautions that hold for ``values``.

    Raises :class:`ParameterError` when the values are refused (as
    :func:`resolve_params`) or a caution's condition cannot be evaluated.

    Examples
    --------
    >>> t = get_template("dgx-b300-superpod", user_dir=None)
    >>> template_cautions(t, {"edition": "dc-busbar", "scalable_units": 16})
    []
    >>> template_cautions(t, {"edition": "dc-busbar", "scalable_units": 17})[0][:52]
    '17 SU is beyond the 16 SU of the dc-busbar edition’s'
    """
    env = resolve_params(t, values)
    out = []
    for c in t.cautions:
        try:
            hit = evaluate(c.when, env)
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise ParameterError(f"template {t.id}: caution {c.when!r}: {exc}") from None
        if hit:
            out.append(_said(c.message, env))
    return out


def _said(text: str, env: dict[str, Any]) -> str:
    """Fill a constraint's message with the values it names (``${nodes}``): what was
    asked for, and the limit it meets. A name the template does not define stays as written.

    Examples
    --------
    >>> _said("${nodes} nodes at ${ratio}:1 (${x})", {"nodes": 40000, "ratio": 1.0})
    '40,000 nodes at 1:1 (${x})'
    """
    def rep(m: re.Match) -> str:
        val = env.get(m.group(1), m.group(0))
        if isinstance(val, bool) or not isinstance(val, int | float):
            return str(val)
        if isinstance(val, float) and val.is_integer() and abs(val) < 1e16:
            val = int(val)
        return f"{val:,}" if isinstance(val, int) else _num(val)

    return _SUBST.sub(rep, text)


_SUBST = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


def _typed(value: Any) -> str:
    """A parameter's value in a layout's name as it is typed (``--set ufm_port=true``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _s(text: str, env: dict[str, Any]) -> str:
    def rep(m: re.Match) -> str:
        if m.group(1) not in env:
            raise ParameterError(f"unknown name {m.group(1)!r} in {text!r}")
        return str(env[m.group(1)])

    return _SUBST.sub(rep, text)


def _n(expr: Expr, env: dict[str, Any], what: str) -> float:
    try:
        val = evaluate(_s(expr, env) if isinstance(expr, str) else expr, env)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ParameterError(f"{what}: {exc}") from None
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
        raise ParameterError(f"{what}: expected a number, got {val!r}")
    return val


def _i(expr: Expr, env: dict[str, Any], what: str, least: int | None = None) -> int:
    """A whole number (an expression that gives 2.5 racks is an error, not 2), at least
    ``least`` where given."""
    val = _n(expr, env, what)
    if abs(val - round(val)) > 1e-9:
        raise ParameterError(f"{what}: expected a whole number (got {val:g})")
    n = int(round(val))
    if least is not None and n < least:
        raise ParameterError(f"{what}: expected at least {least} (got {n})")
    return n


def _rack_contents(g: RackGroup, env: dict[str, Any]) -> tuple[str | None, list[MountedDevice]]:
    if g.system:
        return _s(g.system, env), []
    devices: list[MountedDevice] = []
    for spec in g.devices:
        n = _i(spec.count, env, f"racks.{g.name}.devices.count")
        if n < 0 or n > 60:
            raise ParameterError(f"racks.{g.name}.devices.count: expected 0 to 60, got {n}")
        u0 = _i(spec.u, env, f"racks.{g.name}.devices.u")
        pitch = _i(spec.pitch_u, env, f"racks.{g.name}.devices.pitch_u", least=0) \
            if spec.pitch_u is not None else 0
        dtype = _s(spec.type, env)
        for k in range(n):
            try:
                devices.append(MountedDevice(type=dtype, u=u0 + k * pitch,
                                             name=_s(spec.name, env) if spec.name else None))
            except ValidationError as exc:
                field, expected = format_validation_error(exc)
                raise ParameterError(f"racks.{g.name}.devices.{field}: expected {expected}") \
                    from None
    return None, devices


def _pick_model(catalog: Catalog, model_id: str, what: str, kinds: tuple[str, ...]):
    try:
        model = catalog.facility[model_id]
    except KeyError:
        raise ParameterError(f"{what}: unknown facility model {model_id!r}") from None
    if model.kind not in kinds:
        want = " or ".join(FACILITY_KIND_WORDS[k] for k in kinds)
        raise ParameterError(f"{what}: expected {want} model (got {model_id!r}, "
                             f"{FACILITY_KIND_WORDS.get(model.kind, model.kind)})")
    if model.capacity_kw.value is None:  # the units are sized and copied by it
        raise ParameterError(
            f"{what}: facility model {model_id!r} has no capacity figure (catalog field "
            f"{model_id}.capacity_kw; a user catalog file that redefines it must give one)")
    return model


def _group_sequence(t: TemplateFile, env: dict[str, Any]
                    ) -> list[tuple[RackGroup, int, int | None]]:
    """Return the rack groups in layout order, with the repeated block expanded.

    Each entry is ``(group, block, instance)``: the groups before the repeated block are
    block 0, each repeat is a block of its own, the groups after it one more block;
    ``instance`` is the repeat's index (``None`` outside the repeated block).
    """
    if t.repeat is None:
        return [(g, 0, None) for g in t.racks]
    n = _i(t.repeat.count, env, "repeat.count")
    if n < 0 or n > 10_000:
        raise ParameterError(f"repeat.count: expected 0 to 10000 blocks, got {n}")
    names = [g.name for g in t.racks]
    lo = names.index(t.repeat.groups[0])
    hi = lo + len(t.repeat.groups)
    return ([(g, 0, None) for g in t.racks[:lo]]
            + [(g, 1 + k, k) for k in range(n) for g in t.racks[lo:hi]]
            + [(g, n + 1, None) for g in t.racks[hi:]])


Slot = tuple[RackGroup, int | None]  # a rack: its group and repeat instance


def _block_rows(entries: list[tuple[RackGroup, int | None, int]], per_row: int,
                env: dict[str, Any]) -> tuple[list[list[Slot]], list[bool]]:
    """Return one block's racks in rows (``(group, instance)`` per rack, in x order) and
    whether each row is centred on the hall's widest row.

    A group starts a new row unless it says otherwise (``new_row``); a run of rows
    (a group that starts one and the groups that continue it) in the first half of the
    block puts its short row first, one in the second half last. A group aligned to the
    centre among other groups (a network group between compute groups) stands in line:
    its racks are shared out over the rows around it, the odd ones to the middle rows,
    each in the middle of its row. So no row between two others is shorter than both:
    a short row between two rows that face the same way would leave a gap across which
    one row's exhaust faces the other's intake. A centre group on its own has rows of
    its own, centred on the widest.
    """
    def row_len(g: RackGroup) -> int:
        return per_row if g.racks_per_row is None else \
            _i(g.racks_per_row, env, f"racks.{g.name}.racks_per_row", least=1)

    in_line = any(g.align == "center" for g, _, _ in entries) and \
        any(g.align != "center" for g, _, _ in entries)
    # each run of rows, whether it comes before the centre group, and whether it is centred
    runs: list[tuple[list[list[Slot]], bool, bool]] = []
    seen = False
    for g, inst, n in entries:
        if in_line and g.align == "center":
            seen = True
            continue
        if g.new_row or not runs:
            runs.append(([[]], not seen, g.align == "center"))
        run = runs[-1][0]
        for _ in range(n):
            if len(run[-1]) >= row_len(g):
                run.append([])
            run[-1].append((g, inst))
    rows: list[list[Slot]] = []
    centred: list[bool] = []
    for k, (run, before, centre) in enumerate(runs):
        first_half = before if in_line else k < len(runs) // 2
        if first_half and len(run[-1]) < len(run[0]):
            run = [run[-1], *run[:-1]]
        rows += run
        centred += [centre] * len(run)
    if not in_line:
        return rows, centred
    mid = [(g, inst) for g, inst, n in entries if g.align == "center" for _ in range(n)]
    base, extra = divmod(len(mid), len(rows))
    first = (len(rows) - extra) // 2  # the rows that take one more: the middle ones
    out, pos = [], 0
    for k, row in enumerate(rows):
        share = base + (1 if first <= k < first + extra else 0)
        half = (len(row) + 1) // 2
        out.append(row[:half] + mid[pos:pos + share] + row[half:])
        pos += share
    return out, [True] * len(out)


def _group_rack_ids(names: list[str], group_ids: dict[tuple[int | None, str], list[str]],
                    repeat: RepeatSpec | None) -> list[str]:
    """Return the rack ids of rack groups ``names``, in that order; groups of the repeated
    block named one after another are taken repeat by repeat (pod 1's ``a`` and ``b``
    halves, then pod 2's), so a fabric's scalable units follow the blocks as laid out
    (taken group by group, a 384-node unit of the Meta cluster was two pods' ``a`` halves,
    and each RTSW uplinked to another pod's network racks).

    Examples
    --------
    >>> ids = {(0, "a"): ["A1"], (0, "b"): ["B1"], (1, "a"): ["A2"], (1, "b"): ["B2"]}
    >>> _group_rack_ids(["a", "b"], ids, RepeatSpec(count=2, groups=["a", "b"]))
    ['A1', 'B1', 'A2', 'B2']
    >>> _group_rack_ids(["b", "a"], {(None, "a"): ["A1"], (None, "b"): ["B1"]}, None)
    ['B1', 'A1']
    """
    repeated = set(repeat.groups) if repeat is not None else set()
    instances = sorted({inst for inst, _ in group_ids if inst is not None})
    out: list[str] = []
    k = 0
    while k < len(names):
        if names[k] not in repeated:
            out += group_ids.get((None, names[k]), [])
            k += 1
            continue
        run = []
        while k < len(names) and names[k] in repeated:
            run.append(names[k])
            k += 1
        for inst in instances:
            for grp in run:
                out += group_ids.get((inst, grp), [])
    return out


def _assumptions(t: TemplateFile, env: dict[str, Any]) -> Assumptions:
    vals = {k: (_n(v, env, f"assumptions.{k}") if isinstance(v, str) else v)
            for k, v in t.assumptions.items()}
    try:
        return Assumptions(**vals)
    except ValidationError as exc:
        field, expected = format_validation_error(exc)
        raise ParameterError(f"template {t.id}: assumptions.{field}: expected {expected}") \
            from None


def _group_heat(t: TemplateFile, groups: dict[str, RackGroup], contents: dict, rt_cache: dict,
                env: dict[str, Any], catalog: Catalog,
                assumptions: Assumptions) -> dict[str, tuple[float, float]]:
    """Return ``(power_kw, liquid_kw)`` per rack of each group (one probe rack per group)."""
    names = list(contents)
    probe_racks = [Rack(id=f"P{k}", type=rt_cache[name].id, x_m=0.0, y_m=0.0,
                        system=contents[name][0], devices=list(contents[name][1]))
                   for k, name in enumerate(names)]
    probe = Layout(name="probe", hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]), racks=probe_racks,
                   assumptions=assumptions)
    try:
        arr = compile_layout(probe, catalog)
    except InputError as exc:
        field = exc.field.replace("racks[", "rack group [")
        raise ParameterError(f"template {t.id}: {field}: expected {exc.expected}") from None
    out = {}
    for k, name in enumerate(names):
        g = groups[name]
        reserve = _n(g.reserve_kw, env, f"racks.{name}.reserve_kw") if g.reserve_kw is not None \
            else 0.0
        if reserve < 0:
            raise ParameterError(f"racks.{name}.reserve_kw: expected 0 or more, got {_num(reserve)}")
        out[name] = (float(arr.rack_power_w[k]) / 1000.0 + reserve,
                     float(arr.rack_liquid_w[k]) / 1000.0)
    return out


def instantiate(template: str | TemplateFile, params: dict[str, Any] | None = None,
                catalog: Catalog | None = None, name: str | None = None) -> Layout:
    """Lay out a template for ``params`` and return the new :class:`Layout`.

    Raises
    ------
    ParameterError
        For an unknown, mistyped or out-of-range parameter, or a template whose
        values do not evaluate.

    Examples
    --------
    >>> lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1})
    >>> sum(1 for r in lay.racks if r.system == "gb200-nvl72")
    8
    >>> sorted({u.kind for u in lay.cooling})
    ['cdu', 'crah']
    """
    catalog = catalog or default_catalog()
    t = get_template(template) if isinstance(template, str) else template
    env = resolve_params(t, dict(params or {}))
    try:
        if t.fixed is not None:
            # a saved block names hardware by id: one the catalog lacks (a bundle from a
            # user catalog this one does not have) would make a layout nothing can read
            problem = catalog_problem(t, catalog, env)
            if problem:
                raise ParameterError(problem)
            return _instantiate_fixed(t, env, name)
        return _instantiate(t, env, catalog, name)
    except ParameterError as exc:
        msg = str(exc)
        raise ParameterError(msg if msg.startswith(f"template {t.id}") else
                             f"template {t.id}: {msg}") from None
    except ValidationError as exc:
        # figures of the catalog (a user's override) that lay out an impossible hall
        field, expected = format_validation_error(exc)
        raise ParameterError(f"template {t.id}: these parameters and catalog figures give "
                             f"an invalid layout ({field}: expected {expected})") from None
    except (ZeroDivisionError, OverflowError) as exc:
        raise ParameterError(f"template {t.id}: these parameters and catalog figures cannot "
                             f"be laid out ({exc})") from None


def catalog_problem(t: TemplateFile, catalog: Catalog,
                    env: dict[str, Any] | None = None) -> str | None:
    """Return the first piece of hardware a template names that ``catalog`` lacks, as
    "field: what" (``None`` when the catalog has all of it), for its parameters ``env``
    (the defaults when not given): rack types, systems and devices of its rack groups or
    fixed block, and a fixed block's unit and feed models and fabric switches.

    Examples
    --------
    >>> t = get_template("gb200-nvl72-superpod")
    >>> catalog_problem(t, default_catalog()) is None
    True
    >>> bad = t.model_copy(update={"racks": [t.racks[0].model_copy(
    ...     update={"rack_type": "no-such-rack"})] + t.racks[1:]})
    >>> catalog_problem(bad, default_catalog())
    "racks.compute_a.rack_type: a rack type of the catalog (unknown 'no-such-rack')"
    """
    env = resolve_params(t, {}) if env is None else env
    checks: list[tuple[str, str | None, Any]] = []
    for g in t.racks:
        checks.append((f"racks.{g.name}.rack_type", _s(g.rack_type, env), catalog.racks))
        if g.system:
            checks.append((f"racks.{g.name}.system", _s(g.system, env), catalog.devices))
        checks += [(f"racks.{g.name}.devices", _s(d.type, env), catalog.devices)
                   for d in g.devices]
    f = t.fixed
    if f is not None:
        for r in f.racks:
            checks.append((f"fixed.racks.{r.id}.type", r.type, catalog.racks))
            if r.system:
                checks.append((f"fixed.racks.{r.id}.system", r.system, catalog.devices))
            checks += [(f"fixed.racks.{r.id}.devices", d.type, catalog.devices)
                       for d in r.devices]
        checks += [(f"fixed.cooling.{u.id}.model", u.model, catalog.facility)
                   for u in f.cooling if u.model]
        checks += [(f"fixed.feeds.{p.id}.model", p.model, catalog.facility)
                   for p in f.feeds if getattr(p, "model", None)]
        checks += [(f"fixed.fabrics.{fb.id}.tiers.{tr.name}.switch", tr.switch, catalog.devices)
                   for fb in f.fabrics for tr in fb.tiers]
    words = {id(catalog.racks): "a rack type", id(catalog.devices): "a device",
             id(catalog.facility): "a facility model"}
    for where, ref, known in checks:
        if ref and ref not in known:
            return f"{where}: {words[id(known)]} of the catalog (unknown {ref!r})"
    return None


def _instantiate(t: TemplateFile, env: dict[str, Any], catalog: Catalog,
                 name: str | None) -> Layout:
    lay, estimate_kw = _lay_out(t, env, catalog, name)
    if not any(u.kind in ("crah", "cdu") for u in lay.cooling):
        return lay
    # the estimate sized the units; the laid-out fabric now says where the heat really
    # is (the generated switches' power in their network racks, the optics' in the room).
    # Lay out again on those figures; then, while the engine's cooling model (room air
    # shared by nearness) still leaves a CRAH over its capacity, move units toward the
    # rows whose units are loaded most, and after a few such passes add units.
    measured_kw, optics_kw = _measured_heat(lay, catalog)
    # a switch model without a published power keeps its rack's reserve (the estimate)
    heat_kw = ([max(a, b) for a, b in zip(estimate_kw[0], measured_kw[0], strict=True)],
               measured_kw[1])
    gain: np.ndarray | None = None
    extra_crah, min_cols, before_kw, deeper = 0, 1, math.inf, False
    group_extra: dict[str, int] = {}
    best: tuple[float, Layout] = (math.inf, lay)
    for _ in range(_SIZING_PASSES):
        lay, _ = _lay_out(t, env, catalog, name, extra_air_kw=optics_kw, rack_heat_kw=heat_kw,
                          extra_crah=extra_crah, row_gain=gain, min_cols=min_cols,
                          group_extra=group_extra)
        room = _room_units(lay, catalog, heat_kw, optics_kw)
        short_kw = sum(room.group_short_kw.values())
        if room.over_kw + short_kw < best[0]:
            best = (room.over_kw + short_kw, lay)
        if room.over_kw <= 0 and short_kw <= 0:
            break
        if room.over_kw > 0:
            # (damped: the shares of heat by nearness overshoot when followed in full)
            gain = np.clip(room.row_util ** 0.7 * (1.0 if gain is None else gain), 0.2, 5.0)
        stalled = room.over_kw > 0.8 * before_kw
        if len(room.group_short_kw) > 1:
            # a hall of several groups: a group short of N+1 gets the units it lacks at
            # once; one with units over capacity gets more when moving them stops helping
            for g, kw in room.group_short_kw.items():
                if kw > 0:
                    group_extra[g] = group_extra.get(g, 0) + math.ceil(kw / room.crah_kw)
            if stalled:
                if _deepen(room, min_cols, deeper):
                    min_cols, deeper = room.cols + 1, True
                else:
                    for g, kw in room.group_over_kw.items():
                        if kw > 0:
                            group_extra[g] = group_extra.get(g, 0) + math.ceil(kw / room.crah_kw)
        elif stalled or short_kw > 0:
            # moving units along the walls no longer helps: when the walls by the heat
            # are full the units there stand a column deeper (see _deepen), then more
            # are added, two at a time (one per side)
            if short_kw <= 0 and _deepen(room, min_cols, deeper):
                min_cols, deeper = room.cols + 1, True
            else:
                extra_crah += 2 * math.ceil(
                    (max(room.over_kw, short_kw) / room.crah_kw + room.n_over / 4) / 2)
        before_kw = room.over_kw
    return best[1]


_SIZING_PASSES = 16
_MAX_COLS = 4


def _deepen(room: _RoomUnits, min_cols: int, deeper: bool) -> bool:
    """Whether the CRAHs should stand a gallery column deeper on the next pass, now that
    moving them along the walls no longer takes their overload off.

    The first time, yes (up to :data:`_MAX_COLS` columns). Again only while units stand
    past the ends of the rows: there the walls level with the heat are full, so a unit
    more in a column stands farther still from the racks and takes little of their air,
    while the units level with the rows keep it; a column more brings every unit
    nearer. Never when the last column asked for did not come (too few units to fill
    it), so the units are added instead.

    Examples
    --------
    >>> r = _RoomUnits(over_kw=9.0, crah_kw=150.0, cols=2, n_over=2, row_util=np.ones(3),
    ...                group_short_kw={}, group_over_kw={}, past_rows=True)
    >>> _deepen(r, 2, True), _deepen(r, 3, True)
    (True, False)
    >>> r.past_rows = False
    >>> _deepen(r, 1, False), _deepen(r, 2, True)
    (True, False)
    """
    if room.cols >= _MAX_COLS or room.cols < min_cols:
        return False
    return not deeper or room.past_rows


def _measured_heat(lay: Layout, catalog: Catalog
                   ) -> tuple[tuple[list[float], list[float]], float]:
    """Return ``((power_kw, liquid_kw) per rack, optics_kw)`` of a laid-out template,
    with the generated switches and the optics at the link ends in their racks (the
    optics of no rack in ``optics_kw``), from the engine's own models."""
    from engine.network import analyze_network

    arr = compile_layout(lay, catalog)
    net = analyze_network(lay, catalog, arr)
    optics_w = net.rack_optics_w(arr.n_racks)
    power_w = arr.rack_power_w + net.generated_rack_power_w(arr.n_racks) + optics_w
    loose_kw = max(net.optics_w - float(optics_w.sum()), 0.0) / 1e3
    return ((power_w / 1e3).tolist(), (arr.rack_liquid_w / 1e3).tolist()), loose_kw


@dataclass
class _RoomUnits:
    """How the CRAHs of a laid-out template are loaded by the engine's cooling model."""

    over_kw: float  # air heat beyond the capacity of the CRAHs that are over
    crah_kw: float  # capacity of the largest CRAH
    cols: int  # CRAH columns per side
    n_over: int  # CRAHs over their capacity
    row_util: np.ndarray  # per row: the utilization of its racks' CRAHs, by air heat
    group_short_kw: dict[str, float]  # per CRAH group: how far its N+1 margin is below 0
    group_over_kw: dict[str, float]  # per CRAH group: air heat beyond its units' capacity
    past_rows: bool = False  # a CRAH stands wholly beyond the outer rows (along the wall)


def _room_units(lay: Layout, catalog: Catalog, heat_kw: tuple[list[float], list[float]],
                optics_kw: float) -> _RoomUnits:
    """Return the CRAHs' overload and the per-row utilization for ``lay``."""
    from engine.cooling import analyze_cooling

    arr = compile_layout(lay, catalog)
    power_w = np.asarray(heat_kw[0]) * 1e3
    liquid_w = np.asarray(heat_kw[1]) * 1e3
    cool = analyze_cooling(lay, arr.rack_x_m, arr.rack_y_m, power_w, liquid_w,
                           arr.rack_airflow_cfm, extra_air_kw=optics_kw,
                           rack_rot_deg=arr.rack_rot_deg, rack_d_m=arr.rack_d_m)
    crah = np.array([k == "crah" for k in cool.unit_kind], bool)
    over = np.maximum(cool.unit_load_kw - cool.unit_capacity_kw, 0.0)[crah]
    cap = cool.unit_capacity_kw[crah]
    labels = [r.row or "" for r in lay.racks]
    order = {lab: k for k, lab in enumerate(dict.fromkeys(labels))}
    row = np.fromiter((order[lab] for lab in labels), np.int64, len(labels))
    util = np.where(cool.rack_crah >= 0, cool.unit_utilization[np.maximum(cool.rack_crah, 0)],
                    1.0)
    air = np.maximum(cool.rack_air_kw, 0.0)
    n_rows = len(order)
    heat = np.bincount(row, weights=air, minlength=n_rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        row_util = np.bincount(row, weights=air * util, minlength=n_rows) / heat
    xs = {round(u.x_m, 3) for u in lay.cooling if u.kind == "crah"}
    group = cool.unit_group[crah] if cool.unit_group is not None else np.zeros(len(cap), int)
    names = sorted(set(group.tolist()))
    short = {cool.group_names[g]: max(-float(cool.group_margin_kw[g]), 0.0) for g in names}
    over_g = {cool.group_names[g]: float(over[group == g].sum()) for g in names}
    # a unit whose whole width along the wall lies beyond the outer rows' centres
    lo, hi = float(arr.rack_y_m.min()), float(arr.rack_y_m.max())
    past = any(u.y_m + u.width_m / 2 < lo or u.y_m - u.width_m / 2 > hi
               for u in lay.cooling if u.kind == "crah")
    return _RoomUnits(over_kw=float(over.sum()), crah_kw=float(cap.max()) if len(cap) else 1.0,
                      cols=max(1, len(xs) // 2), n_over=int(np.count_nonzero(over)),
                      row_util=np.where(heat > 0, row_util, 1.0), group_short_kw=short,
                      group_over_kw=over_g, past_rows=past)


def _lay_out(t: TemplateFile, env: dict[str, Any], catalog: Catalog, name: str | None,
             extra_air_kw: float = 0.0,
             rack_heat_kw: tuple[list[float], list[float]] | None = None,
             extra_crah: int = 0, row_gain: np.ndarray | None = None,
             min_cols: int = 1, group_extra: dict[str, int] | None = None
             ) -> tuple[Layout, tuple[list[float], list[float]]]:
    """Lay out a template's rows, cooling, feeds, trays and fabrics for ``env``.

    ``extra_air_kw`` is room heat outside the racks (optics) the CRAHs must take;
    ``rack_heat_kw`` (power, liquid per rack, in layout order), when given, replaces
    the estimate from the catalog and the groups' reserves; ``extra_crah`` room units are added to the sizing;
    ``row_gain`` scales each row's heat when the CRAHs are placed along the walls;
    ``min_cols`` is the least number of CRAH columns per side; ``group_extra`` units
    are added to the CRAH groups it names (a hall of several groups). Returns the
    layout and the heat it was sized for (power, liquid per rack)."""
    hs = t.hall
    per_row = _i(hs.racks_per_row, env, "hall.racks_per_row", least=1)
    cold = _n(hs.cold_aisle_m, env, "hall.cold_aisle_m")
    hot = _n(hs.hot_aisle_m, env, "hall.hot_aisle_m")
    margin = _n(hs.margin_m, env, "hall.margin_m")
    service = _n(hs.service_m, env, "hall.service_m")
    for what, val in (("cold_aisle_m", cold), ("hot_aisle_m", hot), ("margin_m", margin),
                      ("service_m", service)):
        if not 0 <= val <= 100:
            raise ParameterError(f"hall.{what}: expected 0 to 100 m, got {_num(val)}")
    assumptions = _assumptions(t, env)

    # 1. racks in rows; a group starts a new row unless told otherwise, a centre group
    # stands in line in the middle of the rows around it; the repeated block (pods,
    # scalable units) is laid out count times, every other block mirrored (its rows in
    # reverse order) so the short last rows of two blocks meet and no short row stands
    # between two longer ones
    groups = {g.name: g for g in t.racks}
    contents: dict[str, tuple[str | None, list[MountedDevice]]] = {}
    rows: list[list[Slot]] = []
    centred: list[bool] = []
    total = 0
    blocks: dict[int, list[tuple[RackGroup, int | None, int]]] = {}
    for g, block, inst in _group_sequence(t, env):
        n = _i(g.count, env, f"racks.{g.name}.count", least=0)
        if n < 0 or n > MAX_TEMPLATE_RACKS:
            raise ParameterError(f"racks.{g.name}.count: expected 0 to {MAX_TEMPLATE_RACKS} "
                                 f"racks, got {n}")
        total += n
        if total > MAX_TEMPLATE_RACKS:
            raise ParameterError(f"template {t.id}: these parameters give more than "
                                 f"{MAX_TEMPLATE_RACKS} racks")
        if n == 0:
            continue
        if g.name not in contents:
            contents[g.name] = _rack_contents(g, env)
        blocks.setdefault(block, []).append((g, inst, n))
    for entries in blocks.values():
        block_rows, block_centred = _block_rows(entries, per_row, env)
        inst = entries[0][1]
        if inst is not None and inst % 2 == 1:
            block_rows, block_centred = block_rows[::-1], block_centred[::-1]
        rows += block_rows
        centred += block_centred
    if not rows:
        raise ParameterError(f"template {t.id}: these parameters give no racks")
    rt_cache = {}
    for gname in contents:
        rid = _s(groups[gname].rack_type, env)
        if rid not in catalog.racks:
            raise ParameterError(f"racks.{gname}.rack_type: unknown rack type {rid!r}")
        rt_cache[gname] = catalog.racks[rid]
    depth = max(rt.depth_mm.v(1200) for rt in rt_cache.values()) / 1000.0

    # 2. heat per rack from the catalog (plus reserves), to size cooling and feeds
    heat = _group_heat(t, groups, contents, rt_cache, env, catalog, assumptions)
    order = [g for row in rows for g, _ in row]
    rack_kw = [heat[g.name][0] for g in order]
    liquid_kw = [heat[g.name][1] for g in order]
    if rack_heat_kw is not None and len(rack_heat_kw[0]) == len(order):
        rack_kw, liquid_kw = list(rack_heat_kw[0]), list(rack_heat_kw[1])
    air_kw = [p - q for p, q in zip(rack_kw, liquid_kw, strict=True)]

    cooling = t.cooling
    air_model = _pick_model(catalog, _s(cooling.air_unit, env), "cooling.air_unit", ("crah",)) \
        if cooling.air_unit else None
    liq_model = _pick_model(catalog, _s(cooling.liquid_unit, env), "cooling.liquid_unit",
                           ("cdu",)) \
        if cooling.liquid_unit else None
    crah_d = (air_model.depth_mm.v(900) / 1000.0) if air_model else 0.0
    crah_w = (air_model.width_mm.v(2500) / 1000.0) if air_model else 0.0
    cdu_w = (liq_model.width_mm.v(1200) / 1000.0) if liq_model else 0.0
    cdu_d = (liq_model.depth_mm.v(1200) / 1000.0) if liq_model else 0.0

    total_liquid = sum(liquid_kw)
    n_cdu = 0
    if liq_model is not None and total_liquid > 0:
        n_cdu = math.ceil(total_liquid * cooling.sizing_margin / liq_model.capacity_kw.v()) \
            + cooling.redundancy
    # CDUs stand along the front wall in lines no wider than the rows (a hall of short
    # rows gets a CDU gallery several lines deep instead of a front wall far wider than
    # its rows, which would push the far CRAHs away from the racks)
    widths = [sum(rt_cache[g.name].width_mm.v(600) / 1000.0 for g, _ in row) for row in rows]
    widest = max(widths)
    cdu_per_line = max(1, int((widest + 0.6 + 1e-9) // (cdu_w + 0.6))) if liq_model else 1
    cdu_lines = max(1, -(-n_cdu // cdu_per_line)) if liq_model else 0

    # racks over the air limit get a rear door when the template names one; the doors
    # take their share of the air heat off the room
    door = _pick_model(catalog, _s(cooling.rear_door, env), "cooling.rear_door",
                       ("rear_door",)) \
        if cooling.rear_door else None
    has_door = [door is not None and a > assumptions.air_limit_kw_per_rack for a in air_kw]
    # a row whose racks carry doors stands their depth further from what its backs face:
    # the hot aisle (and the service space behind the first and last rows) is measured
    # from the doors' faces
    row_door, pos = [], 0
    for row in rows:
        row_door.append(_DOOR_DEPTH_M if any(has_door[pos:pos + len(row)]) else 0.0)
        pos += len(row)

    # rows stack along y: their positions do not depend on x; row 0's back faces the
    # front wall, and backs meet across every other aisle (the hot ones)
    y_start = margin + (cdu_lines * (cdu_d + 0.6) - 0.6 + service if liq_model else 0.0)
    row_y: list[float] = []
    y = y_start + row_door[0] + depth / 2
    for k in range(len(rows)):
        row_y.append(y)
        y += depth + (cold if k % 2 == 0 else
                      hot + row_door[k] + (row_door[k + 1] if k + 1 < len(rows) else 0.0))
    last = len(rows) - 1
    rows_end_y = row_y[-1] + depth / 2 + (row_door[last] if last % 2 == 1 else 0.0)
    hall_h = rows_end_y + service + margin
    door_cap = door.capacity_kw.v() if door is not None else 0.0
    room_air = [a - min(a, door_cap) if d else a for a, d in zip(air_kw, has_door, strict=True)]
    air_total = sum(room_air) + extra_air_kw
    n_crah, cols, per_col, span = 0, 1, 1, 0.0
    crah_groups: list[_CrahGroup] = []
    rack_side: list[int] = []
    side_kw: list[list[float]] = []
    if air_model is not None and air_total > 0:
        n_crah = math.ceil(air_total * cooling.sizing_margin / air_model.capacity_kw.v()) \
            + cooling.redundancy + extra_crah
        per_side = math.ceil(n_crah / 2)
        group_max = cooling.crah_group_max_units
        if group_max is not None and n_crah > group_max and sum(room_air) > 0:
            # too many units for one group: a group per wall side and band of rows
            rack_side, side_kw = _rack_sides(rows, widths, widest, centred, rt_cache, room_air)
            crah_groups = _crah_groups(side_kw, air_total / sum(room_air),
                                       air_model.capacity_kw.v(), cooling.sizing_margin,
                                       cooling.redundancy, group_max, group_extra or {})
            n_crah = sum(g.n_units for g in crah_groups)
            per_side = max(sum(g.n_units for g in crah_groups if g.side == side)
                           for side in (0, 1))
        span0 = hall_h - 2 * margin
        # a large hall gets galleries (several CRAH columns per side) instead of side
        # walls more than twice as long as its rows; a small one grows to fit
        if span0 > 0 and (cooling.crah_layout == "gallery" and per_side * crah_w > span0
                          or span0 >= _CRAH_MIN_SPAN_M and per_side * crah_w > _WALL_STRETCH
                          * span0):
            cols = math.ceil(per_side * crah_w / span0)
        cols = max(1, min(max(cols, min_cols), per_side))
        per_col = math.ceil(per_side / cols)
        span = max(span0, per_col * crah_w)
        grown = per_col * crah_w + 2 * margin - hall_h
        if grown > 0:  # the hall grows to fit the CRAH column: the rows stay centred on it
            hall_h += grown
            row_y = [y + grown / 2 for y in row_y]
    gallery = cols * crah_d + (cols - 1) * _CRAH_GAP_M
    x_start = margin + (gallery + service if air_model else 0.0)

    # 2b. place the racks (after the CRAH galleries are known); rows alternate front
    # directions around cold and hot aisles
    racks: list[Rack] = []
    # rack ids per (repeat instance, group), in the order they are laid out
    group_ids: dict[tuple[int | None, str], list[str]] = {}
    row_span: list[tuple[float, float]] = []
    counter: dict[str, int] = {}
    for k, row in enumerate(rows):
        rot = 180 if k % 2 == 0 else 0
        x = x_start + ((widest - widths[k]) / 2 if centred[k] else 0.0)
        label = f"R{k + 1:02d}"
        for g, inst in row:
            system, devices = contents[g.name]
            w = rt_cache[g.name].width_mm.v(600) / 1000.0
            # racks of a row share their front face, on the cold aisle's containment line:
            # a shallower rack (an NVL72 rack beside a network rack) is short at the back,
            # its centre nearer the front (rotation 0 faces -y, 180 faces +y)
            back = (depth - rt_cache[g.name].depth_mm.v(1200) / 1000.0) / 2
            prefix = g.id_prefix or g.name[:3].upper()
            counter[prefix] = counter.get(prefix, 0) + 1
            rid = f"{prefix}-{counter[prefix]:04d}"
            racks.append(Rack(id=rid, type=rt_cache[g.name].id, x_m=round(x + w / 2, 4),
                              y_m=round(row_y[k] + FRONT_BY_ROTATION[rot][1] * back, 4),
                              rotation_deg=rot, row=label,
                              system=system, devices=list(devices)))
            group_ids.setdefault((inst, g.name), []).append(rid)
            x += w
        row_span.append((x_start, x))
    max_x = x_start + widest

    # 2c. cooling units: CDUs along the front wall, CRAHs on both side walls
    units: list[CoolingUnit] = []
    rack_cdu: list[str | None] = [None] * len(racks)
    if n_cdu:
        cap = liq_model.capacity_kw.v()
        # spread each line's CDUs evenly along the rows when they fit, so each serves
        # (by nearness) a similar band of racks; otherwise pack them from the west end
        rows_end = max_x
        for line in range(cdu_lines):
            first = line * cdu_per_line
            in_line = min(cdu_per_line, n_cdu - first)
            pitch = max(cdu_w + 0.6, (rows_end - x_start) / in_line)
            x0 = x_start + (pitch - cdu_w) / 2 if pitch > cdu_w + 0.6 else x_start
            for k in range(in_line):
                j = first + k
                units.append(CoolingUnit(
                    id=f"CDU-{j + 1}", kind="cdu", model=liq_model.id,
                    x_m=round(x0 + cdu_w / 2 + k * pitch, 4),
                    y_m=round(margin + cdu_d / 2 + line * (cdu_d + 0.6), 4), capacity_kw=cap,
                    flow_lpm=liq_model.flow_lpm.value or None, width_m=cdu_w, depth_m=cdu_d,
                    group="CDU"))
            max_x = max(max_x, x0 + cdu_w + (in_line - 1) * pitch)
        # each CDU serves an x-band of racks with an equal share of the liquid heat
        # (secondary loops are piped per band), not merely the nearest racks
        wet = sorted((i for i in range(len(racks)) if liquid_kw[i] > 0),
                     key=lambda i: (racks[i].x_m, racks[i].y_m))
        done = 0.0
        for i in wet:
            j = min(int(done / total_liquid * n_cdu + 1e-9), n_cdu - 1)
            rack_cdu[i] = f"CDU-{j + 1}"
            done += liquid_kw[i]
    if n_crah:
        cap = air_model.capacity_kw.v()
        # units stand where the heat is along the rows (uniformly only if it is uniform)
        row_air, pos0 = [], 0
        for row in rows:
            row_air.append(sum(room_air[pos0:pos0 + len(row)]))
            pos0 += len(row)
        gain = [float(g) for g in row_gain] if row_gain is not None \
            and len(row_gain) == len(row_air) else [1.0] * len(row_air)
        if crah_groups:
            # each side's groups in order along the wall, every group's units side by
            # side (across the gallery's columns first) level with its band of rows
            placed = []
            for side in (0, 1):
                side_groups = [g for g in crah_groups if g.side == side]
                if not side_groups:
                    continue
                weight = [0.0] * len(rows)
                for g in side_groups:
                    band = [side_kw[side][k] * gain[k] for k in range(g.first_row, g.end_row)]
                    band_kw = sum(band)
                    if band_kw > 0:  # the band's rows weigh as many units as it has
                        weight[g.first_row:g.end_row] = [kw / band_kw * g.n_units
                                                         for kw in band]
                n_side = sum(g.n_units for g in side_groups)
                ys = _heat_slots(row_y, weight, math.ceil(n_side / cols), crah_w, margin,
                                 margin + span)
                cell = 0
                for g in side_groups:
                    for _ in range(g.n_units):
                        pos, col = divmod(cell, cols)
                        placed.append((g.band, side, g.name, col, ys[pos]))
                        cell += 1
            placed.sort(key=lambda p: (p[0], p[1]))
            slots = [(side, col, y, name) for _b, side, name, col, y in placed]
        else:
            row_air = [a * g for a, g in zip(row_air, gain, strict=True)]
            slots_y = _heat_slots(row_y, row_air, per_col, crah_w, margin, margin + span)
            slots = [(j % 2, (j // 2) // per_col, slots_y[(j // 2) % per_col], "CRAH")
                     for j in range(n_crah)]
        for j, (side, col, cy, group) in enumerate(slots):
            step = col * (crah_d + _CRAH_GAP_M)
            face = (x_start - service - crah_d / 2) if side == 0 else \
                (max_x + service + crah_d / 2)
            cx = face - step if side == 0 else face + step
            # the units of a gallery (two or more columns) draw the room's air through its
            # opening, level with them: from the service aisle in front of the gallery,
            # each column alike (never from inside the unit in front of it)
            opening = x_start - service / 2 if side == 0 else max_x + service / 2
            ret = (round(opening, 4), round(cy, 4)) if cols > 1 else None
            units.append(CoolingUnit(id=f"CRAH-{j + 1}", kind="crah", model=air_model.id,
                                     x_m=round(cx, 4), y_m=round(cy, 4), rotation_deg=90,
                                     capacity_kw=cap, width_m=crah_w, depth_m=crah_d,
                                     group=group, return_xy_m=ret))
        hall_w = max_x + service + gallery + margin
    else:
        hall_w = max_x + margin
    # a rack's rear door is in the doors' group of the room units that serve its rack
    rack_group = ["CRAH"] * len(racks)
    if crah_groups:
        band_of = {(g.side, k): g.name for g in crah_groups
                   for k in range(g.first_row, g.end_row)}
        rack_row = [k for k, row in enumerate(rows) for _ in row]
        rack_group = [band_of.get((side, k)) or band_of.get((1 - side, k), "CRAH")
                      for side, k in zip(rack_side, rack_row, strict=True)]
    if door is not None:
        for i, r in enumerate(racks):
            if has_door[i]:
                # a door backs no other door: when one fails its rack's heat goes to the
                # room, so doors share the room units' redundancy group when there are any
                units.append(CoolingUnit(id=f"RD-{r.id}", kind="rear_door", model=door.id,
                                         x_m=r.x_m, y_m=r.y_m, capacity_kw=door.capacity_kw.v(),
                                         rack=r.id, width_m=0.6, depth_m=_DOOR_DEPTH_M,
                                         group=rack_group[i] if n_crah else "RD"))

    # 3. feeds: per row and side, the smallest model whose derated rating carries the
    # row's load with the other side lost; rows too heavy are split into segments
    derate = assumptions.continuous_derating * DESIGN_POWER_FACTOR
    models = [_pick_model(catalog, _s(m, env), "power.feed_models", FEED_KINDS)
              for m in t.power.feed_models]
    models.sort(key=lambda m: m.capacity_kw.v())
    feeds: list[PowerFeed] = []
    rack_pos = 0
    rack_feeds: list[list[str]] = [[] for _ in racks]
    for k, row in enumerate(rows):
        idx = list(range(rack_pos, rack_pos + len(row)))
        rack_pos += len(row)
        row_kw = float(sum(rack_kw[i] for i in idx))
        fit = next((m for m in models if m.capacity_kw.v() * derate >= row_kw), models[-1])
        budget = fit.capacity_kw.v() * derate
        n_seg = max(1, math.ceil(row_kw / budget - 1e-9)) if budget > 0 else 1
        seg_len = math.ceil(len(idx) / n_seg)
        segs = [idx[s * seg_len:(s + 1) * seg_len] for s in range(n_seg)]
        segs = [seg for seg in segs if seg]
        if any(sum(rack_kw[i] for i in seg) > budget + 1e-9 for seg in segs):
            # equal rack counts per segment overload one when a row mixes heavy and
            # light racks: cut by load instead
            segs = [[]]
            load = 0.0
            for i in idx:
                if segs[-1] and load + rack_kw[i] > budget + 1e-9:
                    segs.append([])
                    load = 0.0
                segs[-1].append(i)
                load += rack_kw[i]
        y_row = row_y[k]
        for s, seg in enumerate(segs):
            x0 = racks[seg[0]].x_m - 0.3
            x1 = racks[seg[-1]].x_m + 0.3
            for side, dy in (("A", -0.2), ("B", 0.2)):
                fid = f"BW-{k + 1:02d}{_seg_label(s)}-{side}"
                feeds.append(PowerFeed(id=fid, kind=t.power.kind, model=fit.id, side=side,
                                       voltage_v=fit.voltage_v or 415, phases=fit.phases or 3,
                                       amps=fit.amps or 400, power_factor=DESIGN_POWER_FACTOR,
                                       points=[(round(x0, 4), round(y_row + dy, 4)),
                                               (round(x1, 4), round(y_row + dy, 4))]))
                for i in seg:
                    rack_feeds[i].append(fid)
    racks = [r.model_copy(update={"feeds": rack_feeds[i], "cdu": rack_cdu[i]})
             for i, r in enumerate(racks)]

    # 4. overhead trays: one along each row, one spine tray joining them at each end
    elev = assumptions.tray_elevation_m
    # (a row narrower than the widest, centred on it, has its tray run to both spine trays)
    x_end = max(s[1] for s in row_span)
    trays = [CableTray(id=f"TR-{k + 1:02d}", points=[(round(x_start, 4), round(row_y[k], 4)),
                                                     (round(x_end, 4), round(row_y[k], 4))],
                       elevation_m=elev) for k in range(len(rows))]
    # where network racks stand in line in the middle of the rows, a third spine tray
    # crosses the rows over them, so a rack's cables to them run across the aisles rather
    # than out to a row's end and back along another row
    in_line = any({g.align for g, _ in row} == {"center", "start"} for row in rows)
    spines = [("TR-W", x_start), ("TR-E", x_end)]
    if in_line:
        spines.insert(1, ("TR-C", x_start + widest / 2))
    if len(rows) > 1:
        for tray_id, xs in spines:
            trays.append(CableTray(id=tray_id, points=[(round(xs, 4), round(row_y[0], 4)),
                                                    (round(xs, 4), round(row_y[-1], 4))],
                                   elevation_m=elev))

    # fabrics and tiers with a false "when" are left out before they are read below
    t = t.model_copy(update={"fabrics": _fabrics_when(t, env)})

    # 5. fabrics: strings and numbers are evaluated; network_racks name rack groups
    fabrics = []
    for spec in t.fabrics:
        f = {}
        for key, val in spec.items():
            if key in ("network_racks", "members"):
                f[key] = _group_rack_ids(val, group_ids, t.repeat)
            elif key == "tiers":
                # a value of the wrong type is left to the fabric's validation to name
                f[key] = [{k2: (v2 if not isinstance(v2, str) else _s(v2, env)
                                if k2 in ("switch", "name", "placement") else
                                _n(v2, env, f"fabrics.tiers.{k2}"))
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


    rating = _n(hs.floor_rating_kg_m2, env, "hall.floor_rating_kg_m2")
    if not 0 < rating <= 1.0e5:
        raise ParameterError(f"hall.floor_rating_kg_m2: expected more than 0 and at most "
                             f"100000 kg/m2, got {_num(rating)}")
    outline = [(0.0, 0.0), (round(hall_w, 3), 0.0), (round(hall_w, 3), round(hall_h, 3)),
               (0.0, round(hall_h, 3))]
    hall = Hall(outline=outline, floor_rating_kg_m2=rating, tile_m=hs.tile_m)
    pretty = ", ".join(f"{k}={_typed(env[k])}" for k in (p.name for p in t.parameters))
    title = name or (f"{t.title} ({pretty})" if pretty else t.title)
    generation = _s(t.layout_generation, env) if t.layout_generation else t.generation
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", generation):
        raise ParameterError(f"layout_generation: expected a generation name, got {generation!r}")
    return Layout(name=title[:200], generation=generation, author=None, hall=hall,
                  racks=racks, cooling=units, feeds=feeds, trays=trays, fabrics=fabrics,
                  assumptions=assumptions), (rack_kw, liquid_kw)


def _instantiate_fixed(t: TemplateFile, env: dict[str, Any], name: str | None) -> Layout:
    """Lay out a template's fixed block ``copies`` times, one copy above the other."""
    from engine.edits import fresh_id

    fx = t.fixed
    assert fx is not None
    copies = _i(fx.copies, env, "fixed.copies")
    if copies < 1 or copies * max(1, len(fx.racks)) > MAX_TEMPLATE_RACKS or copies > 10_000:
        raise ParameterError(f"fixed.copies: expected 1 to "
                             f"{min(10_000, MAX_TEMPLATE_RACKS // max(1, len(fx.racks)))}, "
                             f"got {copies}")
    gap = _n(fx.gap_m, env, "fixed.gap_m")
    margin = _n(t.hall.margin_m, env, "hall.margin_m")
    for what, val in (("fixed.gap_m", gap), ("hall.margin_m", margin)):
        if not 0 <= val <= 100:
            raise ParameterError(f"{what}: expected 0 to 100 m, got {_num(val)}")
    rating = _n(t.hall.floor_rating_kg_m2, env, "hall.floor_rating_kg_m2")
    if not 0 < rating <= 1.0e5:
        raise ParameterError(f"hall.floor_rating_kg_m2: expected more than 0 and at most "
                             f"100000 kg/m2, got {_num(rating)}")
    groups = ("racks", "cooling", "feeds", "trays", "fabrics", "links")
    taken = {it.id for g in groups for it in getattr(fx, g)}
    out: dict[str, list] = {g: [] for g in groups}
    # every copy's racks join the saved fabrics: a block laid out again grows the cluster,
    # as another scalable unit does, instead of standing beside it as a network island
    joined: dict[str, dict[str, list[str]]] = {f.id: {"members": [], "network_racks": []}
                                               for f in fx.fabrics}
    row_name = _copy_rows(sorted({r.row for r in fx.racks if r.row}, key=_natural), copies)
    for k in range(copies):
        dx, dy = margin, margin + k * (fx.depth_m + gap)
        # every other copy is the block mirrored top to bottom, so the aisles between
        # copies alternate as rows do: the backs of two copies share a hot aisle, their
        # fronts a cold one, and no copy blows its exhaust into the next one's intakes
        flip = k % 2 == 1
        ids = {it.id: (it.id if k == 0 else fresh_id(taken, it.id))
               for g in groups if g != "fabrics" for it in getattr(fx, g)}

        def ref(v: str | None, ids: dict[str, str] = ids) -> str | None:
            return ids.get(v, v) if v is not None else None

        def fy(y: float, flip: bool = flip, dy: float = dy) -> float:
            return round((fx.depth_m - y if flip else y) + dy, 4)

        def turn(rot: int, flip: bool = flip) -> int:
            return (180 - rot) % 360 if flip else rot

        def pts(points: list, dx: float = dx) -> list[tuple[float, float]]:
            return [(round(x + dx, 4), fy(y)) for x, y in points]

        for r in fx.racks:
            row = None if r.row is None else row_name(r.row, k)
            out["racks"].append(r.model_copy(update={
                "id": ids[r.id], "x_m": round(r.x_m + dx, 4), "y_m": fy(r.y_m),
                "rotation_deg": turn(r.rotation_deg),
                "row": row, "feeds": [ref(f) for f in r.feeds], "cdu": ref(r.cdu),
                "crah": ref(r.crah)}))
        for u in fx.cooling:
            ret = u.return_xy_m
            out["cooling"].append(u.model_copy(update={
                "id": ids[u.id], "x_m": round(u.x_m + dx, 4), "y_m": fy(u.y_m),
                "rotation_deg": turn(u.rotation_deg),
                "return_xy_m": None if ret is None else (round(ret[0] + dx, 4), fy(ret[1])),
                "rack": ref(u.rack)}))
        for f in fx.feeds:
            out["feeds"].append(f.model_copy(update={"id": ids[f.id], "points": pts(f.points)}))
        for tr in fx.trays:
            out["trays"].append(tr.model_copy(update={"id": ids[tr.id],
                                                      "points": pts(tr.points)}))
        for fab in fx.fabrics:
            for key in ("members", "network_racks"):
                joined[fab.id][key].extend(ref(m) for m in getattr(fab, key))
        for ln in fx.links:
            out["links"].append(ln.model_copy(update={
                "id": ids[ln.id], "fabric": ref(ln.fabric),
                "a": ln.a.model_copy(update={"rack": ref(ln.a.rack)}),
                "b": ln.b.model_copy(update={"rack": ref(ln.b.rack)})}))
    fabrics = []
    for fab in fx.fabrics:
        update = dict(joined[fab.id])
        if copies > 1 and fab.topology == "fat_tree" and any(tr.radix for tr in fab.tiers):
            # a k-ary fat-tree's k is the ports it uses of its switches: k^3/4 hosts at
            # most, the block's own. Copies grow it past that: they join a non-blocking
            # Clos of the switches' whole radix, in as few tiers as it needs (a k=6 block
            # of QM9700s copied twice: 3 leaves and 2 spines for 96 GPUs)
            update["tiers"] = [tr.model_copy(update={"radix": None}) for tr in fab.tiers]
            update["topology"] = "clos"
            update["collapse_tiers"] = True
        fabrics.append(fab.model_copy(update=update))
    out["fabrics"] = fabrics
    hall_w = fx.width_m + 2 * margin
    hall_h = copies * fx.depth_m + (copies - 1) * gap + 2 * margin
    outline = [(0.0, 0.0), (round(hall_w, 3), 0.0), (round(hall_w, 3), round(hall_h, 3)),
               (0.0, round(hall_h, 3))]
    hall = Hall(outline=outline, floor_rating_kg_m2=rating, tile_m=t.hall.tile_m)
    pretty = ", ".join(f"{k}={_typed(env[k])}" for k in (p.name for p in t.parameters))
    title = name or (f"{t.title} ({pretty})" if pretty else t.title)
    generation = _s(t.layout_generation, env) if t.layout_generation else t.generation
    try:
        return Layout(name=title[:200], generation=generation, author=None, hall=hall,
                      assumptions=_assumptions(t, env), **out)
    except ValidationError as exc:
        field, expected = format_validation_error(exc)
        raise ParameterError(f"template {t.id}: {field}: expected {expected}") from None


def _natural(text: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def _copy_rows(rows: list[str], copies: int) -> Callable[[str, int], str]:
    """Return ``name(row, k)``: the row of copy ``k`` (from 0) of a block with ``rows``.

    Rows named ``R<n>`` go on numbering after the block's last (a block of R01 and R02
    copied three times has R01 to R06); other names take the copy's number.

    Examples
    --------
    >>> name = _copy_rows(["R01", "R02"], 3)
    >>> [name(r, k) for k in range(3) for r in ("R01", "R02")]
    ['R01', 'R02', 'R03', 'R04', 'R05', 'R06']
    >>> _copy_rows(["pod-a"], 2)("pod-a", 1)
    'pod-a.2'
    """
    nums = [int(m.group(1)) for r in rows if (m := re.fullmatch(r"R(\d+)", r))]
    if rows and len(nums) == len(rows):
        top, order = max(nums), {r: j for j, r in enumerate(rows)}
        width = max(2, len(str(top + (copies - 1) * len(rows))))

        def numbered(row: str, k: int) -> str:
            if k == 0 or row not in order:
                return row
            return f"R{top + (k - 1) * len(rows) + order[row] + 1:0{width}d}"
        return numbered
    return lambda row, k: row if k == 0 else f"{row}.{k + 1}"[:40]


def _when(spec: dict[str, Any], env: dict[str, Any], what: str) -> bool:
    cond = spec.get("when", True)
    try:
        return bool(evaluate(cond, env)) if isinstance(cond, str) else bool(cond)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ParameterError(f"{what}.when: {exc}") from None


def _fabrics_when(t: TemplateFile, env: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the fabric specs whose ``when`` holds, each with its tiers filtered alike."""
    out = []
    for k, spec in enumerate(t.fabrics):
        if not _when(spec, env, f"fabrics[{k}]"):
            continue
        spec = {key: val for key, val in spec.items() if key != "when"}
        if isinstance(spec.get("tiers"), list):
            spec["tiers"] = [{k2: v2 for k2, v2 in tier.items() if k2 != "when"}
                             for j, tier in enumerate(spec["tiers"])
                             if not isinstance(tier, dict)
                             or _when(tier, env, f"fabrics[{k}].tiers[{j}]")]
        out.append(spec)
    return out


def _heat_slots(row_y: list[float], row_kw: list[float], n: int, width_m: float, lo_m: float,
                hi_m: float) -> list[float]:
    """Return ``n`` unit positions along y that follow the rows' heat, ``width_m`` apart.

    Each row's heat is spread over its pitch (half-way to the neighbouring rows), and
    each position sits at a quantile of that distribution, so units follow the heat
    even when there are more units than rows; then units are pushed apart to not
    overlap and kept within ``[lo_m, hi_m]``.

    Examples
    --------
    >>> [round(y, 2) for y in _heat_slots([1.0, 5.0, 9.0], [0.0, 10.0, 0.0], 2, 2.0, 0.0, 10.0)]
    [4.0, 6.0]
    >>> [round(y, 2) for y in _heat_slots([2.0, 4.0], [1.0, 1.0], 4, 0.5, 0.0, 10.0)]
    [1.5, 2.5, 3.5, 4.5]
    """


    y = np.asarray(row_y, float)
    w = np.asarray(row_kw, float)
    if n <= 0:
        return []
    if w.sum() <= 0 or len(y) == 0:
        t = lo_m + (hi_m - lo_m) * (np.arange(n) + 0.5) / n
    else:
        order = np.argsort(y, kind="stable")
        y, w = y[order], w[order]
        if len(y) == 1:
            t = np.full(n, y[0])
        else:
            mid = (y[1:] + y[:-1]) / 2
            edges = np.concatenate([[y[0] - (mid[0] - y[0])], mid, [y[-1] + (y[-1] - mid[-1])]])
            cum = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
            # the inverse of the piecewise-linear distribution: only the ends of rising
            # stretches are kept, so a stretch with no heat gets no unit
            rise = np.diff(cum) > 0
            keep = np.concatenate([[False], rise]) | np.concatenate([rise, [False]])
            t = np.interp((np.arange(n) + 0.5) / n, cum[keep], edges[keep])
    half = width_m / 2
    a, b = lo_m + half, max(hi_m - half, lo_m + half)
    t = np.clip(t, a, b)
    # push apart both ways and take the mean, so a cluster stays centred on its heat
    up, down = t.copy(), t.copy()
    for k in range(1, n):
        up[k] = max(up[k], up[k - 1] + width_m)
    for k in range(n - 2, -1, -1):
        down[k] = min(down[k], down[k + 1] - width_m)
    t = (up + down) / 2
    if t[-1] > b:
        t[-1] = b
        for k in range(n - 2, -1, -1):
            t[k] = min(t[k], t[k + 1] - width_m)
    if t[0] < a:
        t[0] = a
        for k in range(1, n):
            t[k] = max(t[k], t[k - 1] + width_m)
    return [float(v) for v in t]


def _rack_sides(rows: list, widths: list[float], widest: float, centred: list[bool],
                rt_cache: dict, room_air: list[float]) -> tuple[list[int], list[list[float]]]:
    """Return each rack's wall side (0 west, 1 east: the half of the rows it stands in)
    and, per side, each row's room air heat (kW); a rack astride the middle gives each
    side half of its heat and counts as west."""
    side_kw = [[0.0] * len(rows), [0.0] * len(rows)]
    rack_side: list[int] = []
    i = 0
    for k, row in enumerate(rows):
        x = (widest - widths[k]) / 2 if centred[k] else 0.0
        for g, _ in row:
            w = rt_cache[g.name].width_mm.v(600) / 1000.0
            off = x + w / 2 - widest / 2
            x += w
            if abs(off) < 1e-6:
                side_kw[0][k] += room_air[i] / 2
                side_kw[1][k] += room_air[i] / 2
                rack_side.append(0)
            else:
                side = int(off > 0)
                side_kw[side][k] += room_air[i]
                rack_side.append(side)
            i += 1
    return rack_side, side_kw


@dataclass(frozen=True)
class _CrahGroup:
    """A redundancy group of CRAHs: the units on one wall side serving a band of rows."""

    name: str
    side: int  # 0 west, 1 east
    band: int  # 0, 1, ... from the front wall
    first_row: int
    end_row: int  # one past the band's last row
    load_kw: float
    n_units: int


def _units_for(load_kw: float, unit_kw: float, sizing_margin: float, redundancy: int) -> int:
    """Return the units one group needs: its load with the margin, plus its spares."""
    return math.ceil(load_kw * sizing_margin / unit_kw - 1e-9) + redundancy


def _crah_bands(side_kw: list[list[float]], unit_kw: float, sizing_margin: float,
                redundancy: int, max_units: int) -> list[tuple[int, int]]:
    """Split rows, in order along the walls, into bands of about equal heat, as few as
    keep the units (:func:`_units_for`) each side needs for a band within ``max_units``.

    ``side_kw`` holds, per wall side, each row's air heat on that side (kW). Both
    sides take the same bands, so the groups facing each other serve the same rows.
    Returns ``(first_row, end_row)`` per band; bands cut between rows, so a row whose
    heat alone needs more units is a band of its own; rows without heat join a band.

    Examples
    --------
    >>> _crah_bands([[100.0] * 6, [100.0] * 6], 100.0, 1.0, 1, 4)
    [(0, 3), (3, 6)]
    >>> _crah_bands([[100.0] * 6, [50.0] * 6], 100.0, 1.0, 1, 7)
    [(0, 6)]
    >>> _crah_bands([[0.0, 500.0, 100.0, 0.0]], 100.0, 1.0, 1, 4)
    [(0, 2), (2, 4)]
    """
    kw = np.asarray(side_kw, float).reshape(len(side_kw), -1)
    n = kw.shape[1]
    cum_side = np.concatenate([np.zeros((len(kw), 1)), np.cumsum(kw, axis=1)], axis=1)
    cum = cum_side.sum(axis=0)
    total = float(cum[-1])
    best: list[tuple[int, int]] = [(0, n)]
    # no fewer bands than a side's heat needs at max_units a band
    fewest = max(1, max(math.ceil(float(cs[-1]) * sizing_margin / unit_kw
                                  / max(max_units - redundancy, 1) - 1e-9) for cs in cum_side))
    for b in range(fewest, int(np.count_nonzero(kw.sum(axis=0) > 0)) + 1):
        # cut at the row boundaries nearest the equal-heat quantiles; a cut that would
        # leave a band without heat is dropped (its rows join the band before)
        target = total * np.arange(1, b) / b
        hi = np.clip(np.searchsorted(cum, target), 1, n)
        near = np.where(np.abs(cum[hi - 1] - target) <= np.abs(cum[hi] - target), hi - 1, hi)
        cuts = [0]
        for c in near.tolist():
            if cum[c] > cum[cuts[-1]] + 1e-9 and total - cum[c] > 1e-9:
                cuts.append(c)
        best = list(zip(cuts, cuts[1:] + [n], strict=True))
        if all(_units_for(float(cs[z] - cs[a]), unit_kw, sizing_margin, redundancy)
               <= max_units for a, z in best for cs in cum_side):
            break
    return best


def _crah_groups(side_kw: list[list[float]], scale: float, unit_kw: float,
                 sizing_margin: float, redundancy: int, max_units: int,
                 extra: dict[str, int]) -> list[_CrahGroup]:
    """Return the CRAH groups of a hall: per band of rows (:func:`_crah_bands`) and wall
    side, each sized for its rows' air heat on that side times ``scale`` (the hall's air
    heat outside the racks, spread alike), plus the units ``extra`` names for it; a side
    without heat in a band gets no group there."""
    kw = [[v * scale for v in side] for side in side_kw]
    out = []
    for b, (a, z) in enumerate(_crah_bands(kw, unit_kw, sizing_margin, redundancy,
                                           max_units)):
        for side, name in ((0, "west"), (1, "east")):
            load = sum(kw[side][a:z])
            if load <= 0:
                continue
            gname = f"CRAH {name} {b + 1}"
            n = _units_for(load, unit_kw, sizing_margin, redundancy) + extra.get(gname, 0)
            out.append(_CrahGroup(gname, side, b, a, z, load, n))
    return out


def _seg_label(s: int) -> str:
    """Return ``a``..``z``, ``aa``, ``ab``, ... for feed segment ``s``."""
    out = ""
    s += 1
    while s:
        s, r = divmod(s - 1, 26)
        out = chr(ord("a") + r) + out
    return out


# -- published numbers ---------------------------------------------------------------------

def expected_cases(t: TemplateFile) -> list[dict[str, Any]]:
    """Return the template's published-number cases (each with ``params`` and figures).

    ``expected`` holds ``source`` (the default citation) and ``cases``: each case
    names the parameters it applies to and the figures the instantiated layout
    must reproduce: ``counts`` (keys of the analysis ``counts``, plus
    ``compute_racks`` and ``network_racks`` by rack group role), ``switches``
    and ``cables`` (per tier, from the fabric engine), and ``power`` figures as
    ``{"value", "rel_tol"}`` (``it_kw``, ``it_kw_per_su``, ``compute_kw``,
    ``compute_kw_per_su``, ``compute_rack_kw``, ``max_rack_kw``).

    Examples
    --------
    >>> cases = expected_cases(get_template("dgx-h100-superpod", user_dir=None))
    >>> cases[0]["params"], cases[0]["counts"]["gpus"]
    ({'scalable_units': 1}, 248)
    """
    cases = t.expected.get("cases", [])
    default_source = t.expected.get("source", "")
    out = []
    for c in cases:
        if isinstance(c, dict):
            out.append({"source": default_source, "params": {}, **c})
    return out


def _close(actual: float, spec: Any) -> tuple[bool, str]:
    if isinstance(spec, dict):
        value = float(spec["value"])
        tol = float(spec.get("rel_tol", 0.0))
    else:
        value, tol = float(spec), 0.0
    ok = abs(actual - value) <= tol * abs(value) + 1e-6
    return ok, f"{actual:g} (expected {value:g}" + (f" ±{tol:.0%})" if tol else ")")


def check_expected(case: dict[str, Any], layout: Layout, analysis: dict[str, Any],
                   parts: tuple[str, ...] = ("counts", "power", "switches", "cables"),
                   catalog: Catalog | None = None) -> list[str]:
    """Compare one expected case with an instantiated layout and its analysis dict.

    Returns one message per figure that differs (empty when all agree).

    Examples
    --------
    >>> from engine.analysis import analyze
    >>> t = get_template("dgx-h100-superpod", user_dir=None)
    >>> case = expected_cases(t)[0]
    >>> lay = instantiate(t, case["params"])
    >>> check_expected(case, lay, analyze(lay).to_dict(), parts=("counts", "power"))
    []
    """
    problems: list[str] = []
    counts = dict(analysis.get("counts", {}))
    arr = compile_layout(layout, catalog or default_catalog())
    is_compute = (arr.rack_gpus > 0) | (arr.rack_cpu_nodes > 0)
    n_compute = int(is_compute.sum())
    counts.setdefault("compute_racks", n_compute)
    counts.setdefault("network_racks", len(layout.racks) - n_compute)
    if "counts" in parts:
        for key, want in case.get("counts", {}).items():
            got = counts.get(key)
            if got != want:
                problems.append(f"counts.{key}: {got} (expected {want})")
    if "switches" in parts:
        sw = counts.get("switches", {})
        for tier, want in case.get("switches", {}).items():
            if sw.get(tier, 0) != want:
                problems.append(f"switches.{tier}: {sw.get(tier, 0)} (expected {want})")
    if "cables" in parts:
        by_tier = analysis.get("cabling", {}).get("by_tier", {})
        for tier, want in case.get("cables", {}).items():
            if by_tier.get(tier, 0) != want:
                problems.append(f"cables.{tier}: {by_tier.get(tier, 0)} (expected {want})")
    if "power" in parts:
        power = analysis.get("power", {})
        su = case.get("params", {}).get("scalable_units", 1) or 1
        compute_kw = float(arr.rack_power_w[is_compute].sum()) / 1000.0
        actual = {"it_kw": power.get("it_kw", 0.0),
                  "compute_kw": compute_kw,
                  "compute_kw_per_su": compute_kw / su,
                  "it_kw_per_su": power.get("it_kw", 0.0) / su,
                  "compute_rack_kw": float(arr.rack_power_w[is_compute].max()) / 1000.0
                  if n_compute else 0.0,
                  "max_rack_kw": power.get("max_rack_kw") or 0.0}
        for key, spec in case.get("power", {}).items():
            if key not in actual:
                problems.append(f"power.{key}: not a known figure")
                continue
            ok, text = _close(actual[key], spec)
            if not ok:
                problems.append(f"power.{key}: {text}")
    return problems

