"""The layout model: one hall, its racks, facility units, trays and fabrics.

The :class:`Layout` is the single source of truth of a design. It is plain
validated data (pydantic v2) and is saved as versioned JSON by :mod:`engine.io`.
Coordinates are metres in the hall's plan, x to the right and y up; a rack's
``x_m``/``y_m`` is the centre of its footprint.

Examples
--------
>>> lay = Layout(name="demo", hall=Hall(outline=[(0, 0), (10, 0), (10, 8), (0, 8)]))
>>> lay.racks.append(Rack(id="R1", type="rack-800x1200", x_m=2.0, y_m=2.0))
>>> lay.rack("R1").rotation_deg
0
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from engine.errors import UserFileModel, as_one_line, json_typed

__all__ = [
    "SCHEMA_VERSION",
    "FEED_KINDS",
    "Point",
    "Obstacle",
    "Hall",
    "MountedDevice",
    "Rack",
    "CoolingUnit",
    "PowerFeed",
    "CableTray",
    "Endpoint",
    "ExplicitLink",
    "FabricTier",
    "Fabric",
    "CablingPolicy",
    "Assumptions",
    "Layout",
]

SCHEMA_VERSION = 3

# Lower bounds are physical floors (a 12 V feed, 1 Gb/s link, 1 K of temperature rise), not
# just "positive": a value such as 5e-324 passes "> 0" and then divides to infinity.
#
# Numbers and yes/no fields check their JSON type (engine.errors.json_typed): in a layout file
# a number is a JSON number, not text that reads as one ("u": "3"), and a yes/no is true or
# false; true/false is never a number (also inside a tuple or a dict, out of reach of the
# models' field check).
FiniteFloat = Annotated[float, BeforeValidator(json_typed(float)), Field(allow_inf_nan=False)]
Integer = Annotated[int, BeforeValidator(json_typed(int))]
Flag = Annotated[bool, BeforeValidator(json_typed(bool))]
Coord = Annotated[float, BeforeValidator(json_typed(float)),
                  Field(allow_inf_nan=False, ge=-1.0e5, le=1.0e5)]
Point = tuple[Coord, Coord]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/+\-]+$")]
#: a name or an author as shown in titles, labels and reports: one line, no control
#: character (a line break or a terminal escape would print raw wherever it is shown);
#: one in a file is read as a space, so a file that holds one still opens
TextLine = Annotated[str, BeforeValidator(as_one_line)]

#: most racks (and explicit links) a layout holds
MAX_RACKS = 100_000
#: most cooling units, feeds or trays a layout holds
MAX_UNITS = 20_000


class _Model(UserFileModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Obstacle(_Model):
    """A column, wall or keep-out zone inside the hall (a polygon in metres)."""

    id: Identifier
    kind: Literal["column", "wall", "keepout"] = "column"
    polygon: list[Point] = Field(min_length=3, max_length=10_000)


class Hall(_Model):
    """The room: outline, obstacles, floor rating and raised-floor tile."""

    outline: list[Point] = Field(min_length=3, max_length=10_000)
    obstacles: list[Obstacle] = Field(default_factory=list, max_length=MAX_UNITS)
    floor_rating_kg_m2: FiniteFloat = Field(default=1200.0, ge=1, le=1.0e5)
    tile_m: FiniteFloat | None = Field(default=0.6, ge=0.1, le=10)
    raised_floor: Flag = False
    ceiling_height_m: FiniteFloat = Field(default=4.5, ge=1, le=100)

    def bounds(self) -> tuple[float, float, float, float]:
        """Return ``(xmin, ymin, xmax, ymax)`` of the outline in metres."""
        xs = [p[0] for p in self.outline]
        ys = [p[1] for p in self.outline]
        return min(xs), min(ys), max(xs), max(ys)


class MountedDevice(_Model):
    """A device installed in a rack at its lowest U (1-based)."""

    type: Identifier
    u: Integer = Field(ge=1, le=60)
    name: TextLine | None = Field(default=None, max_length=120)


class Rack(_Model):
    """A rack on the floor: rack type, position, rotation and contents.

    A rack holds either ``devices`` by U position, or one rack-scale ``system``
    (for example a GB200 NVL72) that fills it.
    """

    id: Identifier
    type: Identifier
    x_m: Coord
    y_m: Coord
    rotation_deg: Literal[0, 90, 180, 270] = 0
    row: str | None = Field(default=None, max_length=40)
    name: TextLine | None = Field(default=None, max_length=120)
    devices: list[MountedDevice] = Field(default_factory=list, max_length=60)
    system: Identifier | None = None
    feeds: list[Identifier] = Field(default_factory=list, max_length=8)
    cdu: Identifier | None = None
    crah: Identifier | None = None

    @model_validator(mode="after")
    def _system_or_devices(self) -> Rack:
        if self.system is not None and self.devices:
            raise ValueError("either a rack-scale system or devices, not both (this rack "
                             "has both)")
        return self

    @field_validator("rotation_deg", mode="before")
    @classmethod
    def _normalise_rotation(cls, v: object) -> object:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            if float(v) % 90 == 0:
                return int(v) % 360
        return v


class CoolingUnit(_Model):
    """A CRAH/CRAC (air), CDU (liquid) or rear-door heat exchanger.

    ``capacity_kw`` is the unit's rated heat removal. A CDU's ``flow_lpm`` is its
    rated coolant flow. ``group`` names the N+1 redundancy group (units that
    back each other up); the default groups units by kind. ``return_xy_m`` is
    where a CRAH draws the room's air from when that is not where it stands: the
    opening of the gallery it sits in, the grille of a ducted return. Air
    sharing and a rack's cooling zone measure distances to it (default: the
    unit's position).
    """

    id: Identifier
    kind: Literal["crah", "cdu", "rear_door"]
    model: Identifier | None = None
    x_m: Coord
    y_m: Coord
    rotation_deg: Literal[0, 90, 180, 270] = 0
    capacity_kw: FiniteFloat = Field(ge=0.1, le=1.0e5)
    flow_lpm: FiniteFloat | None = Field(default=None, ge=1, le=1.0e6)
    width_m: FiniteFloat = Field(default=1.0, ge=0.05, le=50)
    depth_m: FiniteFloat = Field(default=1.0, ge=0.05, le=50)
    group: str | None = Field(default=None, max_length=40)
    rack: Identifier | None = None
    name: TextLine | None = Field(default=None, max_length=120)
    return_xy_m: Point | None = None


class PowerFeed(_Model):
    """A rack PDU, remote power panel or busway run feeding racks on side A or B.

    Capacity is ``sqrt(3) * voltage_v * amps`` for three phases (line-to-line
    voltage) or ``voltage_v * amps`` for one phase, times the power factor.
    """

    id: Identifier
    kind: Literal["busway", "pdu", "rpp"] = "busway"
    model: Identifier | None = None
    side: Literal["A", "B"] = "A"
    voltage_v: FiniteFloat = Field(default=415.0, ge=12, le=1000)
    phases: Literal[1, 3] = 3
    amps: FiniteFloat = Field(default=400.0, ge=1, le=10_000)
    power_factor: FiniteFloat = Field(default=1.0, ge=0.5, le=1)
    points: list[Point] = Field(default_factory=list, max_length=10_000)
    name: TextLine | None = Field(default=None, max_length=120)

    @property
    def rating_kw(self) -> float:
        """Nameplate capacity in kW (before the continuous-load derating)."""
        base = self.voltage_v * self.amps * (math.sqrt(3.0) if self.phases == 3 else 1.0)
        return base * self.power_factor / 1000.0


#: the kinds of power feed (``PowerFeed.kind``): rack PDU, remote power panel, busway
FEED_KINDS: tuple[str, ...] = get_args(PowerFeed.model_fields["kind"].annotation)


class CableTray(_Model):
    """An overhead (or under-floor) cable tray as a polyline in plan."""

    id: Identifier
    points: list[Point] = Field(min_length=2, max_length=10_000)
    elevation_m: FiniteFloat = Field(default=2.7, ge=-2, le=20)
    width_m: FiniteFloat = Field(default=0.6, ge=0.05, le=5)


class Endpoint(_Model):
    """One end of a link: a device in a rack (by U) or the rack's system, and a port."""

    rack: Identifier
    u: Integer | None = Field(default=None, ge=1, le=60)
    port: str | None = Field(default=None, max_length=40)


class ExplicitLink(_Model):
    """A link drawn by the user between two devices.

    It is cabled like a generated link and joins the bisection of ``fabric``
    (or, when that is empty, of the fabric one of its ends belongs to).
    ``medium`` forces a catalog medium instead of the policy's choice and
    ``length_m`` a measured length instead of the routed one.
    """

    id: Identifier
    a: Endpoint
    b: Endpoint
    speed_gbps: FiniteFloat = Field(default=400.0, ge=1, le=1.0e5)
    count: Integer = Field(default=1, ge=1, le=10_000)
    fabric: Identifier | None = None
    medium: Identifier | None = None
    length_m: FiniteFloat | None = Field(default=None, ge=0.01, le=1.0e5)


class FabricTier(_Model):
    """One switch tier of a fabric: model and oversubscription (down:up ports).

    ``radix`` uses only that many ports of each switch, at the fabric's link
    speed (a k-ary fat-tree built from bigger switches); ``port_speed_gbps``
    overrides the catalog port speed (for example a breakout); ``count``
    forces the number of spines of a 2-tier or cores of a 3-tier fabric, which
    makes it an edited one (bisection by the graph method); leaves always
    follow the member nodes. ``placement`` ``"member_racks"`` puts each leaf in
    the rack of the nodes it serves (a top-of-rack switch, such as Meta's RTSW
    [S30]) where that rack has free U, and in the network racks otherwise.
    ``links_per_pair`` (spine tier only) gives each leaf that many parallel
    links to each spine of its group, which fixes the groups: pods of
    ``spine down ports / links_per_pair`` leaves and ``leaf uplinks /
    links_per_pair`` spines, as NVIDIA's GB200 SuperPOD builds a scalable
    leaf group per rail and SU (8 leaves, 6 spines, 3 links per pair); where
    each rail's leaves fit one such group, the fabric needs no core tier.
    """

    name: Literal["leaf", "spine", "core"]
    switch: Identifier
    placement: Literal["network_racks", "member_racks"] = "network_racks"

    @model_validator(mode="after")
    def _placement_of_leaves(self) -> FabricTier:
        # spines and cores serve many racks: they have no rack of their own to sit in
        if self.placement == "member_racks" and self.name != "leaf":
            raise ValueError(f"placement 'network_racks' for a {self.name} tier ('member_racks' "
                             "places leaves in the racks they serve)")
        if self.links_per_pair is not None and self.name != "spine":
            raise ValueError(f"no links_per_pair on a {self.name} tier (it sets the links "
                             "between each leaf and each spine of its group)")
        return self
    oversubscription: FiniteFloat = Field(default=1.0, ge=1.0, le=64.0)
    count: Integer | None = Field(default=None, ge=1, le=1_000_000)
    radix: Integer | None = Field(default=None, ge=2, le=4096)
    port_speed_gbps: FiniteFloat | None = Field(default=None, ge=1, le=1.0e5)
    links_per_pair: Integer | None = Field(default=None, ge=1, le=256)


#: the most empty node positions the fabrics of a design keep for deleted racks, in all
#: (a fabric of 262,144 GPUs in 8-GPU servers; past it a delete renumbers the nodes after)
MAX_VACANT_POSITIONS = 32_768
#: and before any one member rack
MAX_VACANT_BEFORE_ONE = 8_192


class Fabric(_Model):
    """A network of the design: members, tiers, rails and where switches sit.

    ``members`` lists rack ids whose GPU servers (or rack-scale systems) join the
    fabric; empty means every GPU rack of the hall. ``network_racks`` are the
    racks whose free U take this fabric's switches, in order. ``tiers`` lists
    the most tiers the fabric may use; with ``collapse_tiers`` a fabric that
    fits in fewer tiers uses fewer, as NVIDIA's DGX SuperPOD does up to 8
    scalable units. A scale-out fabric gives every GPU ``ports_per_gpu`` NICs
    (0: the device's scale-out ports from the catalog); front-end, storage and
    management fabrics take the catalog's ports of that purpose. Every link
    runs at ``nic_speed_gbps``. ``vacant_before`` keeps the node positions of
    racks deleted from a generated fabric empty (see :func:`engine.edits.remove_items`);
    ``appended`` puts nodes added to a member rack later at the fabric's end, so the
    nodes after that rack keep their ports (see :func:`engine.edits.install_device`).
    """

    id: Identifier
    name: TextLine = Field(default="compute", max_length=120)
    purpose: Literal["scale_out", "front_end", "storage", "management"] = "scale_out"
    topology: Literal["rail_optimized", "fat_tree", "clos", "explicit"] = "rail_optimized"
    members: list[Identifier] = Field(default_factory=list)
    tiers: list[FabricTier] = Field(default_factory=list, max_length=3)
    nic_speed_gbps: FiniteFloat = Field(default=400.0, ge=1, le=1.0e5)
    ports_per_gpu: Integer = Field(default=1, ge=0, le=16)
    rails: Integer = Field(default=8, ge=1, le=64)
    su_nodes: Integer = Field(default=32, ge=1, le=100_000)
    network_racks: list[Identifier] = Field(default_factory=list)
    collapse_tiers: Flag = True
    #: node positions left empty before a member rack: racks deleted from the fabric
    #: there, whose leaf ports stay free, so the nodes after them keep theirs (the
    #: cables already pulled) instead of every later node moving up a port
    vacant_before: dict[Identifier, Annotated[Integer, Field(ge=0, le=MAX_VACANT_BEFORE_ONE)]] = Field(
        default_factory=dict, max_length=100_000)
    #: a node added to a member rack after the fabric was laid out, one entry (the rack's
    #: id) per node, in the order added: the rack's highest nodes by U stand at the
    #: fabric's end instead of its place, so every node after the rack keeps its leaf
    #: port (the cables already pulled) rather than move up one
    appended: list[Identifier] = Field(default_factory=list, max_length=MAX_VACANT_POSITIONS)

    @model_validator(mode="after")
    def _vacancies_in_all(self) -> Fabric:
        # each entry is capped; so is their sum, or a few lines of JSON would ask for
        # millions of empty node positions
        total = sum(self.vacant_before.values())
        if total > MAX_VACANT_POSITIONS:
            raise ValueError(f"at most {MAX_VACANT_POSITIONS:,} empty node positions in all "
                             f"in vacant_before (got {total:,})")
        return self


class CablingPolicy(_Model):
    """Which media a design allows and from which length optics are required.

    AOCs are off by default: NVIDIA's LinkX line has no 800G twin-port AOC and
    NDR/XDR fabrics are built from transceivers and fibre [S16][S18]; no public
    AOC power figure exists either, so an AOC would hide optics power.
    """

    allow_aoc: Flag = False
    allow_copper: Flag = True
    optics_above_m: FiniteFloat | None = Field(default=None, ge=0, le=1000)
    prefer_single_mode: Flag = False


class Assumptions(_Model):
    """Engineering assumptions of the design (units in the names).

    Defaults: air ΔT 11.7 K (≈21 °F, NVIDIA's 150 CFM/kW rack profiles [S40]);
    coolant ΔT 10 K (OCP OAI guideline [S61]); 80 % continuous load (NEC 210.20(A)
    [S65]); air-cooling practical limit 30 kW per rack [S59a]. The PUE model is
    ``1 + overhead_fixed + air_share * overhead_air + liquid_share * overhead_liquid``,
    calibrated so an all-air hall lands near 1.5 and an all-liquid hall near 1.15
    ([S62c]); ``pue`` overrides it.
    """

    delta_t_air_k: FiniteFloat = Field(default=11.7, ge=1, le=60)
    delta_t_coolant_k: FiniteFloat = Field(default=10.0, ge=1, le=60)
    continuous_derating: FiniteFloat = Field(default=0.8, ge=0.1, le=1)
    air_limit_kw_per_rack: FiniteFloat = Field(default=30.0, ge=0.1, le=10_000)
    pue: FiniteFloat | None = Field(default=None, ge=1.0, le=5.0)
    pue_overhead_fixed: FiniteFloat = Field(default=0.08, ge=0, le=2)
    pue_overhead_air: FiniteFloat = Field(default=0.42, ge=0, le=3)
    pue_overhead_liquid: FiniteFloat = Field(default=0.07, ge=0, le=3)
    utilization_factor: FiniteFloat = Field(default=1.0, ge=0.01, le=1.5)
    cable_slack_m: FiniteFloat = Field(default=2.0, ge=0, le=100)
    #: a cable that stays in its rack has a service loop, not the drops and turns of a
    #: tray run: slack of its own
    in_rack_slack_m: FiniteFloat = Field(default=0.5, ge=0, le=100)
    aisle_clearance_m: FiniteFloat = Field(default=1.2, ge=0, le=20)
    tray_elevation_m: FiniteFloat = Field(default=2.7, ge=-2, le=20)
    u_height_m: FiniteFloat = Field(default=0.04445, ge=0.01, le=1)
    cabling: CablingPolicy = Field(default_factory=CablingPolicy)


class Layout(_Model):
    """A complete design: one hall, its equipment and its assumptions."""

    name: TextLine = Field(default="Untitled hall", max_length=200)
    schema_version: Integer = SCHEMA_VERSION
    generation: str = Field(default="hopper", min_length=1, max_length=40)
    author: TextLine | None = Field(default=None, max_length=200)
    hall: Hall
    # bounds far above any hall (100,000 racks hold over 3 million GPUs) that keep a
    # hostile file from costing minutes and gigabytes before it is refused
    racks: list[Rack] = Field(default_factory=list, max_length=MAX_RACKS)
    cooling: list[CoolingUnit] = Field(default_factory=list, max_length=MAX_UNITS)
    feeds: list[PowerFeed] = Field(default_factory=list, max_length=MAX_UNITS)
    trays: list[CableTray] = Field(default_factory=list, max_length=MAX_UNITS)
    fabrics: list[Fabric] = Field(default_factory=list, max_length=1_000)
    links: list[ExplicitLink] = Field(default_factory=list, max_length=MAX_RACKS)
    assumptions: Assumptions = Field(default_factory=Assumptions)

    @model_validator(mode="after")
    def _unique_ids(self) -> Layout:
        seen: set[str] = set()
        groups = (self.racks, self.cooling, self.feeds, self.trays, self.fabrics, self.links,
                  self.hall.obstacles)
        for group in groups:
            for item in group:
                if item.id in seen:
                    raise ValueError(f"duplicate id {item.id!r}")
                seen.add(item.id)
        return self

    @model_validator(mode="after")
    def _vacancies_in_all(self) -> Layout:
        total = sum(sum(f.vacant_before.values()) for f in self.fabrics)
        if total > MAX_VACANT_POSITIONS:
            raise ValueError(f"at most {MAX_VACANT_POSITIONS:,} empty node positions in all "
                             f"the fabrics' vacant_before (got {total:,})")
        return self

    def rack(self, rack_id: str) -> Rack:
        """Return the rack with id ``rack_id`` (KeyError if absent)."""
        for r in self.racks:
            if r.id == rack_id:
                return r
        raise KeyError(rack_id)

    def find(self, item_id: str) -> BaseModel | None:
        """Return any item (rack, unit, feed, tray, fabric, link, obstacle) by id."""
        for group in (self.racks, self.cooling, self.feeds, self.trays, self.fabrics,
                      self.links, self.hall.obstacles):
            for item in group:
                if item.id == item_id:
                    return item
        return None

    def all_ids(self) -> set[str]:
        """Return every id used in the layout."""
        ids: set[str] = set()
        for group in (self.racks, self.cooling, self.feeds, self.trays, self.fabrics,
                      self.links, self.hall.obstacles):
            ids.update(item.id for item in group)
        return ids
