"""One design intent across hardware generations: a GPU count, a power envelope or a hall.

For each generation a :class:`GenerationPlan` names the template and the
parameter that scales it (its building block: a scalable unit, a pod). The
rule that turns the intent into that parameter:

* ``--gpus N``: the fewest blocks whose GPUs reach ``N``. Blocks are whole,
  as NVIDIA designs a SuperPOD fabric by full scalable units ("the fabric
  should be designed to support the full SU", DGX SuperPOD RAs, Network
  Fabrics), so a design may hold more GPUs than asked. Capped at the
  template's maximum (the row then says it falls short).
* ``--power-mw P``: the most blocks whose facility power (IT x PUE, with the
  fabric's switches and optics) stays within ``P`` MW, found by analysis.
* ``--hall WxD`` (metres) with either of them: the row length
  (``racks_per_row``) is chosen so the generated hall fits ``W x D`` (the
  smallest fitting hall area wins), or, when it fits only that way, the hall
  turned 90° (``D x W``: the rows run along the other side); the layout is
  then analysed in that hall, so racks or units that do not fit show up as
  ``FLOOR-OUTSIDE`` errors among the failing rules, and the row's
  ``hall_note`` says how many blocks (and GPUs) of that generation the hall
  does hold. A design that fits neither way is laid out the way it misses
  by less (as given on a tie).
* ``--hall WxD`` alone: the most blocks that fit the hall. A count fits when
  some row length lays it out in a hall no larger than ``W x D`` or ``D x W``
  (the hall turned 90°), the clearance to the walls included, so no rack or
  unit stands outside it (no ``FLOOR-OUTSIDE``): a 12 x 60 m hall and a
  60 x 12 m one hold the same. The laid-out hall grows with the block count, so the
  count is found by a galloping search and a bisection over the template's
  range, then the few counts just above are tried (a count whose network
  racks just overflow a row can need more room than the next ones): about
  ``2 log2(count) + 6`` counts, not all of them. When not one block fits,
  the row shows one block, says so in ``note`` and fails ``COMPARE-HALL``.

A count and row length is laid out (and its cooling sized on the measured fabric) only
when the least floor it can take, found from its rows without laying it out, could fit
the hall or beat the best row length found so far: the same answers as laying out each
one, a few times faster. ``should_stop`` ends a comparison between two such probes
(:class:`CompareCancelled`), and ``progress`` counts them.

Each row reports racks, hall area (the generated hall, aisles and galleries
included), IT and facility MW, liquid share, GPUs per MW of IT load (``gpus_per_mw``) and of facility
load (``gpus_per_facility_mw``: IT x PUE, what ``--power-mw`` budgets),
switches, cables, optics and their power, bisection (Tb/s, one way) and
per-GPU bisection (Gb/s), scale-up domain, the codes of the rules that fail
(error severity) and warn, each rule's count and first message
(``violations``) and, for a design that does not fit the hall, why and how
much the hall holds (``hall_note``: the laid-out hall against the given one);
``hall_note`` also says when the hall was turned 90°. A row also says what it
was built from: every template parameter (``params``); the block with the
settings the comparison makes or chooses (``block``: "4 SU, no UFM slot;
fabric_plan=table", a row length chosen to fit the hall) and why it departs
from the template's defaults (``block_note``: the DGX H100 SuperPOD is compared
by whole SUs, without the RA's UFM slot); and the catalog power figures of its
GPU systems that are secondary, estimates or the top of a range
(``power_figures``; the table marks the column † and names them).

Examples
--------
>>> rows = compare(gpus=1024, generations=["hopper", "blackwell"])
>>> [(r.generation, r.param_value, r.gpus) for r in rows]
[('hopper', 4, 1024), ('blackwell', 2, 1152)]
>>> rows = compare(hall=(20.0, 15.0), generations=["hopper", "blackwell"])
>>> [(r.generation, r.param_value, r.gpus, r.fits_hall) for r in rows]
[('hopper', 4, 1024, True), ('blackwell', 4, 2304, True)]
>>> rows[1].hall_note
'the 20 x 15 m hall turned 90°, rows along its 15 m side'

"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.analysis import analyze
from engine.catalog import Catalog, default_catalog
from engine.errors import InputError
from engine.model import Hall, Layout
from engine.report_tables import unknown_power_text
from engine.templates import (
    ParameterError,
    TemplateFile,
    get_template,
    instantiate,
    resolve_params,
)

__all__ = [
    "COMPARE_SCHEMA",
    "CompareCancelled",
    "GenerationPlan",
    "PLANS",
    "DEFAULT_GENERATIONS",
    "CompareRow",
    "parse_generations",
    "parse_hall",
    "compare",
    "most_blocks",
    "compare_dict",
    "format_table",
    "run_compare_cli",
    "bound_mark",
]

COMPARE_SCHEMA = "rackscape.compare/1"


@dataclass(frozen=True)
class GenerationPlan:
    """The template and scaling parameter that stand for one generation.

    ``fixed`` holds parameters set for every comparison (for example whole
    scalable units on the DGX H100 SuperPOD, without the RA's UFM slot);
    ``labels`` names each in a few words for the block line ("no UFM slot") and
    ``why`` says why the comparison departs from the template's defaults.
    """

    generation: str
    template_id: str
    param: str = "scalable_units"
    fixed: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    why: str = ""


#: The flagship design of each generation: rack-scale NVL72 systems where the
#: generation has them, DGX/8-GPU platforms otherwise.
PLANS: dict[str, GenerationPlan] = {
    # the template's default and the RA leave one node position of the fabric for the UFM
    # appliance (127 nodes at 4 SU): a GPU intent of 1,024 would take a fifth SU, where
    # every other generation's block is whole
    "hopper": GenerationPlan(
        "hopper", "dgx-h100-superpod", fixed={"ufm_port": False},
        labels={"ufm_port": "no UFM slot"},
        why="ufm_port off, so each scalable unit is 32 whole DGX H100 (256 GPUs) as the other "
            "generations' blocks are whole; the RA and the template's default leave one node "
            "position for the UFM appliance (1,016 GPUs at 4 SU)"),
    "blackwell": GenerationPlan("blackwell", "gb200-nvl72-superpod"),
    "blackwell-ultra": GenerationPlan("blackwell-ultra", "gb300-nvl72-superpod"),
    "rubin": GenerationPlan("rubin", "vera-rubin-nvl144"),
    "amd-instinct": GenerationPlan("amd-instinct", "mi355x-cluster"),
}
DEFAULT_GENERATIONS = ("hopper", "blackwell", "blackwell-ultra", "rubin", "amd-instinct")
_STEP_PARAMS = ("scalable_units", "pods", "racks")


@dataclass
class CompareRow:
    """One generation's design for the intent, and its figures."""

    generation: str
    template: str
    param: str
    param_value: int
    preliminary: bool = False
    gpus: int = 0
    racks: int = 0
    floor_area_m2: float = 0.0
    hall_m: tuple[float, float] = (0.0, 0.0)
    fits_hall: bool | None = None
    it_mw: float = 0.0
    facility_mw: float = 0.0
    liquid_share: float = 0.0
    #: GPUs per MW of IT load (the analysis' figure); per MW of facility load (IT x PUE,
    #: what ``--power-mw`` budgets) in ``gpus_per_facility_mw``
    gpus_per_mw: float = 0.0
    gpus_per_facility_mw: float = 0.0
    switches: int = 0
    cables: int = 0
    optics: int = 0
    optics_kw: float = 0.0
    #: None: no GPU scale-out fabric (``bisection_method`` "none"), as in the analysis
    bisection_tbps: float | None = 0.0
    per_gpu_bisection_gbps: float | None = 0.0
    bisection_method: str = "none"
    #: the hardware of unknown power the power figures leave out, in words ("40 switches
    #: and 2,560 cable ends of unknown power (mmf-sr4-100, sn4600c)"); "" when none. The
    #: IT and facility MW are then lower bounds, the GPUs per MW upper bounds
    unknown_power: str = ""
    #: optics kW leaves out module ends of unknown power (a lower bound)
    optics_is_lower_bound: bool = False
    scaleup_domain_gpus: int = 0
    failing_rules: list[str] = field(default_factory=list)
    warnings: int = 0
    warning_rules: list[str] = field(default_factory=list)
    #: One entry per rule and severity (errors, then warnings): ``code``, ``severity``,
    #: ``count`` and the first ``message``.
    violations: list[dict[str, Any]] = field(default_factory=list)
    hall_note: str = ""
    note: str = ""
    error: str = ""
    #: the template parameters the design was laid out with (defaults filled in)
    params: dict[str, Any] = field(default_factory=dict)
    #: the block and the parameters the comparison sets or chooses: "4 SU, no UFM slot;
    #: fabric_plan=table" (the count, then settings that depart from the template's
    #: defaults, its choices, a row length chosen to fit the hall)
    block: str = ""
    #: why the comparison departs from the template's defaults, when it does
    block_note: str = ""
    #: the catalog power figures behind the GPU racks that are not a vendor's or that
    #: are the top of a range: model, name, power_kw, class, source, typical_kw, note
    power_figures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        d = asdict(self)
        d["hall_m"] = list(self.hall_m)
        return d


def parse_generations(text: str | None) -> list[GenerationPlan]:
    """Parse ``--generations``: names, or ``generation:template-id`` to pick a template.

    Examples
    --------
    >>> [p.template_id for p in parse_generations("hopper,blackwell:dgx-b200-superpod")]
    ['dgx-h100-superpod', 'dgx-b200-superpod']

    A generation's own flagship named in full is that generation's plan:

    >>> parse_generations("hopper:dgx-h100-superpod") == [PLANS["hopper"]]
    True
    """
    items = [s.strip() for s in (text or ",".join(DEFAULT_GENERATIONS)).split(",") if s.strip()]
    if not items:
        raise ParameterError("--generations: expected one or more generation names")
    plans = []
    for item in items:
        gen, _, tid = item.partition(":")
        if tid:
            try:
                t = get_template(tid)
            except ParameterError as exc:  # say which option named it
                raise ParameterError(f"--generations: {exc}") from None
            param = next((p.name for p in t.parameters if p.name in _STEP_PARAMS), None)
            if param is None:
                raise ParameterError(f"--generations: template {tid} has no scaling parameter "
                                     f"({', '.join(_STEP_PARAMS)})")
            # the column is headed by the generation: the template must build that one
            # (a generic template, such as fat-tree, takes it as a parameter)
            choice = next((p for p in t.parameters if p.name == "generation"), None)
            flagship = PLANS.get(gen)
            if flagship is not None and flagship.template_id == tid:
                # the generation's own design named in full compares as the name alone
                # does (whole scalable units on the DGX H100 SuperPOD)
                plans.append(flagship)
            elif choice is not None and gen in choice.choices:
                plans.append(GenerationPlan(gen, tid, param, {"generation": gen}))
            elif t.generation == gen:
                plans.append(GenerationPlan(gen, tid, param))
            else:
                builds = ", ".join(choice.choices) if choice is not None else t.generation
                want = repr(gen) if gen else "an unnamed generation"
                raise ParameterError(f"--generations: template {tid} builds {builds}, "
                                     f"not {want}")
        elif gen in PLANS:
            plans.append(PLANS[gen])
        else:
            raise ParameterError(f"--generations: unknown generation {gen!r} (expected "
                                 f"{', '.join(PLANS)}, or generation:template-id)")
        if plans[-1] in plans[:-1]:  # the same column twice, computed twice
            raise ParameterError(f"--generations: expected each design once ({item!r} is "
                                 "named twice)")
    return plans


#: Longest hall side ``--hall`` takes, metres: a layout's coordinates reach 100 km
#: (``engine.model.Coord``), and the hall's outline starts at 0.
MAX_HALL_SIDE_M = 1.0e5
#: Largest facility power ``--power-mw`` takes, MW (10 GW, beyond any campus built).
MAX_POWER_MW = 1.0e4
#: Most GPUs ``--gpus`` takes: more than any layout holds (100,000 racks of 144 GPUs).
MAX_GPUS = 100_000_000

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"


def parse_hall(text: str | None) -> tuple[float, float] | None:
    """Parse ``--hall WxD`` in metres; each side above 0 and at most :data:`MAX_HALL_SIDE_M`.

    A side out of range is named as the user typed it, with the limit.

    Examples
    --------
    >>> parse_hall("60x40.5")
    (60.0, 40.5)
    >>> try:
    ...     parse_hall("100001x10")
    ... except ParameterError as e:
    ...     print(e)
    --hall: expected each side at most 100,000 m, got 100001 x 10 m
    """
    if text is None:
        return None
    m = re.fullmatch(rf"\s*({_NUMBER})\s*[xX×]\s*({_NUMBER})\s*", text)
    if not m:
        raise ParameterError(f"--hall: expected WIDTHxDEPTH in metres such as 60x40, got {text!r}")
    given = f"{m.group(1)} x {m.group(2)} m"
    width, depth = float(m.group(1)), float(m.group(2))
    if not (width > 0 and depth > 0):
        raise ParameterError(f"--hall: expected each side above 0 m, got {given}")
    if not (width <= MAX_HALL_SIDE_M and depth <= MAX_HALL_SIDE_M):  # inf too (1e400)
        raise ParameterError(f"--hall: expected each side at most {MAX_HALL_SIDE_M:,.0f} m, "
                             f"got {given}")
    return width, depth


def _given(value: Any) -> str:
    """Show a rejected ``--gpus`` or ``--power-mw`` value as given: every digit of a
    short integer, a float to the digits that tell it from a limit, else its kind.

    Examples
    --------
    >>> _given(0), _given(1e300), _given(10000.000001), _given(float("nan")), _given(10**50)
    ('0', '1e+300', '10000.000001', 'nan', 'a number of 51 digits')
    """
    if isinstance(value, int) and not isinstance(value, bool):
        digits = len(str(abs(value))) if abs(value) < 10 ** 4000 else None
        return str(value) if digits is not None and digits <= 40 else \
            f"a number of {digits or 'over 4,000'} digits"
    return repr(value) if isinstance(value, float) else repr(value)[:40]


def _bounds(lay: Layout) -> tuple[float, float]:
    x0, y0, x1, y1 = lay.hall.bounds()
    return x1 - x0, y1 - y0


class CompareCancelled(Exception):
    """Raised by :func:`compare` when its ``should_stop`` says so, between two probes."""


class _Laid:
    """What one comparison lays out of one template, each thing at most once.

    ``layouts``: each block count and row length instantiated (None where the template
    refuses that row length); ``floors``: the least floor each needs, for the fit tests
    (:func:`_least_floor`). ``should_stop`` is asked before each probe (a layout sized in
    full, or analysed) and ``on_probe`` is told the count of probes made after each.
    """

    def __init__(self, should_stop: Callable[[], bool] | None = None,
                 on_probe: Callable[[int], None] | None = None) -> None:
        self.layouts: dict[tuple[int, int | None], Layout | None] = {}
        self.floors: dict[tuple[int, int], tuple[float, float]] = {}
        self.should_stop = should_stop
        self.on_probe = on_probe
        self.probes = 0

    def check(self) -> None:
        """Raise :class:`CompareCancelled` when the caller wants the comparison stopped."""
        if self.should_stop is not None and self.should_stop():
            raise CompareCancelled("the comparison was cancelled")

    def probed(self) -> None:
        self.probes += 1
        if self.on_probe is not None:
            self.on_probe(self.probes)


def _laid_out(t: TemplateFile, plan: GenerationPlan, n: int, rpr: int | None,
              catalog: Catalog, cache: _Laid) -> Layout | None:
    """Instantiate ``n`` blocks (rows of ``rpr`` racks when given), None when the
    template refuses that row length; each count and row length once per comparison."""
    key = (n, rpr)
    if key not in cache.layouts:
        cache.check()
        params = {**plan.fixed, plan.param: n}
        if rpr is None:
            cache.layouts[key] = instantiate(t, params, catalog=catalog)
        else:
            try:
                cache.layouts[key] = instantiate(t, {**params, "racks_per_row": rpr},
                                                 catalog=catalog)
            except ParameterError:
                cache.layouts[key] = None
        cache.probed()
    return cache.layouts[key]


#: Rounding of the laid-out figures (rack centres to 0.1 mm, the hall to 1 mm) that a
#: least floor leaves room for, metres.
_FLOOR_SLACK_M = 0.01


def _least_floor(t: TemplateFile, params: dict[str, Any],
                 catalog: Catalog) -> tuple[float, float]:
    """Return a floor ``(width_m, depth_m)`` that ``t`` laid out for ``params`` needs at
    least, in a millisecond instead of a tenth of a second; ``(0, 0)`` when it cannot
    tell.

    :func:`engine.templates.instantiate` lays the hall out several times (on the
    catalog's estimate, then on the measured fabric and the cooling model) and keeps one
    of those passes. Every pass puts the racks in the same rows, whatever the heat (the
    rows are found here as it finds them), and frames them alike: the margin on every
    side; west of the rows the CRAH gallery (at least one unit deep) and its service
    aisle when the template has an air unit, and east of them too when every pass has
    room air to cool; in front the CDU lines and their service aisle when it has a
    liquid unit; behind the last row the service aisle. Each pass sees the racks' liquid
    heat of the estimate and at least its power (the measured fabric only adds), so at
    least the estimate's CDUs, and at least the room air that the estimate's air heat
    leaves past a rear door where a rack may get one. A later pass may add gallery
    columns and CRAHs, and a longer CRAH column may make the hall deeper: never smaller.
    This function follows engine/templates.py's ``_lay_out``;
    tests/engine/test_compare_speed_cancel.py holds it to the laid-out halls.
    """
    from engine import templates as tp

    if t.fixed is not None:
        return 0.0, 0.0
    try:
        env = resolve_params(t, params)
        hs, cool = t.hall, t.cooling
        per_row = max(1, tp._i(hs.racks_per_row, env, "hall.racks_per_row"))
        margin = tp._n(hs.margin_m, env, "hall.margin_m")
        service = tp._n(hs.service_m, env, "hall.service_m")
        aisles = (tp._n(hs.cold_aisle_m, env, "hall.cold_aisle_m"),
                  tp._n(hs.hot_aisle_m, env, "hall.hot_aisle_m"))
        blocks: dict[int, list[tuple[Any, int | None, int]]] = {}
        for g, block, inst in tp._group_sequence(t, env):
            n = tp._i(g.count, env, f"racks.{g.name}.count")
            if n > 0:
                blocks.setdefault(block, []).append((g, inst, n))
        rows = [row for entries in blocks.values()
                for row in tp._block_rows(entries, per_row, env)[0]]
        if not rows:
            return 0.0, 0.0
        groups = {g.name: g for entries in blocks.values() for g, _, _ in entries}
        types = {name: catalog.racks[tp._s(g.rack_type, env)] for name, g in groups.items()}
        air = tp._pick_model(catalog, tp._s(cool.air_unit, env), "", ("crah",)) \
            if cool.air_unit else None
        liquid = tp._pick_model(catalog, tp._s(cool.liquid_unit, env), "", ("cdu",)) \
            if cool.liquid_unit else None
        door = tp._pick_model(catalog, tp._s(cool.rear_door, env), "", ("rear_door",)) \
            if cool.rear_door else None
        assumptions = tp._assumptions(t, env)
        contents = {name: tp._rack_contents(g, env) for name, g in groups.items()}
        heat = tp._group_heat(t, groups, contents, types, env, catalog, assumptions) \
            if air is not None or liquid is not None else {}
    except Exception:  # laid out in full, the template says what is wrong
        return 0.0, 0.0
    order = [g.name for row in rows for g, _ in row]
    rack_w = {name: rt.width_mm.v(600) / 1000.0 for name, rt in types.items()}
    rack_d = max(rt.depth_mm.v(1200) for rt in types.values()) / 1000.0
    widest = max(sum(rack_w[g.name] for g, _ in row) for row in rows)
    width = widest + 2 * margin
    depth = len(rows) * rack_d + sum(aisles[k % 2] for k in range(len(rows) - 1)) \
        + 2 * margin + service
    if air is not None:
        limit, door_kw = assumptions.air_limit_kw_per_rack, \
            (door.capacity_kw.v() if door is not None else 0.0)

        def room_kw(air_kw: float) -> float:
            # the least a rack with at least air_kw leaves to the room: a rack over the
            # limit gets a door, which takes up to its capacity
            if door is None:
                return air_kw
            past_door = max(0.0, max(air_kw, limit) - door_kw)
            return past_door if air_kw > limit else min(air_kw, past_door)

        room = sum(room_kw(heat[name][0] - heat[name][1]) for name in order)
        width += (service + air.depth_mm.v(900) / 1000.0) * (2 if room > 1e-6 else 1)
    if liquid is not None:
        total_kw = sum(heat[name][1] for name in order)
        n_cdu = math.ceil(total_kw * cool.sizing_margin / liquid.capacity_kw.v() - 1e-6) \
            + cool.redundancy if total_kw > 1e-6 else 0
        per_line = max(1, int((widest + 0.6 + 1e-9) // (liquid.width_mm.v(1200) / 1000.0
                                                         + 0.6)))
        lines = max(1, -(-n_cdu // per_line))
        depth += lines * (liquid.depth_mm.v(1200) / 1000.0 + 0.6) - 0.6 + service
    return max(width - _FLOOR_SLACK_M, 0.0), max(depth - _FLOOR_SLACK_M, 0.0)


def _floor(t: TemplateFile, plan: GenerationPlan, n: int, rpr: int, catalog: Catalog,
           cache: _Laid) -> tuple[float, float]:
    """The least floor of ``n`` blocks in rows of ``rpr`` racks (its own when laid out)."""
    lay = cache.layouts.get((n, rpr))
    if lay is not None:
        return _bounds(lay)
    if (n, rpr) not in cache.floors:
        cache.floors[n, rpr] = _least_floor(
            t, {**plan.fixed, plan.param: n, "racks_per_row": rpr}, catalog)
    return cache.floors[n, rpr]


def _row_lengths(t: TemplateFile) -> range | None:
    rpr = next((p for p in t.parameters if p.name == "racks_per_row"), None)
    return None if rpr is None else range(int(rpr.min or 1), int(rpr.max or 64) + 1)


def _within(lay: Layout, hall: tuple[float, float]) -> bool:
    return _size_within(_bounds(lay), hall)


def _size_within(size: tuple[float, float], hall: tuple[float, float]) -> bool:
    return size[0] <= hall[0] + 1e-9 and size[1] <= hall[1] + 1e-9


def _hall_key(size: tuple[float, float], hall: tuple[float, float]) -> tuple[int, float]:
    """Rank a laid-out size for ``hall``: one that fits by its area, before one that
    does not, by how far it overflows."""
    w, d = size
    return (0, w * d) if _size_within(size, hall) else (1, max(w / hall[0], d / hall[1]))


def _make(t: TemplateFile, plan: GenerationPlan, n: int, hall: tuple[float, float] | None,
          catalog: Catalog, cache: _Laid | None = None) -> Layout:
    """Instantiate ``n`` blocks, choosing the row length that fits ``hall`` when given:
    the smallest hall that fits, else the least overflow, the shorter rows on a tie.

    Row lengths are laid out in the order of the least rank their least floor allows
    (:func:`_least_floor`), until none left can beat the best found.
    """
    cache = _Laid() if cache is None else cache
    lengths = _row_lengths(t) if hall is not None else None
    best, best_key = None, None
    order = sorted((_hall_key(_floor(t, plan, n, k, catalog, cache), hall), k)
                   for k in lengths or ())
    for least, k in order:
        if best_key is not None and (least, k) > best_key:
            break  # (none after it can rank better either)
        lay = _laid_out(t, plan, n, k, catalog, cache)
        if lay is None:
            continue
        key = (_hall_key(_bounds(lay), hall), k)
        if best_key is None or key < best_key:
            best, best_key = lay, key
    return best if best is not None else _laid_out(t, plan, n, None, catalog, cache)


def _fits(t: TemplateFile, plan: GenerationPlan, n: int, hall: tuple[float, float],
          catalog: Catalog, cache: _Laid) -> bool:
    """Whether some row length lays ``n`` blocks out within ``hall`` (as :func:`_make`
    would find), trying few row lengths.

    The laid-out hall grows no deeper as rows get longer, so a bisection finds the
    shortest rows shallow enough to fit; its width does not only grow (a shallower
    hall may take its CRAHs in one gallery column fewer or more), so the longer row
    lengths are tried in turn until one is narrow enough. A row length whose least
    floor (:func:`_least_floor`) is too deep or too wide is not laid out in full.
    """
    lengths = _row_lengths(t)
    if lengths is None:
        try:
            return _within(_laid_out(t, plan, n, None, catalog, cache), hall)
        except ParameterError:  # beyond what the template lays out (too many racks)
            return False

    def floor_fits(k: int) -> bool:
        return _size_within(_floor(t, plan, n, k, catalog, cache), hall)

    if not any(floor_fits(k) for k in lengths):
        return False

    def too_deep(k: int) -> bool:
        if _floor(t, plan, n, k, catalog, cache)[1] > hall[1] + 1e-9:
            return True
        lay = _laid_out(t, plan, n, k, catalog, cache)
        return lay is None or _bounds(lay)[1] > hall[1] + 1e-9

    first = lengths.start + _gallop(lambda i: too_deep(lengths[i]), 0, len(lengths) - 1) + 1
    for k in range(first, lengths.stop):
        if not floor_fits(k):
            continue
        lay = _laid_out(t, plan, n, k, catalog, cache)
        if lay is not None and _within(lay, hall):
            return True
    return False


HallSize = tuple[float, float]


def _orientations(hall: HallSize) -> list[HallSize]:
    """The hall as given, then turned 90° (a square hall is the same either way).

    Examples
    --------
    >>> _orientations((12.0, 60.0)), _orientations((20.0, 20.0))
    ([(12.0, 60.0), (60.0, 12.0)], [(20.0, 20.0)])
    """
    return [hall] if hall[0] == hall[1] else [hall, (hall[1], hall[0])]


def _fits_either(t: TemplateFile, plan: GenerationPlan, n: int, hall: HallSize, catalog: Catalog,
                 cache: _Laid) -> bool:
    """Whether ``n`` blocks fit ``hall`` as given or turned 90° (rows along either side)."""
    return any(_fits(t, plan, n, h, catalog, cache) for h in _orientations(hall))


def _placed(t: TemplateFile, plan: GenerationPlan, n: int, hall: HallSize | None, catalog: Catalog,
            cache: _Laid) -> tuple[Layout, HallSize | None]:
    """Lay ``n`` blocks out for ``hall`` and return the layout with the hall the way round
    it is used: as given when the design fits it so, else turned 90° when it fits that way;
    a design that fits neither way takes the way it overflows least (as given on a tie)."""
    if hall is None:
        return _make(t, plan, n, None, catalog, cache), None
    laid = []
    for h in _orientations(hall):  # (turned only when it does not fit as given)
        laid.append((_make(t, plan, n, h, catalog, cache), h))
        if _within(*laid[-1]):
            return laid[-1]

    def overflow(item: tuple[Layout, HallSize]) -> float:
        (w, d), h = _bounds(item[0]), item[1]
        return max(w / h[0], d / h[1])

    return min(laid, key=overflow)


def _turn_note(hall: HallSize, used: HallSize | None) -> str:
    """Say that the hall was turned 90° to fit, and which way the rows run ("" when not).

    Examples
    --------
    >>> _turn_note((12.0, 60.0), (60.0, 12.0))
    'the 12 x 60 m hall turned 90°, rows along its 60 m side'
    >>> _turn_note((12.0, 60.0), (12.0, 60.0))
    ''
    """
    if used is None or used == hall:
        return ""
    return f"the {hall[0]:g} x {hall[1]:g} m hall turned 90°, rows along its {used[0]:g} m side"


#: Block counts tried above the bisection's answer. The laid-out hall grows with the count,
#: but not strictly: where a count's network racks just overflow a row, it needs a row more
#: than the next few counts, whose racks fill their rows. On the built-in templates, in
#: halls of 6 to 120 m a side, the largest count that fits is at most 6 above such a dent.
_AHEAD = 6


def _gallop(holds: Callable[[int], bool], lo: int, hi: int, ahead: int = 0) -> int:
    """Return the largest ``n`` in ``lo..hi`` for which ``holds(n)``, ``lo - 1`` when
    none does, for a ``holds`` true up to some count and false beyond it.

    Steps of 1, 2, 4, ... from ``lo`` bracket the answer, then a bisection closes
    in: about ``2 log2(answer)`` calls, whatever ``hi`` is. With ``ahead``, the
    ``ahead`` counts above the answer are tried too, and from any that holds
    again, for a ``holds`` false at a few counts below its largest.

    Examples
    --------
    >>> calls = []
    >>> _gallop(lambda n: calls.append(n) or n <= 37, 1, 10_000), len(calls)
    (37, 12)
    >>> _gallop(lambda n: n <= 37, 1, 16), _gallop(lambda n: False, 1, 16)
    (16, 0)
    >>> dented = lambda n: n <= 9 or n == 11
    >>> _gallop(dented, 1, 64), _gallop(dented, 1, 64, ahead=3)
    (9, 11)
    """
    if not holds(lo):
        return lo - 1
    good, bad, step = lo, hi + 1, 1
    while good < hi:
        probe = min(good + step, hi)
        if not holds(probe):
            bad = probe
            break
        good, step = probe, 2 * step
    while bad - good > 1:
        mid = (good + bad) // 2
        if holds(mid):
            good = mid
        else:
            bad = mid
    more = next((k for k in range(good + 1, min(good + ahead, hi) + 1) if holds(k)), None)
    while more is not None:
        good = more
        more = next((k for k in range(good + 1, min(good + ahead, hi) + 1) if holds(k)), None)
    return good


def most_blocks(plan: GenerationPlan | str, hall: tuple[float, float],
                catalog: Catalog | None = None) -> int:
    """Return the most whole blocks of ``plan`` whose laid-out hall fits ``hall``.

    Parameters
    ----------
    plan : GenerationPlan or str
        The plan, or a generation name (a key of :data:`PLANS`).
    hall : (width_m, depth_m)
        The hall, in metres. A count fits when some row length lays it out no
        larger than the hall, the clearance to the walls included, with its
        rows along either side of the hall (the hall turned 90°).

    Returns
    -------
    int
        The block count (the plan's parameter), at most the template's
        maximum; 0 when not one block fits.

    Examples
    --------
    >>> most_blocks("hopper", (30.0, 20.0)), most_blocks("hopper", (8.0, 8.0))
    (10, 0)
    >>> most_blocks("hopper", (12.0, 60.0)) == most_blocks("hopper", (60.0, 12.0))
    True
    """
    catalog = catalog or default_catalog()
    plan = PLANS[plan] if isinstance(plan, str) else plan
    t, lo, hi = _template(plan)
    cache = _Laid()
    return max(_gallop(lambda k: _fits_either(t, plan, k, hall, catalog, cache), lo, hi,
                        _AHEAD), 0)


def _gpus(lay: Layout, catalog: Catalog) -> int:
    from engine.compile import compile_layout

    return int(compile_layout(lay, catalog).rack_gpus.sum())


def _fill(row: CompareRow, lay: Layout, hall: HallSize | None, catalog: Catalog,
          given: HallSize | None = None) -> dict[str, Any]:
    """Analyze ``lay`` in ``hall`` (the way round it is used; ``given``: the hall as the
    intent gave it, when it was turned) into ``row``."""
    w, d = _bounds(lay)
    row.hall_m = (round(w, 2), round(d, 2))
    row.floor_area_m2 = round(w * d, 1)
    if hall is not None:
        row.fits_hall = w <= hall[0] + 1e-9 and d <= hall[1] + 1e-9
        outline = [(0.0, 0.0), (hall[0], 0.0), (hall[0], hall[1]), (0.0, hall[1])]
        lay = lay.model_copy(update={"hall": Hall(**{**lay.hall.model_dump(),
                                                      "outline": outline})})
    analysis = analyze(lay, catalog)
    a = analysis.to_dict()
    c, p, co, cb, n = a["counts"], a["power"], a["cooling"], a["cabling"], a["network"]
    row.unknown_power = unknown_power_text(analysis, catalog) \
        if p.get("it_kw_is_lower_bound") else ""
    row.optics_is_lower_bound = bool(p.get("unknown_power_cable_ends"))
    row.gpus = int(c["gpus"])
    row.racks = int(c["racks"])
    row.it_mw = round(p["it_kw"] / 1000.0, 4)
    row.facility_mw = round(p["facility_kw"] / 1000.0, 4)
    row.liquid_share = round(co["liquid_kw"] / co["heat_kw"], 4) if co["heat_kw"] > 0 else 0.0
    row.gpus_per_mw = round(row.gpus / row.it_mw, 1) if row.it_mw > 0 else 0.0
    row.gpus_per_facility_mw = round(row.gpus / row.facility_mw, 1) if row.facility_mw > 0 \
        else 0.0
    row.switches = int(c["switches"].get("total", 0))
    row.cables = int(cb.get("cables", cb.get("links", 0)))  # as bought (two-link copper once)
    row.optics = int(cb.get("transceivers", 0))
    row.optics_kw = round(float(p.get("optics_kw", cb.get("optics_w", 0.0) / 1000.0)), 3)
    # null in the analysis JSON: no GPU scale-out fabric (a CPU cluster, a hall too small
    # for one block): null here too, not a 0 that would read as measured
    row.bisection_method = str(n.get("bisection_method", "none"))
    none = row.bisection_method == "none"
    row.bisection_tbps = None if none else float(n.get("bisection_tbps") or 0.0)
    row.per_gpu_bisection_gbps = None if none else float(n.get("per_gpu_bisection_gbps") or 0.0)
    row.scaleup_domain_gpus = int(n.get("scaleup_domain_gpus") or 0)
    errors = [v["code"] for v in a["violations"] if v["severity"] == "error"]
    row.failing_rules = sorted(set(errors))
    row.warnings = sum(1 for v in a["violations"] if v["severity"] == "warning")
    row.violations = _violation_summary(a["violations"])
    row.warning_rules = [v["code"] for v in row.violations if v["severity"] == "warning"]
    if hall is not None and not row.fits_hall:
        row.hall_note = _hall_note((w, d), hall, sum(
            1 for v in a["violations"] if v["code"] == "FLOOR-OUTSIDE"))
    if given is not None:
        row.hall_note = "; ".join(x for x in (row.hall_note, _turn_note(given, hall)) if x)
    return a


def _params_of(t: TemplateFile, plan: GenerationPlan, n: int, lay: Layout,
               cache: _Laid) -> dict[str, Any]:
    """Return every template parameter ``lay`` was laid out with (``n`` blocks, the plan's
    fixed settings, the row length chosen for the hall), defaults filled in."""
    rpr = next((key[1] for key, v in cache.layouts.items() if v is lay), None)
    given = {**plan.fixed, plan.param: n, **({"racks_per_row": rpr} if rpr is not None else {})}
    env = resolve_params(t, given)
    return {p.name: env[p.name] for p in t.parameters}


def _shown(value: Any) -> str:
    """Write a parameter value as a template file does: ``false``, ``8``, ``tested``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _count(n: int, param: str) -> str:
    """Name ``n`` blocks briefly: ``4 SU``, ``1 pod``, ``24 racks``.

    Examples
    --------
    >>> _count(4, "scalable_units"), _count(1, "pods"), _count(24, "racks")
    ('4 SU', '1 pod', '24 racks')
    """
    if param == "scalable_units":
        return f"{n} SU"
    name = param.replace("_", " ")
    return f"{n} {name.removesuffix('s') if n == 1 else name}"


def _describe(row: CompareRow, t: TemplateFile, plan: GenerationPlan,
              params: dict[str, Any]) -> None:
    """Fill ``row``'s parameters and block line: the block count with the settings the
    comparison makes that depart from the template's defaults ("4 SU, no UFM slot"),
    then the template's choices (a fabric plan, an edition) and any other parameter not
    at its default (a row length chosen to fit the hall); and why, when it departs."""
    defaults = resolve_params(t, {})
    row.params = dict(params)
    changed = [k for k in plan.fixed if k in params and params[k] != defaults.get(k)]
    first = ", ".join([_count(params.get(plan.param, row.param_value), plan.param)]
                      + [plan.labels.get(k, f"{k}={_shown(params[k])}") for k in changed])
    rest = [f"{p.name}={_shown(params[p.name])}" for p in t.parameters
            if p.name != plan.param and p.name not in plan.fixed and p.name != "generation"
            and (p.type == "choice" or params[p.name] != defaults.get(p.name))]
    row.block = "; ".join([first, *rest])
    row.block_note = plan.why if changed and plan.why else ""


_CLASS_WORDS = {"secondary": "a secondary figure", "estimate": "an estimate",
                "vendor": "the vendor's figure", "transcribed": "a transcribed figure",
                "derived": "a derived figure"}


def _power_figures(lay: Layout, catalog: Catalog) -> list[dict[str, Any]]:
    """Return the power figures of the GPU systems and servers in ``lay`` that are not a
    vendor's, a transcription's or a derivation's (secondary figures and estimates), or
    that are the top of the catalog's range (a maximum above a typical figure): what a
    reader should weigh before comparing the generations' power.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> [f["model"] for f in _power_figures(instantiate("gb300-nvl72-superpod",
    ...                                                 {"scalable_units": 1}), default_catalog())]
    ['gb300-nvl72']
    >>> _power_figures(instantiate("dgx-h100-superpod", {"scalable_units": 1}), default_catalog())
    []
    """
    seen: dict[str, Any] = {}
    for r in lay.racks:
        for tid in ([r.system] if r.system else []) + [d.type for d in r.devices]:
            dev = catalog.devices.get(tid)
            if dev is not None and dev.gpus and tid not in seen:
                seen[tid] = dev
    out = []
    for tid, dev in seen.items():
        top, typ = dev.power_max_w, dev.power_typical_w
        fig = top if top.value is not None else typ
        if fig.value is None:
            continue
        is_top = top.value is not None and typ.value is not None and typ.value < top.value
        if fig.cls not in ("secondary", "estimate") and not is_top:
            continue
        out.append({"model": tid, "name": dev.name, "power_kw": round(fig.value / 1000, 3),
                    "class": fig.cls, "source": fig.source,
                    "typical_kw": round(typ.value / 1000, 3) if is_top else None,
                    "typical_source": typ.source if is_top else None, "note": fig.note or ""})
    return out


def power_footnote(generation: str, f: dict[str, Any]) -> str:
    """Say which power figure a generation's racks draw and how firm it is.

    Examples
    --------
    >>> power_footnote("blackwell-ultra", {"name": "GB300 NVL72", "power_kw": 142.0,
    ...     "class": "secondary", "source": "S98", "typical_kw": 136.0,
    ...     "typical_source": "S85", "note": ""}).split(", ")
    ['† blackwell-ultra: GB300 NVL72 at 142 kW', "the top of the catalog's range (typical 136 kW [S85])", 'a secondary figure [S98]']
    """
    text = f"† {generation}: {f['name']} at {f['power_kw']:g} kW"
    if f.get("typical_kw"):
        text += (f", the top of the catalog's range (typical {f['typical_kw']:g} kW "
                 f"[{f['typical_source']}])")
    text += f", {_CLASS_WORDS.get(f['class'], 'a figure')}"
    if f.get("source"):
        text += f" [{f['source']}]"
    return text + (f": {f['note']}" if f.get("note") else "")


def _violation_summary(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one entry per rule and severity of the errors and warnings: code, severity,
    count and the first message, errors first, then by code.

    Examples
    --------
    >>> _violation_summary([{"code": "B", "severity": "warning", "message": "b1"},
    ...                     {"code": "A", "severity": "error", "message": "a1"},
    ...                     {"code": "B", "severity": "warning", "message": "b2"},
    ...                     {"code": "C", "severity": "info", "message": "c"}])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'code': 'A', 'severity': 'error', 'count': 1, 'message': 'a1'},
     {'code': 'B', 'severity': 'warning', 'count': 2, 'message': 'b1'}]
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for v in violations:
        if v["severity"] not in ("error", "warning"):
            continue
        key = (v["code"], v["severity"])
        if key in out:
            out[key]["count"] += 1
        else:
            out[key] = {"code": v["code"], "severity": v["severity"], "count": 1,
                        "message": v["message"]}
    return [out[k] for k in sorted(out, key=lambda k: (k[1] != "error", k[0]))]


def _metres(x: float) -> str:
    return f"{round(x, 2):g}"


def _hall_note(laid_out: tuple[float, float], hall: tuple[float, float], outside: int) -> str:
    """Say why a design does not fit ``hall``: the laid-out hall's size against it, and
    whether racks or units stand outside it or only the clearance to the walls is short.

    Examples
    --------
    >>> _hall_note((17.8, 10.2), (15.0, 10.0), 0).split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['laid out it needs 17.8 x 10.2 m: 2.8 m wider and 0.2 m deeper than the 15 x 10 m hall',
     'its racks and units stand inside it, short of the clearance to the walls']
    >>> _hall_note((40.0, 30.0), (12.0, 30.0), 52).split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['laid out it needs 40 x 30 m: 28 m wider than the 12 x 30 m hall',
     '52 of its racks and units stand outside it']
    """
    w, d = laid_out
    over = [f"{_metres(w - hall[0])} m wider" if w > hall[0] + 1e-9 else "",
            f"{_metres(d - hall[1])} m deeper" if d > hall[1] + 1e-9 else ""]
    text = (f"laid out it needs {_metres(w)} x {_metres(d)} m: "
            f"{' and '.join(o for o in over if o)} than the {hall[0]:g} x {hall[1]:g} m hall")
    if outside:
        return text + f"; {outside} of its racks and units stand{'s' * (outside == 1)} outside it"
    return text + "; its racks and units stand inside it, short of the clearance to the walls"


def _template(plan: GenerationPlan) -> tuple[TemplateFile, int, int]:
    """Return the plan's template and the range of its block count."""
    # the reference design of a generation is the built-in template (a user template of the
    # same id may have other parameters); a plan the user names takes theirs
    t = get_template(plan.template_id,
                     user_dir=None if PLANS.get(plan.generation) == plan else "default")
    spec = next((p for p in t.parameters if p.name == plan.param), None)
    if spec is None:
        raise ParameterError(f"template {t.id} has no parameter {plan.param!r}")
    return t, max(1, int(spec.min or 1)), int(spec.max or 10_000)


def _blocks(n: int, param: str) -> str:
    """Name ``n`` blocks: ``3 scalable units``, ``1 pod``.

    Examples
    --------
    >>> _blocks(3, "scalable_units"), _blocks(1, "pods"), _blocks(0, "scalable_units")
    ('3 scalable units', '1 pod', 'not one scalable unit')
    """
    name = param.replace("_", " ")
    if n != 1:
        return f"{n} {name}" if n else f"not one {name.removesuffix('s')}"
    return f"1 {name.removesuffix('s')}"


def _refuse(row: CompareRow, code: str, message: str, note: bool = True) -> None:
    """Fail ``row`` on a rule of the comparison itself (the intent cannot be met); the
    message becomes the row's note unless ``note`` is false."""
    if note:
        row.note = message
    row.failing_rules = sorted(set(row.failing_rules) | {code})
    row.violations = [{"code": code, "severity": "error", "count": 1, "message": message},
                      *row.violations]
    row.violations.sort(key=lambda v: (v["severity"] != "error", v["code"]))


def _one(plan: GenerationPlan, gpus: int | None, power_mw: float | None,
         hall: tuple[float, float] | None, catalog: Catalog,
         should_stop: Callable[[], bool] | None = None,
         on_probe: Callable[[int], None] | None = None) -> CompareRow:
    t, lo, hi = _template(plan)
    cache = _Laid(should_stop, on_probe)
    fits_at: dict[int, bool] = {}

    def fits(k: int) -> bool:
        if k not in fits_at:
            fits_at[k] = _fits_either(t, plan, k, hall, catalog, cache)
        return fits_at[k]

    def make(k: int) -> tuple[Layout, HallSize | None]:
        return _placed(t, plan, k, hall, catalog, cache)

    turned: set[int] = set()  # the rows laid out in the hall turned 90°

    def fill(row: CompareRow, k: int) -> None:
        lay, used = make(k)
        cache.check()
        _fill(row, lay, used, catalog, given=hall)
        cache.probed()
        _describe(row, t, plan, _params_of(t, plan, k, lay, cache))
        row.power_figures = _power_figures(lay, catalog)
        if used != hall:
            turned.add(id(row))

    def holds(row: CompareRow) -> None:
        # a design that misses the hall: how much of this generation the hall does hold
        if hall is not None and row.fits_hall is False:
            n = max(_gallop(fits, lo, hi, _AHEAD), 0)
            held = f"the hall holds {_blocks(n, plan.param)}"
            if n:
                lay, used = make(n)
                held += f" ({_gpus(lay, catalog):,} GPUs)"
                if (used != hall) != (id(row) in turned):  # the other way round than the row
                    held += (f" turned 90°, rows along its {used[0]:g} m side" if used != hall
                             else f" as given, rows along its {hall[0]:g} m side")
            row.hall_note = "; ".join(x for x in (row.hall_note, held) if x)
            # a design that misses the hall fails, whatever its own rules say
            if "COMPARE-HALL" not in row.failing_rules:
                _refuse(row, "COMPARE-HALL", f"does not fit the hall: {row.hall_note}",
                        note=False)

    row = CompareRow(generation=plan.generation, template=t.id, param=plan.param,
                     param_value=lo, preliminary=t.preliminary)
    if gpus is None and power_mw is None:
        # the hall alone: the most blocks that fit it
        n = _gallop(fits, lo, hi, _AHEAD)
        row.param_value = max(n, lo)
        fill(row, row.param_value)
        if n < lo:
            # (the hall's size is in the rule line, what one block needs in hall_note)
            _refuse(row, "COMPARE-HALL", f"does not fit: not one block ({plan.param}={lo}) "
                    "fits the hall")
        elif n == hi:
            row.note = f"capped: the template takes at most {_blocks(hi, plan.param)}"
        return row
    if gpus is not None:
        per = _gpus(_laid_out(t, plan, lo, None, catalog, cache), catalog) / lo
        n = min(max(lo, math.ceil(gpus / per - 1e-9)) if per > 0 else hi, hi)
        while _gpus(make(n)[0], catalog) < gpus and n < hi:
            n += 1
        row.param_value = n
        fill(row, n)
        if row.gpus < gpus:
            # the intent is not met: the row fails the comparison's own rule
            _refuse(row, "COMPARE-GPU-GOAL",
                    f"short: the template takes at most {_blocks(hi, plan.param)}, "
                    f"reaching {row.gpus:,} of {gpus:,} GPUs")
        holds(row)
        return row
    # power envelope: the most blocks within power_mw of facility power
    rows: dict[int, CompareRow] = {}

    def at(k: int) -> CompareRow:
        if k not in rows:
            rows[k] = CompareRow(generation=plan.generation, template=t.id, param=plan.param,
                                 param_value=k, preliminary=t.preliminary)
            fill(rows[k], k)
        return rows[k]

    first = at(lo)
    if first.facility_mw > power_mw:
        _refuse(first, "COMPARE-POWER-ENVELOPE", f"does not fit: one block ({plan.param}={lo}) "
                f"needs {first.facility_mw:.3f} MW")
        holds(first)
        return first
    n = min(max(lo, int(power_mw / first.facility_mw * lo)), hi)
    while n > lo and at(n).facility_mw > power_mw:
        n -= 1
    while n < hi and at(n + 1).facility_mw <= power_mw:
        n += 1
    best = at(n)
    if n == hi:
        best.note = f"capped: the template takes at most {_blocks(hi, plan.param)}"
    holds(best)
    return best


def compare(gpus: int | None = None, power_mw: float | None = None,
            generations: list[str] | list[GenerationPlan] | None = None,
            hall: tuple[float, float] | None = None,
            catalog: Catalog | None = None,
            should_stop: Callable[[], bool] | None = None,
            progress: Callable[[str, int], None] | None = None) -> list[CompareRow]:
    """Instantiate one design intent for several generations and analyze each.

    Parameters
    ----------
    gpus : int, optional
        GPUs to reach (at most one of ``gpus`` and ``power_mw``).
    power_mw : float, optional
        Facility power envelope in MW.
    generations : list of str or GenerationPlan, optional
        Generation names (keys of :data:`PLANS`), or plans; all of
        :data:`DEFAULT_GENERATIONS` when not given.
    hall : (width_m, depth_m), optional
        The hall the design must fit; alone (no ``gpus``, no ``power_mw``),
        each row is the most blocks that fit the hall.
    should_stop : callable, optional
        Asked before each probe (a layout sized, or analysed: a tenth of a
        second to a few seconds each); when it returns true the comparison
        stops there and raises :class:`CompareCancelled`.
    progress : callable, optional
        Called after each probe with the generation and the probes made for
        it so far.

    Returns
    -------
    list of CompareRow
        One per generation, in the order asked; a generation that cannot be
        instantiated gets a row with ``error`` set.

    Raises
    ------
    CompareCancelled
        When ``should_stop`` returned true.
    """
    if (gpus is not None and power_mw is not None) or (gpus, power_mw, hall) == (None,) * 3:
        raise ParameterError("expected exactly one of --gpus and --power-mw, or --hall alone "
                             "for the most blocks that fit the hall")
    if gpus is not None and (isinstance(gpus, bool) or not isinstance(gpus, int)
                             or not 1 <= gpus <= MAX_GPUS):
        raise ParameterError(f"--gpus: expected a whole number of GPUs from 1 to {MAX_GPUS:,}, "
                             f"got {_given(gpus)}")
    if power_mw is not None and (isinstance(power_mw, bool)
                                 or not isinstance(power_mw, (int, float))
                                 or not 0 < power_mw <= MAX_POWER_MW):  # nan fails too
        raise ParameterError(f"--power-mw: expected a facility power above 0 and at most "
                             f"{MAX_POWER_MW:,.0f} MW, got {_given(power_mw)}")
    catalog = catalog or default_catalog()
    plans = [g if isinstance(g, GenerationPlan) else parse_generations(g)[0]
             for g in (generations or DEFAULT_GENERATIONS)]
    rows = []
    for plan in plans:
        try:
            on_probe = None if progress is None else \
                (lambda k, gen=plan.generation: progress(gen, k))
            rows.append(_one(plan, gpus, power_mw, hall, catalog, should_stop, on_probe))
        except (ParameterError, InputError) as exc:
            rows.append(CompareRow(generation=plan.generation, template=plan.template_id,
                                   param=plan.param, param_value=0, error=str(exc)))
    return rows


def _rule_text(gpus: int | None, power_mw: float | None, hall: tuple[float, float] | None) -> str:
    if gpus is None and power_mw is None and hall is not None:
        return (f"the most whole blocks that fit the {hall[0]:g} x {hall[1]:g} m hall "
                f"(clearance to the walls included; turned 90° where that holds more), "
                f"row length chosen to fit")
    intent = (f"the fewest whole blocks reaching {gpus} GPUs" if gpus is not None else
              f"the most whole blocks within {power_mw:g} MW of facility power")
    if hall is not None:
        intent += (f"; row length chosen to fit a {hall[0]:g} x {hall[1]:g} m hall (turned "
                   f"90° where only that fits)")
    return intent


def compare_dict(rows: list[CompareRow], gpus: int | None = None, power_mw: float | None = None,
                 hall: tuple[float, float] | None = None) -> dict[str, Any]:
    """Return the comparison as the JSON document of ``rackscape compare --json``."""
    return {"schema": COMPARE_SCHEMA,
            "intent": {"gpus": gpus, "power_mw": power_mw,
                       "hall_m": list(hall) if hall is not None else None},
            "rule": _rule_text(gpus, power_mw, hall),
            "rows": [r.to_dict() for r in rows]}


_TABLE = [
    ("template", "template", "{}"),
    ("block", None, ""),
    ("GPUs", "gpus", "{:,}"),
    ("racks", "racks", "{:,}"),
    ("hall area m2", "floor_area_m2", "{:,.0f}"),
    ("IT MW", "it_mw", "{:.2f}"),
    ("facility MW", "facility_mw", "{:.2f}"),
    ("liquid share", "liquid_share", "{:.0%}"),
    ("GPUs per IT MW", "gpus_per_mw", "{:,.0f}"),
    ("GPUs per facility MW", "gpus_per_facility_mw", "{:,.0f}"),
    ("switches", "switches", "{:,}"),
    ("cables", "cables", "{:,}"),
    ("optics", "optics", "{:,}"),
    ("optics kW *", "optics_kw", "{:,.1f}"),
    ("bisection Tb/s", "bisection_tbps", "{:,.1f}"),
    ("per-GPU Gb/s", "per_gpu_bisection_gbps", "{:,.1f}"),
    ("scale-up GPUs", "scaleup_domain_gpus", "{}"),
    ("fits hall", "fits_hall", "{}"),
    ("failing rules", "failing_rules", "{}"),
    ("warnings", "warnings", "{}"),
    ("warning rules", "warning_rules", "{}"),
]


#: figures a row's unknown power makes lower bounds, and those it makes upper bounds
_AT_LEAST = ("it_mw", "facility_mw")
_AT_MOST = ("gpus_per_mw", "gpus_per_facility_mw")


def bound_mark(row: CompareRow, key: str) -> str:
    """Return the mark before a figure of ``row`` that is a bound: ``"≥ "`` for a power
    total that leaves out hardware of unknown power (or optics power, module ends of
    unknown power), ``"≤ "`` for GPUs per MW then; ``""`` for an exact figure.

    Examples
    --------
    >>> row = CompareRow("cpu", "cpu-cluster", "racks", 8, gpus_per_mw=12.5,
    ...                  unknown_power="40 switches")
    >>> bound_mark(row, "it_mw"), bound_mark(row, "gpus_per_mw"), bound_mark(row, "racks")
    ('≥ ', '≤ ', '')
    """
    if row.unknown_power and key in _AT_LEAST or key == "optics_kw" and \
            row.optics_is_lower_bound:
        return "≥ "
    if row.unknown_power and key in _AT_MOST and (getattr(row, key) or 0) > 0:
        return "≤ "  # (no GPUs per MW is no GPUs at any power)
    return ""


def format_table(rows: list[CompareRow]) -> str:
    """Return the comparison as text: one column per generation, one line per figure.

    The block takes a line per setting ("4 SU, no UFM slot", "fabric_plan=table"); a
    column whose rack power rests on a secondary figure, an estimate or the top of a
    range is marked † and the figure is named under the table.

    Examples
    --------
    >>> table = format_table([CompareRow("hopper", "dgx-h100-superpod", "scalable_units", 1,
    ...                                  gpus=256)])
    >>> table.splitlines()[3].split()
    ['GPUs', '256']
    """
    def block_lines(r: CompareRow) -> list[str]:
        return [] if r.error else (r.block or f"{r.param}={r.param_value}").split("; ")

    n_block = max([len(block_lines(r)) for r in rows] + [1])
    labels = []
    for label, key, _ in _TABLE:
        labels += [label] + [""] * (n_block - 1) if key is None else [label]
    cols = []
    for r in rows:
        cells = []
        for label, key, fmt in _TABLE:
            if r.error:  # the whole message goes under the table: the cell says where
                cells += ["error (see below)" if label == "template" else ""] * \
                    (n_block if key is None else 1)
                continue
            if key is None:
                lines = block_lines(r)
                cells += lines + [""] * (n_block - len(lines))
                continue
            val = getattr(r, key)
            if key in ("failing_rules", "warning_rules"):
                cells.append(", ".join(val) if val else "none")
            elif val is None:
                cells.append("-")
            elif isinstance(val, bool):
                cells.append("yes" if val else "no")
            else:
                cells.append(bound_mark(r, key) + fmt.format(val))
        cols.append(cells)
    # a generation asked for twice (hopper:dgx-h100-hall beside hopper) is told apart by
    # its template, in the columns and in the notes
    name = [f"{r.generation} ({r.template})"
            if any(o.generation == r.generation and o.template != r.template for o in rows)
            else r.generation for r in rows]
    head = [n + (" (prelim.)" if r.preliminary else "")
            + (" †" if r.power_figures and not r.error else "")
            for n, r in zip(name, rows, strict=True)]
    width = [max(len(h), *(len(c) for c in col)) for h, col in zip(head, cols, strict=True)]
    lw = max(len(label) for label in labels) + 2
    lines = [" " * lw + "  ".join(h.rjust(w) for h, w in zip(head, width, strict=True))]
    for i, label in enumerate(labels):
        lines.append(label.ljust(lw) + "  ".join(col[i].rjust(w) for col, w in
                                                 zip(cols, width, strict=True)))
    named = list(zip(name, rows, strict=True))
    notes = [f"{n}: {r.error}" for n, r in named if r.error]
    notes += [f"{n}: {r.note}" for n, r in named if r.note]
    notes += [f"{n}: the power figures leave out {r.unknown_power}, counted as 0 W "
              "(≥: at least; ≤: at most)" for n, r in named if r.unknown_power and not r.error]
    notes += [f"{n}: {r.hall_note}" for n, r in named if r.hall_note]
    notes += [f"{n}: {r.block_note}" for n, r in named if r.block_note and not r.error]
    notes += [power_footnote(n, f) for n, r in named if not r.error
              for f in r.power_figures]
    notes.append("* optics beyond switch power: a switch whose power figure includes its "
                 "optics (QM9700, SN5610, Q3400) adds only the node ends")
    return "\n".join(lines + notes)


def run_compare_cli(args) -> int:
    """Run ``rackscape compare`` from parsed arguments; return the exit code.

    Exit 0 with the table (or ``--json``); 2 with one line on stderr for a bad
    intent, generation or hall.
    """
    gpus = getattr(args, "gpus", None)
    power = getattr(args, "power_mw", None)
    try:
        hall = parse_hall(getattr(args, "hall", None))
        plans = parse_generations(getattr(args, "generations", None))
        rows = compare(gpus=gpus, power_mw=power, generations=plans, hall=hall)
    except (ParameterError, InputError) as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(compare_dict(rows, gpus, power, hall), indent=2))
    else:
        print(f"compare: {_rule_text(gpus, power, hall)}")
        print(format_table(rows))
    return 0
