"""Report tables: pure functions from a Layout and its Analysis to typed tables.

Every report (PDF, XLSX, CSV) is drawn from the same :class:`Table` objects, so
the numbers agree across formats. A table has a key (sheet and file name), a
title, typed columns whose headers carry their unit, and rows of numbers and
strings (``None`` for a value that is not known). Numbers stay numbers.

A row holds each figure rounded to the decimals it prints with, as the PDF and
the panels show it; :attr:`Table.exact` keeps the same figures unrounded, by
column, for the workbook and the CSV files, whose columns then re-sum to the
analysis's totals (the racks' power to the IT load, the routed lengths to the
total cable length).

The cable cut-sheet has one row per link of the analysis: both ends (rack, U,
device, port), medium, routed length, the stock length to order (the next
standard length at or above the routed length, :data:`STOCK_LENGTHS_M`) and
the label text printed on both ends of the cable.

Examples
--------
>>> from engine.templates import instantiate
>>> from engine.analysis import analyze
>>> lay = instantiate("dgx-h100-hall", {"racks": 4})
>>> a = analyze(lay)
>>> tables = {t.key: t for t in build_tables(lay, a)}
>>> tables["racks"].headers()[:6]
['Rack', 'Name', 'Row', 'Slot', 'X (m)', 'Y (m)']
>>> sum(g or 0 for g in tables["bom"].column("GPUs"))
128
>>> math.isclose(math.fsum(tables["racks"].exact["Power"]), a.power.it_kw)
True
>>> stock_length_m(np.array([0.3, 2.01, 101.0])).tolist()
[0.5, 2.5, 110.0]
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from engine.arrayops import natural_groups, natural_key, unique_sorted
from engine.catalog import Catalog, Figure, default_catalog
from engine.compile import ROLE_CODES
from engine.model import Layout
from engine.power import DESIGN_POWER_FACTOR

__all__ = [
    "STOCK_LENGTHS_M",
    "Column",
    "Table",
    "LinkView",
    "stock_length_m",
    "tier_words",
    "link_view",
    "build_tables",
    "TABLE_KEYS",
    "summary_table",
    "bom_table",
    "transceivers_bought",
    "racks_table",
    "rows_table",
    "feeds_table",
    "cooling_units_table",
    "cooling_groups_table",
    "cooling_group_status",
    "network_table",
    "fabrics_table",
    "fabric_tiers_table",
    "cable_bins_table",
    "violations_table",
    "cutsheet_table",
    "sources_table",
    "sources_cited_table",
    "natural_key",
    "scaleup_figures",
    "rack_unknown_figures",
    "short_model_name",
    "unknown_hardware_text",
    "unknown_power_text",
    "power_text",
    "floor_load_text",
    "known_text",
    "unknown_figure_note",
    "KW_DIGITS",
]

#: Decimals every report and panel shows a power in kW with (132.6 kW): a table's rows hold
#: their figures rounded once to the decimals they print with, so PDF, XLSX and CSV show the
#: same (the XLSX and CSV store the unrounded figure, :attr:`Table.exact`).
KW_DIGITS = 1

#: Standard stock cable lengths in metres; longer runs round up to the next 10 m (made to order).
STOCK_LENGTHS_M = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0)

Kind = Literal["str", "int", "float", "num"]


@dataclass(frozen=True)
class Column:
    """One column: name, unit (shown in the header) and value kind.

    ``kind`` is ``str``, ``int``, ``float`` (fixed ``digits`` decimals in print) or
    ``num`` (a column of mixed numbers, printed as they come). A table's rows hold
    each number already rounded, once, to the decimals it prints with, so the PDF,
    the XLSX and the CSV show the same figure; :attr:`Table.exact` keeps it unrounded.
    """

    name: str
    unit: str = ""
    kind: Kind = "str"
    digits: int = 1

    @property
    def header(self) -> str:
        """Return the header text, ``"Load (kW)"``."""
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclass
class Table:
    """A titled table of typed columns and rows (``None`` = not known).

    ``rows`` hold each figure rounded to the decimals it prints with. ``exact``
    holds, for each column whose rows are rounded (by column name), the same
    figures unrounded: one per row, ``None`` where the row has no rounded
    figure (a text, a count, a value not known). Re-summed, ``exact`` gives the
    analysis's totals (the racks' power is the IT load), which the rounded rows
    miss by up to half a unit of their last decimal per row.

    Examples
    --------
    >>> t = Table("racks", "Racks", [Column("Rack"), Column("Power", "kW", "float")],
    ...           [("R1", 132.6), ("R2", None)], exact={"Power": [132.648, None]})
    >>> t.column("Power"), t.exact_column("Power")
    ([132.6, None], [132.648, None])
    """

    key: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    note: str = ""
    exact: dict[str, list[float | None]] = field(default_factory=dict)
    #: for a mixed (``num``) column, the decimals each row's figure prints with (by column
    #: name; ``None`` where the row has no rounded figure): 2,346.0 kW prints as "2,346.0"
    #: beside "2,927.6", not as "2,346"
    places: dict[str, list[int | None]] = field(default_factory=dict)
    #: for a column whose figures may leave out hardware the catalog has no figure for
    #: (by column name), whether each row's figure is such a lower bound: printed
    #: "≥ 24.8", stored as the number
    at_least: dict[str, list[bool]] = field(default_factory=dict)

    def headers(self) -> list[str]:
        """Return the column headers with units."""
        return [c.header for c in self.columns]

    def index(self, name: str) -> int:
        """Return the position of the column called ``name`` (or with that header)."""
        for i, c in enumerate(self.columns):
            if name in (c.name, c.header):
                return i
        raise KeyError(name)

    def column(self, name: str) -> list:
        """Return the values of one column, as the rows hold them (rounded)."""
        i = self.index(name)
        return [r[i] for r in self.rows]

    def exact_column(self, name: str, start: int = 0, stop: int | None = None) -> list:
        """Return the values of one column (rows ``start:stop``) at full precision.

        A rounded number is replaced by its figure in :attr:`exact`; counts, texts
        and ``None`` are returned as the rows hold them, so a whole number stays
        an ``int``.
        """
        i = self.index(name)
        shown = [r[i] for r in self.rows[start:stop]]
        full = self.exact.get(self.columns[i].name)
        if full is None:
            return shown
        return [e if type(v) is float and e is not None else v
                for v, e in zip(shown, full[start:stop], strict=True)]

    def __len__(self) -> int:
        return len(self.rows)


def _c(name: str, unit: str = "", kind: Kind = "str", digits: int = 1) -> Column:
    return Column(name, unit, kind, digits)


def _f(x: Any, nd: int = KW_DIGITS) -> float | None:
    """Round a number for a table; ``None`` for missing or non-finite values.

    ``nd`` is the decimals its column prints (:attr:`Column.digits`, or the ones a
    ``num`` row is shown with): a figure rounded first to two decimals and then
    printed to one is rounded twice, and 132.648 kW would print as 132.7 here
    and as 132.6 wherever it is formatted from the analysis directly.
    """
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class _Rounded:
    """A figure of a row under construction: as it prints and as computed."""

    shown: float
    exact: float
    places: int = KW_DIGITS


def _x(x: Any, nd: int = KW_DIGITS) -> _Rounded | None:
    """Return a figure for a row: :func:`_f`'s rounding, with the figure unrounded.

    :func:`_table` puts the rounded value in the row and the figure in
    :attr:`Table.exact`.
    """
    shown = _f(x, nd)
    return None if shown is None else _Rounded(shown, _exact(x), nd)


def _as_given(x: Any, most: int = 4) -> _Rounded | None:
    """Return a figure for a mixed column with the decimals it has (at most ``most``): a
    catalog's 10,200 W prints "10,200", its 130.45 kg "130.45", not "10,200.0000".

    >>> [(r.shown, r.places) for r in (_as_given(10200.0), _as_given(130.45),
    ...                                _as_given(0.04445), _as_given(0.8, 6))]
    [(10200.0, 0), (130.45, 2), (0.0445, 4), (0.8, 1)]
    """
    if x is None or not math.isfinite(float(x)):
        return None
    v = round(float(x), most)
    text = repr(v)
    places = 0 if v.is_integer() or "e" in text else len(text.split(".")[1])
    return _x(x, min(places, most))


def _exact(x: Any) -> float:
    """Return a figure to 12 significant digits: what it is computed to, without the
    binary noise of a long sum (36.0, not 35.99999999999999).

    >>> _exact(sum([0.1] * 360)), _exact(1386.5960000000005)
    (36.0, 1386.596)
    """
    return float(f"{float(x):.12g}")


def _pct(x: Any) -> _Rounded | None:
    return _x(None if x is None else float(x) * 100.0, 1)


def _split(rows: Sequence[tuple], columns: Sequence[Column]
           ) -> tuple[list[tuple], dict[str, list[float | None]], dict[str, list[int | None]]]:
    """Return ``rows`` with each :class:`_Rounded` figure rounded, the figures by column,
    and, for mixed (``num``) columns, the decimals each row prints with.

    Examples
    --------
    >>> _split([("a", _x(132.648), 3), ("b", None, 4)], [_c("Rack"), _c("Power"), _c("U")])
    ([('a', 132.6, 3), ('b', None, 4)], {'Power': [132.648, None]}, {})
    >>> _split([("IT", _x(2346.0)), ("PUE", _x(1.25, 2))], [_c("Metric"), _c("Value", kind="num")])
    ([('IT', 2346.0), ('PUE', 1.25)], {'Value': [2346.0, 1.25]}, {'Value': [1, 2]})
    """
    exact: dict[int, list[float | None]] = {}
    places: dict[int, list[int | None]] = {}
    out = []
    for i, r in enumerate(rows):
        if any(type(v) is _Rounded for v in r):
            cells = list(r)
            for j, v in enumerate(r):
                if type(v) is _Rounded:
                    exact.setdefault(j, [None] * len(rows))[i] = v.exact
                    if columns[j].kind == "num":
                        places.setdefault(j, [None] * len(rows))[i] = v.places
                    cells[j] = v.shown
            r = tuple(cells)
        out.append(r)
    return (out, {columns[j].name: exact[j] for j in sorted(exact)},
            {columns[j].name: places[j] for j in sorted(places)})


def _table(key: str, title: str, columns: list[Column], rows: Sequence[tuple],
           note: str = "", at_least: dict[str, list[bool]] | None = None) -> Table:
    """Return a :class:`Table` of rows built with :func:`_x` figures (see :func:`_split`)."""
    shown, exact, places = _split(rows, columns)
    return Table(key, title, columns, shown, note, exact, places,
                 {k: v for k, v in (at_least or {}).items() if any(v)})


# -- stock lengths -------------------------------------------------------------------------

def stock_length_m(length_m: np.ndarray) -> np.ndarray:
    """Return the stock length to order for each routed length (m).

    The next length of :data:`STOCK_LENGTHS_M` at or above the routed length;
    beyond the longest stock length, the next multiple of 10 m (made to order).

    Parameters
    ----------
    length_m : (N,) float
        Routed lengths including slack.

    Returns
    -------
    (N,) float

    Examples
    --------
    >>> stock_length_m(np.array([0.0, 1.0, 1.2, 7.5, 100.0])).tolist()
    [0.5, 1.0, 1.5, 10.0, 100.0]
    """
    L = np.asarray(length_m, np.float64)
    stock = np.asarray(STOCK_LENGTHS_M)
    i = np.searchsorted(stock, L - 1e-9, side="left")
    longer = np.ceil(np.maximum(L, 0) / 10.0 - 1e-9) * 10.0
    return np.where(i < len(stock), stock[np.minimum(i, len(stock) - 1)], longer)


# -- the link table of the analysis ----------------------------------------------------------

@dataclass
class LinkView:
    """Per-link arrays in one shape, whatever the network module exposes.

    Strings are lists; ``a_u``/``b_u`` are 0 where the end has no U (a
    rack-scale system or an unplaced switch); ``length_m`` is NaN where the
    link was not routed.
    """

    link_id: list[str]
    tier: list[str]
    fabric: list[str]
    a_rack: list[str]
    a_u: np.ndarray
    a_device: list[str]
    a_port: list[str]
    b_rack: list[str]
    b_u: np.ndarray
    b_device: list[str]
    b_port: list[str]
    medium: list[str]
    speed_gbps: np.ndarray
    length_m: np.ndarray
    transceivers: np.ndarray
    optics_w: np.ndarray
    source: str = "none"
    cables: np.ndarray | None = None  # parallel cables per link (1 when None)
    #: the part of ``transceivers`` in modules that serve two links (twin-port, breakout)
    shared_transceivers: np.ndarray | None = None
    #: module ends whose medium has no power figure (not in ``optics_w``)
    optics_unknown_ends: np.ndarray | None = None
    #: the part of ``transceivers`` whose power ``optics_w`` adds: modules at ends in a
    #: device whose power figure already counts its optics draw nothing more
    #: (:attr:`engine.catalog.DeviceType.power_includes_optics`)
    powered_transceivers: np.ndarray | None = None
    #: ``optics_w`` regrouped by module: a twin-port module's power at the link that
    #: counts it in ``transceivers`` (None: as ``optics_w``)
    module_optics_w: np.ndarray | None = None
    #: the part of ``transceivers`` (and of ``shared_transceivers``) at ends in a server,
    #: system or NIC rather than a switch: a module for a NIC's cage can be another part
    #: than a switch's (OSFP: flat-top at the NIC, finned-top at the switch)
    host_transceivers: np.ndarray | None = None
    host_shared_transceivers: np.ndarray | None = None
    #: copper links with an end in a twin-port cage (None: no such link): one splitter
    #: (or twin-port) cable carries the cage's links
    copper_twin: np.ndarray | None = None
    #: those assemblies per link, counted at the link of the cage's first port (0 at
    #: the others and at every other link)
    copper_assemblies: np.ndarray | None = None
    #: of the ``copper_twin`` links, those with twin-port cages at both ends (a straight
    #: twin-port cable); the others take a splitter (one twin-port end, two single ports)
    copper_straight: np.ndarray | None = None
    #: per link, the link whose cable a copper link at a twin-port cage shares (its
    #: cage's first link, itself for that one); "" for every other link
    cable_of: list[str] | None = None
    #: drawn links' ends that could not take the port they name: (link id, rack, why)
    port_notes: list[tuple[str, str, str]] = field(default_factory=list)
    #: per link, the index of the link whose cable it shares (as ``cable_of``; -1 none)
    cable_owner: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.link_id)

    def stock_m(self) -> np.ndarray:
        """The stock length to order per link (m): the next stock length above its routed
        length, and for a leg of a two-link copper cable its cable's, which reaches the
        farther of its two ends (a splitter to servers 2 m and 2.5 m away is a 3 m one).
        """
        stock = stock_length_m(np.nan_to_num(self.length_m, nan=0.0))
        legs, longest = self._longest_legs(stock)
        stock[legs] = longest[self.cable_owner[legs]] if len(legs) else stock[legs]
        return stock

    def cable_length_m(self) -> np.ndarray:
        """The routed length of the cables bought per link (m): its length times its
        parallel cables, and a two-link copper cable's at its first link only, as long
        as its longer leg (0 at the other), as :attr:`engine.cabling.CablingResult.
        total_length_m` sums them."""
        length = np.nan_to_num(self.length_m, nan=0.0)
        out = length * self.cable_counts()
        legs, longest = self._longest_legs(length)
        out[legs] = (longest * self.bought_cables())[legs]
        return out

    def _longest_legs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The links that are legs of a two-link copper cable, and per link the largest
        of ``values`` over the legs of the cable it owns (0 where it owns none)."""
        own = self.cable_owner
        longest = np.zeros(len(values))
        if own is None or self.copper_twin is None:
            return np.zeros(0, np.int64), longest
        legs = np.flatnonzero(self.copper_twin & (own >= 0))
        np.maximum.at(longest, own[legs], values[legs])
        return legs, longest

    def cable_counts(self) -> np.ndarray:
        """Physical cables per link (parallel media of one link count each)."""
        return np.ones(len(self), np.int64) if self.cables is None else self.cables

    def bought_cables(self) -> np.ndarray:
        """Cables to buy per link: a two-link copper cable at twin-port cages counts at
        its first link (``cable_of``) and 0 at the other; every other link as
        :meth:`cable_counts`."""
        k = self.cable_counts()
        if self.copper_twin is not None and self.copper_assemblies is not None:
            k = np.where(self.copper_twin, self.copper_assemblies, k)
        return k

    @classmethod
    def empty(cls) -> LinkView:
        """Return a view with no links."""
        z = np.zeros(0)
        return cls([], [], [], [], z.astype(np.int64), [], [], [], z.astype(np.int64), [], [],
                   [], z, z, z.astype(np.int64), z)


def _parts(network: Any) -> tuple[Any, Any]:
    """Find the network's :class:`engine.fabric.Topology` and its cabling result."""
    try:
        from engine.cabling import CablingResult
        from engine.fabric import Topology
    except ImportError:
        return None, None
    topo = cab = None
    values = list(vars(network).values()) if hasattr(network, "__dict__") else []
    for v in values:
        if topo is None and isinstance(v, Topology):
            topo = v
        elif cab is None and isinstance(v, CablingResult):
            cab = v
    return topo, cab


def _end_ports(ref: np.ndarray, tier: np.ndarray, kind: np.ndarray | None = None,
               cage: np.ndarray | None = None, fixed: np.ndarray | None = None,
               block: np.ndarray | None = None, run: np.ndarray | None = None,
               pad: np.ndarray | None = None) -> np.ndarray:
    """Number each end's port on its device, 1.., down ports (lower tiers) first.

    ``ref`` is (2, N): the a and b end of each link; returns (2, N) port numbers.
    With ``kind`` (N,: the link's medium) and ``cage`` (2, N: links one module serves
    at each end), a device's ports are grouped by tier and medium and each group
    starts on a cage of its own, so a twin-port cage never holds an optical link
    and a copper one (its second port may stay free).

    ``fixed`` (2, N: an end's place from 0 among its device's down ports, -1 for
    none) pins the ports of a leaf's node links to their node position, and
    ``block`` (2, N: the down ports of the end's device, 0 for none) keeps the
    leaf's uplinks after them: when nodes are gone, the leaf's other ports and the
    other nodes' ports keep their numbers. A device of twin-port cages whose pinned
    links differ in medium is numbered by groups instead (a cage takes one kind of
    module); single-port cages take any medium in any order.

    Examples
    --------
    >>> ref = np.array([[0, 0, 0], [1, 2, 3]])
    >>> _end_ports(ref, np.zeros(3, int))[0].tolist()
    [1, 2, 3]
    >>> _end_ports(ref, np.zeros(3, int), np.array([5, 5, 7]), np.full((2, 3), 2))[0].tolist()
    [1, 2, 3]
    >>> _end_ports(ref, np.zeros(3, int), np.array([5, 7, 5]), np.full((2, 3), 2))[0].tolist()
    [1, 3, 2]
    >>> _end_ports(ref, np.zeros(3, int), np.array([5, 7, 5]), np.ones((2, 3), int))[0].tolist()
    [1, 2, 3]

    ``run`` (N,: the pair of devices each link joins, :func:`engine.fabric.device_pairs`)
    and ``pad`` (N,: links that take whole cages, copper between twin-port cages) put a
    device's links to one other device together, from a cage of their own, so a
    straight twin-port cable carries two links of one pair of devices, never links to
    two; three links to one spine take two cages:

    >>> ref = np.array([[0, 0, 0, 0], [1, 1, 1, 2]])
    >>> _end_ports(ref, np.ones(4, int), np.zeros(4, int), np.full((2, 4), 2),
    ...            run=np.array([0, 0, 0, 1]), pad=np.ones(4, bool))[0].tolist()
    [1, 2, 3, 5]

    A leaf (device 0) of 4 down ports whose node position 1 is empty: ports 1 and
    3 in use, its uplink (tier 1) on port 5; a leaf (device 4) left with no node at
    all keeps its uplink there too:

    >>> ref = np.array([[1, 2, 0, 4], [0, 0, 3, 3]])
    >>> fixed = np.array([[-1, -1, -1, -1], [0, 2, -1, -1]])
    >>> block = np.array([[0, 0, 4, 4], [4, 4, 0, 0]])
    >>> _end_ports(ref, np.array([0, 0, 1, 1]), fixed=fixed, block=block).tolist()
    [[1, 1, 5, 5], [1, 3, 1, 2]]
    """
    n = ref.shape[1]
    padded = run is not None and pad is not None and bool(np.any(pad))
    order, new_dev, g_start, c = _port_groups(ref, tier, kind, cage,
                                              run if padded else None, pad)
    k = ref.reshape(-1)[order]
    g_len = np.diff(np.r_[g_start, len(k)])
    g_cage = c[g_start]
    in_grp = np.arange(len(k)) - np.repeat(g_start, g_len)
    if padded:
        # runs of links to one device within a group; a padded run takes whole cages
        r = np.where(np.concatenate([pad, pad]), np.concatenate([run, run]), -1)[order]
        first = np.zeros(len(k), bool)
        first[g_start] = True
        first[1:] |= r[1:] != r[:-1]
        r_start = np.flatnonzero(first)
        r_len = np.diff(np.r_[r_start, len(k)])
        r_pad = np.concatenate([pad, pad])[order][r_start]
        r_slots = np.where(r_pad, -(-r_len // c[r_start]) * c[r_start], r_len)
        r_grp = np.searchsorted(g_start, r_start, side="right") - 1
        cum = np.cumsum(r_slots) - r_slots
        # a group's first run starts it: offsets count from the group's start
        g_first_run = np.searchsorted(r_start, g_start)
        r_off = cum - cum[g_first_run][r_grp]
        in_grp = np.repeat(r_off, r_len) + np.arange(len(k)) - np.repeat(r_start, r_len)
        g_used = np.bincount(r_grp, weights=r_slots, minlength=len(g_start)).astype(np.int64)
    else:
        g_used = g_len
    # each group takes whole cages; groups follow one another within their device
    g_slots = -(-g_used // g_cage) * g_cage
    g_dev = np.cumsum(new_dev)[g_start] - 1
    dev_first = np.flatnonzero(np.r_[True, g_dev[1:] != g_dev[:-1]])
    dev_groups = np.diff(np.r_[dev_first, len(g_start)])
    shift = np.zeros(len(g_start), np.int64)
    if fixed is not None and block is not None:
        fx = np.asarray(fixed, np.int64).reshape(-1)[order]
        t = np.concatenate([tier, tier])[order][g_start]
        bl = np.asarray(block, np.int64).reshape(-1)[order][g_start]
        g_fixed = fx[g_start] >= 0
        # pinned ends of two media on one device (two groups of one tier): numbered by group
        twin = (g_dev[1:] == g_dev[:-1]) & (t[1:] == t[:-1])
        g_fixed &= ~(np.r_[twin, False] | np.r_[False, twin])
        g_slots = np.where(g_fixed, -(-np.maximum(bl, g_used) // g_cage) * g_cage, g_slots)
        in_grp = np.where(np.repeat(g_fixed, g_len), fx, in_grp)
        # a device's higher tiers start after its down ports, however few are in use
        down = np.bincount(g_dev, weights=np.where(t == 0, g_slots, 0),
                           minlength=len(dev_first)).astype(np.int64)[g_dev]
        shift = np.where(t > 0, np.maximum(-(-bl // g_cage) * g_cage - down, 0), 0)
        first_up = np.flatnonzero(t > 0)
        first_up = first_up[np.r_[True, g_dev[first_up][1:] != g_dev[first_up][:-1]]] \
            if len(first_up) else first_up
        per_dev = np.zeros(len(dev_first), np.int64)
        per_dev[g_dev[first_up]] = shift[first_up]
        shift = np.where(t > 0, per_dev[g_dev], 0)
    cum = np.cumsum(g_slots) - g_slots
    g_offset = cum - np.repeat(cum[dev_first], dev_groups) + shift
    port = np.empty(2 * n, np.int64)
    port[order] = np.repeat(g_offset, g_len) + in_grp + 1
    return port.reshape(2, n)


def _port_groups(ref: np.ndarray, tier: np.ndarray, kind: np.ndarray | None,
                 cage: np.ndarray | None, run: np.ndarray | None = None,
                 pad: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Order link ends by device, tier, medium and link; return the order, where each
    device and each (device, tier, medium) group starts, and the ends' links per cage."""
    n = ref.shape[1]
    keys = ref.reshape(-1)
    tiers = np.concatenate([tier, tier])
    size = np.ones(2 * n, np.int64) if cage is None else \
        np.maximum(np.asarray(cage, np.int64).reshape(-1), 1)
    # a twin-port cage takes one kind of module: its ends group by medium; single-port
    # cages keep their order (a node's NICs by rail, a leaf's ports by node position)
    kinds = np.zeros(2 * n, np.int64) if kind is None else \
        np.where(size > 1, np.concatenate([kind, kind]), 0)
    pos = np.concatenate([np.arange(n), np.arange(n)])
    if run is None:
        order = np.lexsort((pos, kinds, tiers, keys))
    else:  # the links to one device together (padded ones; others first, in order)
        runs = np.concatenate([run, run]) if pad is None else \
            np.where(np.concatenate([pad, pad]), np.concatenate([run, run]), -1)
        order = np.lexsort((pos, runs, kinds, tiers, keys))
    k, t, m = keys[order], tiers[order], kinds[order]
    new_dev = np.r_[True, k[1:] != k[:-1]]
    new_grp = new_dev | np.r_[True, (t[1:] != t[:-1]) | (m[1:] != m[:-1])]
    return order, new_dev, np.flatnonzero(new_grp), size[order]


def _module_power(ref: np.ndarray, tier: np.ndarray, kind: np.ndarray, cage: np.ndarray,
                  cables: np.ndarray, end_w: np.ndarray) -> np.ndarray:
    """Return per link end the power of the modules counted there, (2, N), in W.

    ``end_w`` (2, N) is what each end draws (a link at a twin-port cage: half its
    module). A module at a twin-port cage is counted at the end of its first port
    (:func:`_end_modules`); the power of all the links it serves goes there too, so
    a length bin's optics power is its modules' even where the two links of a module
    fall in two bins. The sum is ``end_w``'s.

    Examples
    --------
    >>> ref = np.array([[0, 0, 0], [1, 2, 3]])
    >>> w = np.array([[8.5, 8.5, 8.5], [17.0, 17.0, 17.0]])
    >>> _module_power(ref, np.zeros(3, int), np.zeros(3, int),
    ...               np.array([[2, 2, 2], [1, 1, 1]]), np.ones(3, int), w).tolist()
    [[17.0, 0.0, 8.5], [17.0, 17.0, 17.0]]
    """
    order, _, g_start, c = _port_groups(ref, tier, kind, cage)
    w = np.concatenate([cables, cables]).astype(np.int64)[order]
    cum = np.cumsum(w)
    g_len = np.diff(np.r_[g_start, len(w)])
    start = cum - w - np.repeat(cum[g_start] - w[g_start], g_len)  # cables before, in group
    group = np.repeat(np.arange(len(g_start), dtype=np.int64), g_len)
    twin = c > 1
    key = np.where(twin, group * (int(start.max(initial=0)) + 1) + start // np.maximum(c, 1),
                   -1)
    ew = np.asarray(end_w, np.float64).reshape(-1)[order]
    out = np.where(twin, 0.0, ew)
    if twin.any():
        uk, first, inv = np.unique(key[twin], return_index=True, return_inverse=True)
        at = np.flatnonzero(twin)
        out[at[first]] = np.bincount(inv, weights=ew[twin], minlength=len(uk))
    res = np.empty(len(ew))
    res[order] = out
    return res.reshape(ref.shape)


def _cage_owner(ref: np.ndarray, ports: np.ndarray, cage: np.ndarray,
                on: np.ndarray) -> np.ndarray:
    """Return per link ``on`` the first link of its twin-port cage in the cut-sheet's port
    numbering (``ports``, 2 x N): the cage of its a end, its b end where only that one is
    twin-port; -1 for every other link. The links of one copper cable share an owner.

    Examples
    --------
    >>> ref = np.array([[0, 0, 0, 0], [1, 1, 1, 2]])
    >>> ports = np.array([[1, 2, 3, 5], [1, 2, 3, 1]])
    >>> _cage_owner(ref, ports, np.full((2, 4), 2), np.array([1, 1, 1, 0], bool)).tolist()
    [0, 0, 2, -1]
    """
    n = ref.shape[1]
    out = np.full(n, -1, np.int64)
    idx = np.flatnonzero(on)
    if not len(idx):
        return out
    end = np.where(cage[0] > 1, 0, 1)[idx]
    size = np.maximum(cage[end, idx], 1)
    key = np.stack([ref[end, idx], (ports[end, idx] - 1) // size], axis=1)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    out[idx] = idx[first][np.ravel(inverse)]
    return out


def _cage_firsts(owner: np.ndarray, ports: np.ndarray, cage: np.ndarray, on: np.ndarray,
                 cables: np.ndarray) -> np.ndarray:
    """Return, per link ``on``, the assemblies counted at it: one for each twin-port cage
    whose first link it is (``owner``, :func:`_cage_owner`), so a cage holding padded copper buys
    its cable even where its second port stays free; links of several cables
    (``cables``) take a cage each per cable pair.

    Examples
    --------
    >>> ref = np.array([[0, 0, 0, 0], [1, 1, 1, 2]])
    >>> ports = np.array([[1, 2, 3, 5], [1, 2, 3, 1]])
    >>> cage, on = np.full((2, 4), 2), np.ones(4, bool)
    >>> _cage_firsts(_cage_owner(ref, ports, cage, on), ports, cage, on,
    ...              np.ones(4, int)).tolist()
    [1, 0, 1, 1]
    """
    n = len(owner)
    out = (owner == np.arange(n)).astype(np.int64)
    if on.any():
        end = np.where(cage[0] > 1, 0, 1)
        cols = np.arange(n)
        size = np.maximum(cage[end, cols], 1)
        p0 = ports[end, cols] - 1
        # a link of several cables runs on into further cages
        out += np.where(on, (p0 + np.maximum(cables, 1) - 1) // size - p0 // size, 0)
    return out


def _end_modules(ref: np.ndarray, tier: np.ndarray, kind: np.ndarray, cage: np.ndarray,
                 cables: np.ndarray) -> np.ndarray:
    """Return the modules each link end takes, (2, N), in whole modules.

    A module at a twin-port cage serves ``cage`` cables of one device, tier and
    medium; it is counted at the end of its first port, so a group of an odd
    number of links still buys a whole module for its last cage (as the engine's
    totals do).

    Examples
    --------
    >>> ref = np.array([[0, 0, 0], [1, 2, 3]])
    >>> _end_modules(ref, np.zeros(3, int), np.zeros(3, int), np.full((2, 3), 2),
    ...              np.ones(3, int)).tolist()
    [[1, 0, 1], [1, 1, 1]]
    """
    order, _, g_start, c = _port_groups(ref, tier, kind, cage)
    w = np.concatenate([cables, cables]).astype(np.int64)[order]
    cum = np.cumsum(w)
    g_len = np.diff(np.r_[g_start, len(w)])
    base = np.repeat(cum[g_start] - w[g_start], g_len)  # cables before the group
    end, start = cum - base, cum - base - w
    mods = np.empty(len(w), np.int64)
    # cage boundaries crossed by this end's cables within its group
    mods[order] = -(-end // c) - (-(-start // c))
    return mods.reshape(ref.shape)


def _named_ports(topo: Any, catalog: Catalog, arr: Any, ref: np.ndarray, ports: np.ndarray,
                 cage: np.ndarray, given: np.ndarray, within: np.ndarray, ids: list[str],
                 end: Callable, explicit: np.ndarray) -> list[tuple[str, str, str]]:
    """Put drawn links on the ports their ends name (``Endpoint.port``), in place, and
    move any drawn link the numbering put past its device's last port onto a free one.

    A link group of several links takes the named port and the ones after it, all or
    none: a group keeps the ports the numbering gave it where the name is none of its
    device's ports, where the group would run past the last port, or where another
    link has one of those ports; each such end gives a note ``(link id, rack, what
    happened)``, which the LINK-PORT-NAMED check reports. ``explicit`` (N,) marks the
    drawn links.
    """
    names = getattr(topo, "lk_port_names", None) or {}
    notes: list[tuple[str, str, str]] = []
    sw_model = np.asarray(topo.sw_model, np.int64)

    def capacity(d: int) -> int:
        if d < 0:  # a switch: its ports as the hardware has them
            dt = catalog.devices.get(topo.models[int(sw_model[-d - 1])])
            return int(dt.switch_ports) if dt is not None else 0
        dt = catalog.devices.get(arr.types.ids[int(arr.dev_type[d])])
        # NVLink ports are the frame's own spine, never a cut-sheet port
        return sum(pg.count for pg in dt.ports if pg.purpose != "scale_up") \
            if dt is not None else 0

    # the ends at each device (flat indices into ``ref``), found once: a check per link
    # over every link was quadratic (100,000 drawn links on one server took hours)
    flat_ref, flat_ports = ref.reshape(-1), ports.reshape(-1)
    if not np.shares_memory(flat_ports, ports):  # (a view: the ports change in place)
        raise ValueError("link ports must be one contiguous array")
    by_ref = np.argsort(flat_ref, kind="stable")
    sorted_ref = flat_ref[by_ref]

    def ends_at(d: int) -> np.ndarray:
        lo, hi = np.searchsorted(sorted_ref, [d, d + 1])
        return by_ref[lo:hi]

    shown: dict[tuple[int, int, int, int], tuple] = {}

    def device_ports(d: int, side: int, i: int):
        """The device's port labels (as far as its ends are numbered) and where it is:
        ``(capacity, labels, label index by upper-case name, where, rack)``."""
        cap = capacity(d)
        top = max(cap, int(flat_ports[ends_at(d)].max()))
        key = (d, side, int(cage[side, i]), top)
        if key not in shown:
            rack, at_u, what, labels = end(np.full(top, d), side, np.arange(1, top + 1),
                                           np.full(top, cage[side, i]))
            device = re.sub(r" tray \d+$", "", what[0])  # the device, not its first tray
            where = f"{device} at {rack[0]}" + (
                f" U{int(at_u[0])}" if at_u[0] and device == what[0] else "")
            index: dict[str, int] = {}
            for k, lab in enumerate(labels):
                index.setdefault(lab.upper(), k)
            shown[key] = (cap, labels, index, where, rack[0])
        return shown[key]

    if names:
        # (a set, not np.isin: over object arrays that compares every pair)
        groups: dict[str, list[int]] = {}
        for i, gname in enumerate(given.tolist()):
            if gname in names:
                groups.setdefault(gname, []).append(i)
        # a drawn link's end that names no port gives way (it moves to a free port
        # below); a fabric's port or a named one does not
        unnamed = np.zeros(ref.shape, bool)
        for k in np.flatnonzero(explicit).tolist():
            named_here = names.get(given[k], (None, None))
            unnamed[0, k], unnamed[1, k] = not named_here[0], not named_here[1]
        flat_unnamed = unnamed.reshape(-1)
        # per device: how many ends that hold their port (not unnamed) sit on each port,
        # kept as named groups take theirs
        holders: dict[int, dict[int, int]] = {}

        def held(d: int) -> dict[int, int]:
            if d not in holders:
                at = ends_at(d)
                q = flat_ports[at[~flat_unnamed[at]]]
                u, c = np.unique(q, return_counts=True)
                holders[d] = dict(zip(u.tolist(), c.tolist(), strict=True))
            return holders[d]

        n_links = ref.shape[1]
        for gid, members in groups.items():
            members.sort(key=lambda i: int(within[i]))
            for side in (0, 1):
                name = names[gid][side]
                if not name:
                    continue
                i0 = members[0]
                d = int(ref[side, i0])
                cap, labels, index, where, rack = device_ports(d, side, i0)
                auto = labels[int(ports[side, i0]) - 1]
                hit = index.get(name.strip().upper())
                if hit is None or hit + 1 > cap:
                    shown_ports = f"{labels[0]} to {labels[cap - 1]}" if cap else "none"
                    notes.append((ids[i0], rack, f"Link {gid}: {where} has no port {name} "
                                  f"(its ports: {shown_ports}); the cut-sheet puts it on "
                                  f"{auto}"))
                    continue
                first, last = hit + 1, hit + len(members)
                if last > cap:
                    notes.append((ids[i0], rack, f"Link {gid}: its {len(members)} links from "
                                  f"port {labels[hit]} of {where} run past its last port, "
                                  f"{labels[cap - 1]}; the cut-sheet puts them from {auto}"))
                    continue
                # a port of the run another end holds (the group's own ends aside)
                mine = ports[side, members]
                own_at = dict(zip(*np.unique(mine, return_counts=True), strict=True))
                count = held(d)
                clash = next((q for q in range(first, last + 1)
                              if count.get(q, 0) - int(own_at.get(q, 0)) > 0), None)
                if clash is not None:
                    at = ends_at(d)
                    other = at[(flat_ports[at] == clash) & ~flat_unnamed[at]]
                    other = other[~np.isin(other, np.asarray(members) + side * n_links)]
                    notes.append((ids[i0], rack, f"Link {gid}: port {labels[clash - 1]} of "
                                  f"{where} is link {ids[int(other[0]) % n_links]}'s; the "
                                  f"cut-sheet puts it on {auto}"))
                    continue
                for q in mine.tolist():
                    count[q] -= 1
                for q in range(first, last + 1):
                    count[q] = count.get(q, 0) + 1
                ports[side, members] = np.arange(first, last + 1)
                # the unnamed drawn ends that had these ports take free ones below
                at = ends_at(d)
                bumped = at[flat_unnamed[at] & (flat_ports[at] >= first)
                            & (flat_ports[at] <= last)]
                flat_ports[bumped] = cap + 1 + np.arange(len(bumped))
    # a drawn link numbered past its device's last port takes the lowest free ones (a
    # leaf's free node positions), where there are any; else LINK-PORTS says so
    used: dict[int, set[int]] = {}
    for side in (0, 1):
        past = np.flatnonzero(explicit & (ports[side] > 0))
        for i in past.tolist():
            d = int(ref[side, i])
            cap = capacity(d)
            if ports[side, i] <= cap:
                continue
            if d not in used:
                used[d] = set(flat_ports[ends_at(d)].tolist())
            free = next((q for q in range(1, cap + 1) if q not in used[d]), None)
            if free is not None:
                used[d].discard(int(ports[side, i]))
                ports[side, i] = free
                used[d].add(free)
    return notes


def _topology_view(analysis: Any, topo: Any, cab: Any, catalog: Catalog) -> LinkView:
    """One row per link from the fabric topology (link groups) and its routing."""
    from engine.cabling import COPPER_KINDS, MediaTable
    from engine.fabric import LINK_TIERS, TIER_NAMES, device_pairs, link_optics

    arr = analysis.arrays
    cnt = np.asarray(topo.lk_count, np.int64)
    g = np.repeat(np.arange(len(cnt)), cnt)
    n = len(g)
    if n == 0:
        return LinkView.empty()
    tier = np.asarray(topo.lk_tier, np.int64)[g]
    ref = np.stack([np.asarray(topo.lk_a_ref, np.int64)[g], np.asarray(topo.lk_b_ref, np.int64)[g]])
    kind = np.asarray(cab.medium, np.int64)[g] if cab is not None and \
        len(cab.medium) == len(cnt) else None
    cage = np.stack([np.asarray(topo.lk_a_cage, np.int64)[g],
                     np.asarray(topo.lk_b_cage, np.int64)[g]])
    fixed = block = None
    if getattr(topo, "lk_b_port", None) is not None and len(topo.lk_b_port) == len(cnt) \
            and getattr(topo, "sw_down_ports", None) is not None:
        fixed = np.stack([np.full(n, -1, np.int64), np.asarray(topo.lk_b_port, np.int64)[g]])
        down = np.r_[np.asarray(topo.sw_down_ports, np.int64), 0]
        block = np.where(ref < 0, down[np.where(ref < 0, -ref - 1, -1)], 0)
    # copper between two twin-port cages: a straight cable per cage, so each link group
    # takes whole cages at both ends (a cage never holds links to two devices)
    media = MediaTable.from_catalog(catalog)
    pad = None
    if kind is not None:
        copper = np.r_[np.array([k_ in COPPER_KINDS for k_ in media.kind], bool), False]
        pad = copper[np.where(kind >= 0, kind, -1)] & (cage[0] > 1) & (cage[1] > 1)
    ports = _end_ports(ref, tier, kind, cage, fixed, block,
                       device_pairs(topo)[0][g] if pad is not None else None, pad)
    rack_ids = np.asarray(list(arr.rack_ids) + [""], dtype=object)
    type_ids = np.asarray(arr.types.ids, dtype=object)
    models = np.asarray(list(topo.models) or [""], dtype=object)
    tier_names = np.asarray(TIER_NAMES, dtype=object)
    # a rack-scale system's scale-out ports sit on its compute trays, in order
    trays = np.array([getattr(catalog.devices.get(t), "compute_trays", 0) for t in type_ids],
                     np.int64)
    per_tray = np.where(trays > 0, -(-arr.types.scaleout_ports // np.maximum(trays, 1)), 0)
    # the system's other ports (front-end, storage, management: a GB200 tray's two
    # BlueField-3) sit on its trays too, after each tray's scale-out ports
    all_ports = np.array([sum(pg.count for pg in catalog.devices[t].ports
                              if pg.purpose != "scale_up")  # NVLink: the frame's own spine
                          if t in catalog.devices else 0 for t in type_ids], np.int64)
    other_tray = np.where(trays > 0, -(-np.maximum(all_ports - arr.types.scaleout_ports, 0)
                                       // np.maximum(trays, 1)), 0)
    # each tray's U in its system's frame (0: the catalog does not place its trays)
    tray_u = np.zeros((len(type_ids), int(trays.max(initial=0)) + 1), np.int64)
    for k, t in enumerate(type_ids.tolist()):
        us = catalog.devices[t].tray_u() if t in catalog.devices else []
        tray_u[k, 1:len(us) + 1] = us

    card_cages = np.array([getattr(catalog.devices.get(m), "cages_per_card", 0) or 0
                           for m in models.tolist()], np.int64)

    def end(r: np.ndarray, side: int, p: np.ndarray | None = None,
            c_raw: np.ndarray | None = None):
        is_sw = r < 0
        sw = np.where(is_sw, -r - 1, 0)
        dev = np.where(is_sw, 0, r)
        rack = np.where(is_sw, np.asarray(topo.sw_rack, np.int64)[sw] if topo.n_switches else -1,
                        arr.dev_rack[dev] if len(arr.dev_rack) else -1)
        u = np.where(is_sw, np.asarray(topo.sw_u, np.int64)[sw] if topo.n_switches else 0,
                     arr.dev_u[dev] if len(arr.dev_u) else 0)
        dev_name = np.where(is_sw, (models[np.asarray(topo.sw_model, np.int64)[sw]]
                                    + " " + tier_names[np.asarray(topo.sw_tier, np.int64)[sw]])
                            if topo.n_switches else "", type_ids[arr.dev_type[dev]]
                            if len(arr.dev_type) else "")
        p = ports[side] if p is None else p
        # links one module serves: a cage's ports, broken out
        c = np.maximum(cage[side] if c_raw is None else c_raw, 1)
        per = np.where(is_sw, 0, per_tray[arr.dev_type[dev]] if len(arr.dev_type) else 0)
        on_tray = per > 0
        tray = np.zeros(len(p), np.int64)
        if on_tray.any():
            # a tray's ports, each carrying as many links as it is broken out into; the
            # end names the tray, at its U where the catalog places the system's trays
            ppc = np.maximum(arr.types.ports_per_cage[arr.dev_type[dev]], 1)
            split = np.maximum(c // ppc, 1)
            links = np.maximum(per * split, 1)
            n_trays = trays[arr.dev_type[dev]]
            # ports past the scale-out ones: the trays' other ports, each tray's after its
            # scale-out ports (front-end port 1 is T01-P5 on a tray of four)
            past = np.maximum(p - np.maximum(so_slots[dev], n_trays * per), 0)
            other = np.maximum(other_tray[arr.dev_type[dev]] * split, 1)
            is_other = on_tray & (past > 0)
            tray = np.where(on_tray, np.where(
                is_other, np.minimum((past - 1) // other + 1, np.maximum(n_trays, 1)),
                (p - 1) // links + 1), 0)
            dev_name = np.where(on_tray, dev_name.astype(object) + np.char.mod(
                " tray %02d", tray).astype(object), dev_name)
            # on the last tray, ports past every tray's others run on (the device has
            # no such port: LINK-PORTS says so)
            p = np.where(is_other, links + past - (tray - 1) * other,
                         np.where(on_tray, (p - 1) % links + 1, p))
            t_u = tray_u[arr.dev_type[dev], np.minimum(tray, tray_u.shape[1] - 1)]
            u = np.where(on_tray, np.where(t_u > 0, u + t_u - 1, 0), u)
        # a modular switch's cages are on line cards: LCn/ before the cage, numbered on it
        per_card = np.where(is_sw, card_cages[np.asarray(topo.sw_model, np.int64)[sw]]
                            if topo.n_switches else 0, 0)
        cage_no = (p - 1) // c + 1
        card = np.where(per_card > 0, (cage_no - 1) // np.maximum(per_card, 1) + 1, 0)
        cage_no = np.where(per_card > 0, (cage_no - 1) % np.maximum(per_card, 1) + 1, cage_no)
        # Pn for a port of its own, Pn/k for port k of cage n (twin-port, or broken out)
        port = [(f"T{t:02d}-" if t else "") + (f"LC{d}/" if d else "")
                + (f"P{n}/{(x - 1) % k + 1}" if k > 1 else f"P{n}")
                for x, k, t, d, n in zip(p.tolist(), c.tolist(), tray.tolist(), card.tolist(),
                                         cage_no.tolist(), strict=True)]
        return (rack_ids[np.where(rack >= 0, rack, len(rack_ids) - 1)].tolist(), u.astype(np.int64),
                dev_name.tolist(), port)

    fab_ids = np.asarray([fb.id for fb in topo.fabrics] + [""], dtype=object)
    fab = np.asarray(topo.lk_fabric, np.int64)[g]
    given = np.asarray(topo.lk_link_id, dtype=object)[g]
    seq = np.arange(1, n + 1)
    within = seq - 1 - np.repeat(np.cumsum(cnt) - cnt, cnt)
    ids = [(f"{gid}.{k + 1}" if c > 1 else str(gid)) if gid else f"L{q:06d}"
           for gid, k, c, q in zip(given.tolist(), within.tolist(), cnt[g].tolist(), seq.tolist(),
                                   strict=True)]
    # a rack-scale system's scale-out links come first on its trays (its port numbers
    # from 1); its other links after them
    scale_out = np.asarray([fb.purpose == "scale_out" for fb in topo.fabrics] + [True])[
        np.where(fab >= 0, fab, len(topo.fabrics))] & (tier == 0)
    so_ends = ref[:, scale_out].reshape(-1)
    so_slots = np.bincount(so_ends[so_ends >= 0], minlength=len(arr.dev_rack)) \
        if len(arr.dev_rack) else np.zeros(1, np.int64)
    port_notes = _named_ports(topo, catalog, arr, ref, ports, cage, given, within, ids, end,
                              tier == LINK_TIERS.index("explicit"))
    a_rack, a_u, a_dev, a_port = end(ref[0], 0)
    b_rack, b_u, b_dev, b_port = end(ref[1], 1)
    mid = np.asarray(list(media.ids) + [""], dtype=object)
    if cab is not None and len(cab.length_m) == len(cnt):
        med = np.asarray(cab.medium, np.int64)[g]
        length = np.asarray(cab.length_m, np.float64)[g]
        cables = np.asarray(cab.cables, np.int64)[g]
    else:
        med = np.full(n, -1, np.int64)
        length = np.full(n, np.nan)
        cables = np.ones(n, np.int64)
    safe = np.where(med >= 0, med, len(mid) - 1)
    per_xcv = np.r_[media.transceivers_per_cable(), 0]
    # ends in a switch whose power figure already counts its optics draw nothing more
    raw_end_w = np.r_[media.power_per_end_w, 0.0]
    raw_shared_w = np.r_[media.shared_power_per_end_w(), 0.0]
    per_end_w, shared_w = np.nan_to_num(raw_end_w, nan=0.0), np.nan_to_num(raw_shared_w, nan=0.0)
    opt = link_optics(topo)
    paid, shared = opt.paid_ends[g], opt.paid_shared[g]
    unknown = (np.isnan(raw_end_w[safe]) * (paid - shared)
               + np.isnan(raw_shared_w[safe]) * shared) * cables
    # modules: whole ones, a twin-port module at the end of the first link of its cage
    mods = _end_modules(ref, tier, kind if kind is not None else np.zeros(n, np.int64), cage,
                        cables)
    optical = per_xcv[safe] > 0
    share = np.where(optical, mods.sum(axis=0), 0)
    smod = np.where(optical, (mods * (cage > 1)).sum(axis=0), 0)
    # an end in a server, a system or a NIC (a switch installed in a rack is a switch)
    dev_role = np.r_[np.asarray(arr.types.role)[arr.dev_type], -1]
    host = (ref >= 0) & (dev_role[np.where(ref >= 0, ref, -1)] != ROLE_CODES["switch"])
    host_mod = np.where(optical, (mods * host).sum(axis=0), 0)
    host_smod = np.where(optical, (mods * host * (cage > 1)).sum(axis=0), 0)
    end_paid = np.stack([np.asarray(topo.lk_a_paid, bool)[g], np.asarray(topo.lk_b_paid, bool)[g]])
    powered = np.where(optical, (mods * end_paid).sum(axis=0), 0)
    # a copper link at a twin-port cage is one leg of a splitter (a twin-port cage to
    # two single ports) or of a twin-port cable (cage to cage): one assembly per cage,
    # counted at its first link, at the a end where both ends share cages [S15]
    twin_end = cage > 1
    copper_twin = (med >= 0) & ~optical & twin_end.any(axis=0)
    owner = _cage_owner(ref, ports, cage, copper_twin)  # the first link of each cable
    assemblies = _cage_firsts(owner, ports, cage, copper_twin, cables)
    straight = copper_twin & twin_end.all(axis=0)
    # tiers named as the analysis counts them: another purpose's prefixed
    # ("front_end_node_leaf"), the scale-out fabric's and drawn links' plain
    prefix = np.asarray([("" if fb.purpose == "scale_out" else f"{fb.purpose}_")
                         for fb in topo.fabrics] + [""], dtype=object)
    tier_names = prefix[np.where(fab >= 0, fab, len(prefix) - 1)] + \
        np.asarray(LINK_TIERS, dtype=object)[tier]
    return LinkView(
        link_id=ids, tier=tier_names.tolist(),
        fabric=fab_ids[np.where(fab >= 0, fab, len(fab_ids) - 1)].tolist(),
        a_rack=a_rack, a_u=a_u, a_device=a_dev, a_port=a_port,
        b_rack=b_rack, b_u=b_u, b_device=b_dev, b_port=b_port,
        medium=mid[safe].tolist(), speed_gbps=np.asarray(topo.lk_gbps, np.float64)[g],
        length_m=length, transceivers=share, shared_transceivers=smod,
        host_transceivers=host_mod, host_shared_transceivers=host_smod,
        optics_w=(per_end_w[safe] * (paid - shared) + shared_w[safe] * shared) * cables,
        module_optics_w=_module_power(
            ref, tier, kind if kind is not None else np.zeros(n, np.int64), cage, cables,
            np.where(cage > 1, shared_w[safe], per_end_w[safe]) * end_paid * cables).sum(axis=0),
        source="topology", cables=cables, optics_unknown_ends=unknown.astype(np.int64),
        powered_transceivers=powered.astype(np.int64),
        copper_twin=copper_twin if copper_twin.any() else None,
        copper_assemblies=assemblies.astype(np.int64) if copper_twin.any() else None,
        copper_straight=straight if copper_twin.any() else None,
        cable_of=[ids[o] if o >= 0 else "" for o in owner.tolist()]
        if copper_twin.any() else None, port_notes=port_notes,
        cable_owner=owner.astype(np.int64) if copper_twin.any() else None)


def link_view(analysis: Any, catalog: Catalog | None = None) -> LinkView:
    """Return the analysis's links as a :class:`LinkView` (empty when it has none).

    Reads the network's fabric topology and cable routing
    (:class:`engine.fabric.Topology`, :class:`engine.cabling.CablingResult`):
    one row per link (a link group of ``count`` parallel links gives ``count``
    rows). Port numbers are assigned per device in link order, down ports
    (to lower tiers) first. Transceivers and optics power per link follow the
    medium, as the cabling totals do.
    """
    catalog = catalog or default_catalog()
    topo, cab = _parts(getattr(analysis, "network", None))
    if topo is None:
        return LinkView.empty()
    return _topology_view(analysis, topo, cab, catalog)


# -- tables ------------------------------------------------------------------------------------

_ROLE_LABEL = {"gpu_server": "GPU server", "rack_system": "Rack-scale system",
               "cpu_node": "CPU node", "switch": "Switch", "nic": "NIC", "storage": "Storage",
               "power_shelf": "Power shelf", "other": "Other device"}
_ROLE_BY_CODE = {v: k for k, v in ROLE_CODES.items()}


def scaleup_figures(analysis: Any, catalog: Catalog | None = None) -> tuple[float | None, str]:
    """Return the scale-up bandwidth per GPU and direction (Gb/s) and the interconnect's name.

    The bandwidth is ``None`` when no GPU of the design is in a scale-up domain or the
    catalog has no figure for any of them (AMD's Infinity Fabric meshes): such a design
    has no known figure, not a bandwidth of 0. The name is ``"NVLink"`` when every GPU
    device in a domain is NVIDIA's, otherwise the neutral ``"scale-up"``.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.analysis import analyze
    >>> scaleup_figures(analyze(instantiate("dgx-h100-hall", {"racks": 2})))[1]
    'NVLink'
    """
    catalog = catalog or default_catalog()
    tt = analysis.arrays.types
    used = unique_sorted(np.asarray(analysis.arrays.dev_type, np.int64))
    used = used[(tt.gpus[used] > 0) & (tt.scaleup_gpus[used] > 0)] if len(used) else used
    specs = [s for s in (catalog.devices.get(tt.ids[i]) for i in used.tolist()) if s is not None]
    if not specs:
        return None, "scale-up"
    known = any(s.scaleup_gbps_per_gpu.value is not None for s in specs)
    net = analysis.network
    nvidia = all((s.vendor or "").upper().startswith("NVIDIA") for s in specs)
    return (_f(net.scaleup_gbps_per_gpu / 2.0, 0) if known else None), \
        ("NVLink" if nvidia else "scale-up")


def summary_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return the headline figures of the design (metric, value, unit, note).

    Each value is rounded once, from the analysis itself (not from
    :meth:`~engine.analysis.Analysis.to_dict`, whose figures are already rounded),
    to the decimals it prints with: the dashboard and the PDF text show the same.
    :attr:`Table.exact` keeps each figure unrounded (a PUE of 1.2479 that the row shows as 1.25).
    A figure that leaves out hardware the catalog has no power or weight figure for
    says so in its note (a lower bound, and how much is left out); a figure that
    does not apply (GPUs per MW without GPUs, the bisection without a GPU fabric)
    is ``None`` with the reason.
    """
    c, cb = analysis.counts, analysis.network.cabling_dict()
    pw, co, fl, net = analysis.power, analysis.cooling, analysis.floor, analysis.network
    has_fabric = net.bisection_method != "none"
    heat = float(co.heat_kw)
    sev = analysis.violations_by_severity()
    left_out = unknown_power_text(analysis, catalog)
    bound = f"at least: leaves out {left_out}" if left_out else ""
    racks_unknown = int(np.count_nonzero(pw.rack_unknown_power)) \
        if pw.rack_unknown_power is not None else 0
    load, load_bound = fl.max_load_kg_m2()
    fabrics = len(net.fabrics)
    no_fabric = ("no GPU scale-out fabric" + ("; each fabric's own is in the Fabrics table"
                                              if fabrics else ""))
    unknown_ends = cb.get("optics_power_unknown_ends") or 0
    rows: list[tuple] = [
        ("Generation", layout.generation, "", ""),
        ("Racks", c["racks"], "", ""),
        ("GPUs", c["gpus"], "", ""),
        ("GPU servers and systems", c["servers"], "", ""),
        ("CPU nodes", c["cpu_nodes"], "", ""),
        ("Switches", c["switches"]["total"], "", ""),
        ("IT load", _x(pw.it_kw), "kW", bound),
        ("Facility load", _x(pw.facility_kw), "kW", bound),
        ("PUE", _x(pw.pue, 2) if pw.it_kw > 0 else None, "",
         "no IT load" if pw.it_kw <= 0 else
         "" if layout.assumptions.pue is None else "set in the layout"),
        ("Largest rack", _x(pw.max_rack_kw), "kW",
         f"at least: {racks_unknown:,} rack{'s' * (racks_unknown != 1)} "
         f"hold{'s' * (racks_unknown == 1)} hardware of "
         "unknown power" if racks_unknown else ""),
        ("GPUs per MW of IT load", _x(pw.gpus_per_mw, 0) if c["gpus"] and pw.it_kw > 0 else None,
         "GPU/MW", "no GPUs" if not c["gpus"] else
         "at most: the IT load leaves out devices of unknown power" if bound else ""),
        ("Heat to air", _x(co.air_kw), "kW", bound),
        ("Heat to liquid", _x(co.liquid_kw), "kW", ""),
        ("Liquid share", _pct(co.liquid_kw / heat if heat > 0 else 0.0), "%", ""),
        ("Airflow", _x(co.airflow_cfm, 0), "CFM",
         bound or "the devices' fans: their published airflow, else their air heat at the "
         "air ΔT"),
        ("Supply airflow at the air ΔT", _x(co.supply_airflow_cfm, 0), "CFM",
         bound or f"the room air heat at {layout.assumptions.delta_t_air_k:g} K "
         "(assumptions.delta_t_air_k): what the cooling units must move"),
        ("Coolant flow", _x(np.asarray(co.rack_flow_lpm, np.float64).sum(), 1), "L/min", ""),
        *_door_rows(co),
        ("Hall area", _x(fl.hall_area_m2, 1), "m²", ""),
        ("Occupied floor area", _x(fl.occupied_area_m2, 1), "m²", ""),
        ("Highest floor load", _x(load, 1), "kg/m²",
         f"at least: {_racks_of_unknown_weight(fl)}" if load_bound else ""),
        ("Floor rating", _x(layout.hall.floor_rating_kg_m2, 0), "kg/m²",
         "the hall's (hall.floor_rating_kg_m2)"),
        ("Links", cb["links"], "", ""),
        ("Transceivers", cb["transceivers"], "", ""),
        ("Cable length, total", _x(net.total_length_m, 1), "m",
         "the cables bought, routed: a two-link copper cable once, as long as its longer "
         "leg" if net.cabling is not None and net.cabling.cables_bought < sum(
             net.cabling.cables_by_medium.values()) else ""),
        ("Cable length, longest", _x(net.max_length_m, 2), "m", ""),
        ("Optics power", _x(net.optics_w / 1000.0, 2), "kW",
         f"plus {unknown_ends:,} module ends of unknown power" if unknown_ends else ""),
        # no scale-out fabric: no hall-wide bisection (the fabrics table has each one's)
        ("Bisection bandwidth", _x(net.bisection_tbps, 2) if has_fabric else None, "Tb/s",
         "" if has_fabric else no_fabric),
        ("Bisection per GPU", _x(net.per_gpu_bisection_gbps, 1) if has_fabric else None,
         "Gb/s", "" if has_fabric else no_fabric),
        ("Scale-up domain", int(net.scaleup_domain_gpus) or None, "GPUs",
         "" if net.scaleup_domain_gpus else "no GPUs in scale-up domains"),
        ("Violations: errors", sev["error"], "", ""),
        ("Violations: warnings", sev["warning"], "", ""),
    ]
    return _table("summary", "Summary", [_c("Metric"), _c("Value", kind="num", digits=1),
                                         _c("Unit"), _c("Note")], rows)


#: A kind of hardware in words, one and many (by catalog role; rack types are enclosures).
_KIND_WORDS = {"switch": ("switch", "switches"), "gpu_server": ("GPU server", "GPU servers"),
               "rack_system": ("rack-scale system", "rack-scale systems"),
               "cpu_node": ("CPU node", "CPU nodes"), "nic": ("NIC", "NICs"),
               "storage": ("storage device", "storage devices"),
               "power_shelf": ("power shelf", "power shelves"),
               "rack": ("rack enclosure", "rack enclosures"),
               "medium": ("cable end", "cable ends"), "other": ("device", "devices")}


def unknown_hardware_text(models: dict[str, int], what: str, catalog: Catalog | None = None,
                          name_models: bool = True) -> str:
    """Return hardware of unknown ``what`` in words: ``"40 switches of unknown power (sn4600c)"``.

    ``models`` counts the hardware by catalog id (devices, or rack types); ``""`` when
    it is empty. ``name_models=False`` leaves out the list of models.

    Examples
    --------
    >>> unknown_hardware_text({"sn4600c": 40}, "power")
    '40 switches of unknown power (sn4600c)'
    >>> unknown_hardware_text({"sn4600c": 1, "connectx-7": 2}, "power")
    '1 switch and 2 NICs of unknown power (connectx-7, sn4600c)'
    >>> unknown_hardware_text({"sn4600c": 40, "aec-800": 87}, "power", name_models=False)
    '40 switches and 87 cable ends of unknown power'
    >>> unknown_hardware_text({}, "weight")
    ''
    """
    if not models:
        return ""
    catalog = catalog or default_catalog()
    kinds: Counter[str] = Counter()
    for m, k in models.items():
        dev = catalog.devices.get(m)
        kind = dev.role if dev is not None else "rack" if m in catalog.racks else \
            "medium" if m in catalog.media else "other"
        kinds[kind if kind in _KIND_WORDS else "other"] += int(k)
    order = list(_KIND_WORDS)
    parts = [f"{k:,} {_KIND_WORDS[kind][k != 1]}"
             for kind, k in sorted(kinds.items(), key=lambda kv: order.index(kv[0]))]
    head = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    named = f" ({', '.join(sorted(models, key=natural_key))})" if name_models else ""
    return f"{head} of unknown {what}{named}"


def unknown_power_text(analysis: Any, catalog: Catalog | None = None) -> str:
    """Return the devices a power total leaves out, in words (``""`` when none).

    The analysis counts 0 W for hardware the catalog has no power figure for, so the
    IT, facility, feed and cooling totals are lower bounds by these devices:
    ``"40 switches of unknown power (sn4600c)"``.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.analysis import analyze
    >>> unknown_power_text(analyze(instantiate("cpu-cluster", {})))
    '40 switches and 2,560 cable ends of unknown power (mmf-sr4-100, sn4600c)'
    >>> unknown_power_text(analyze(instantiate("dgx-h100-hall", {"racks": 2})))
    ''
    """
    return unknown_hardware_text(_unknown_power(analysis), "power", catalog)


def _unknown_power(analysis: Any) -> dict[str, int]:
    """Devices by model and link ends by medium of unknown power
    (:attr:`PowerResult.unknown_power_hardware`; a bare power result, its models)."""
    p = analysis.power
    found = getattr(p, "unknown_power_hardware", None)
    return dict(found if found is not None else getattr(p, "unknown_power_models", {}) or {})


def _racks_of_unknown_weight(floor: Any) -> str:
    n = floor.racks_weight_unknown
    models = ", ".join(sorted(floor.unknown_weight_models, key=natural_key))
    return f"{n:,} rack{'s' * (n != 1)} of unknown weight" + (f" ({models})" if models else "")


def power_text(kw_text: str, analysis: Any, catalog: Catalog | None = None) -> str:
    """Return a power total as printed: ``"595.3 kW + 40 switches of unknown power"``.

    ``kw_text`` is the total as the caller formats it; when the analysis counts
    devices of unknown power as 0 W, the total is a lower bound and says by what.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.analysis import analyze
    >>> a = analyze(instantiate("cpu-cluster", {}))
    >>> power_text("595.3 kW", a)
    '595.3 kW + 40 switches and 2,560 cable ends of unknown power'
    """
    models = _unknown_power(analysis)
    if not models:
        return kw_text
    return f"{kw_text} + {unknown_hardware_text(models, 'power', catalog, name_models=False)}"


def floor_load_text(analysis: Any) -> str:
    """Return the highest floor load as printed: ``"≥ 329.6 kg/m² (16 racks of unknown
    weight)"``, a lower bound when some racks' weight is unknown, else ``"329.6 kg/m²"``.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.analysis import analyze
    >>> floor_load_text(analyze(instantiate("mi355x-cluster", {})))
    '≥ 329.6 kg/m² (16 racks of unknown weight)'
    """
    fl = analysis.floor
    load, is_bound = fl.max_load_kg_m2()
    text = f"{load:,.1f} kg/m²"
    if not is_bound:
        return text
    n = fl.racks_weight_unknown
    return f"≥ {text} ({n:,} rack{'s' * (n != 1)} of unknown weight)"


def _device_counts(analysis: Any) -> tuple[np.ndarray, Any]:
    arr = analysis.arrays
    tt = arr.types
    counts = np.bincount(arr.dev_type, minlength=len(tt.ids)) if len(arr.dev_type) \
        else np.zeros(len(tt.ids), np.int64)
    return counts, tt


def _polyline_m(points: Sequence[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    p = np.asarray(points, np.float64)
    return float(np.hypot(*np.diff(p, axis=0).T).sum())


def transceivers_bought(links: LinkView, catalog: Catalog) -> Counter[str]:
    """Return the transceiver modules to buy, by medium id.

    A link end in its own cage takes its medium's module; ends that share a cage
    (twin-port OSFP, a port broken out into two links) take the medium's twin, the
    module of twice the speed serving two links, so two such ends are one module.
    Where the catalog has no such module (XDR's 1.6T twin-port one), the modules are
    counted under ``<medium>/two-link`` (:data:`TWIN_SUFFIX`): a part of its own,
    never the single-port module. :func:`transceivers_by_end` splits them between
    switch and server (NIC) cages.
    """
    out: Counter[str] = Counter()
    for (m, _end), k in transceivers_by_end(links, catalog).items():
        out[m] += k
    return +out


#: the ends :func:`transceivers_by_end` tells apart
SWITCH_END, HOST_END = "switch", "server"


def transceivers_by_end(links: LinkView, catalog: Catalog) -> Counter[tuple[str, str]]:
    """Return the transceiver modules to buy by medium id and the kind of cage they go
    in, :data:`SWITCH_END` or :data:`HOST_END` (a server's, a system's or a NIC's): one
    medium's module for a switch cage and for a NIC cage can be two parts (OSFP:
    finned-top at a switch, flat-top at a NIC), so a bill orders them apart."""
    from engine.cabling import MediaTable

    mt = MediaTable.from_catalog(catalog)
    twin = mt.twin_of()
    n = len(links)
    total = np.asarray(links.transceivers, np.float64) if n else np.zeros(0)
    shared_all = np.asarray(links.shared_transceivers if links.shared_transceivers is not None
                            else np.zeros(n), np.float64)
    host = np.asarray(links.host_transceivers if links.host_transceivers is not None
                      else np.zeros(n), np.float64)
    host_shared = np.asarray(links.host_shared_transceivers
                             if links.host_shared_transceivers is not None else np.zeros(n),
                             np.float64)
    single: Counter[tuple[str, str]] = Counter()
    shared: Counter[tuple[str, str]] = Counter()
    for m, k, s, hk, hs in zip(links.medium, total.tolist(), shared_all.tolist(),
                               host.tolist(), host_shared.tolist(), strict=True):
        single[(m, HOST_END)] += hk - hs
        shared[(m, HOST_END)] += hs
        single[(m, SWITCH_END)] += (k - hk) - (s - hs)
        shared[(m, SWITCH_END)] += s - hs
    bought: Counter[tuple[str, str]] = Counter()
    for m, end in set(single) | set(shared):
        bought[(m, end)] += round(single[(m, end)])
        i = mt.ids.index(m) if m in mt.ids else -1
        two = mt.ids[twin[i]] if i >= 0 and twin[i] >= 0 else f"{m}{TWIN_SUFFIX}"
        bought[(two, end)] += math.ceil(shared[(m, end)] - 1e-6)  # half modules pair up
    return +bought


#: the bill's item for a two-link module the catalog lacks (``smf-dr4-800-xdr/two-link``),
#: and for a straight twin-port copper cable (``dac-400/two-link``)
TWIN_SUFFIX = "/two-link"
#: the bill's item for a copper splitter cable, a twin-port cage to two single ports
SPLITTER_SUFFIX = "/splitter"


def bom_table(layout: Layout, analysis: Any, links: LinkView | None = None,
              catalog: Catalog | None = None) -> Table:
    """Return the bill of materials.

    Devices by type (GPU servers, systems, CPU nodes, switches), racks by type,
    facility units by model, trays and busway by length, cables by medium and
    stock length, transceivers by medium. The ``GPUs`` column sums to the
    analysis's GPU count; device quantities sum to its servers, CPU nodes and
    switches; transceiver quantities to its transceivers.
    """
    catalog = catalog or default_catalog()
    links = link_view(analysis, catalog) if links is None else links
    rows: list[tuple] = []
    counts, tt = _device_counts(analysis)
    order = sorted(range(len(tt.ids)), key=lambda i: (int(tt.role[i]), tt.ids[i]))
    installed_switches: Counter[str] = Counter()
    for i in order:
        if counts[i] == 0:
            continue
        dev = catalog.devices.get(tt.ids[i])
        role = _ROLE_BY_CODE.get(int(tt.role[i]), "other")
        if role == "switch":
            installed_switches[tt.ids[i]] += int(counts[i])
        gpus = int(counts[i] * tt.gpus[i])
        rows.append((_ROLE_LABEL[role], tt.ids[i], dev.name if dev else tt.ids[i], int(counts[i]),
                     "ea", gpus or None, None, None, _src(dev, "power_max_w")))
    notes: dict[int, str] = {}
    for sw in _fabric_switches(layout, analysis, installed_switches):
        dev = catalog.devices.get(sw.model)
        where = "fabric" if sw.purpose in ("", "scale_out") else \
            f"{sw.purpose.replace('_', '-')} fabric"
        if sw.stand_ins:
            notes[len(rows)] = (f"stand-in for a {sw.ports_needed:,}-port modular switch, "
                                "counted as one box (FABRIC-RADIX)")
        rows.append(("Switch", sw.model, f"{dev.name if dev else sw.model}, {sw.tier} ({where})",
                     sw.count, "ea", None, None, None, _src(dev, "power_max_w")))
    # an enclosure that comes with the rack-scale system it holds is not ordered again
    with_system: Counter[tuple[str, str]] = Counter()
    for r in layout.racks:
        sysdev = catalog.devices.get(r.system) if r.system else None
        with_system[(r.type, r.system if sysdev is not None and sysdev.rack_type == r.type
                     else "")] += 1
    for (rt, system), qty in sorted(with_system.items()):
        spec = catalog.racks.get(rt)
        if system:
            notes[len(rows)] = (f"included with {catalog.devices[system].name}: not "
                                "ordered separately")
        rows.append(("Rack", rt, spec.name if spec else rt, qty, "ea", None, None, None,
                     _src(spec, "width_mm")))
    for (kind, model), qty in sorted(Counter((u.kind, u.model or f"{u.capacity_kw:g} kW")
                                             for u in layout.cooling).items()):
        spec = catalog.facility.get(model)
        rows.append((_UNIT_LABEL[kind], model, spec.name if spec else model, qty, "ea", None, None,
                     None, _src(spec, "capacity_kw")))
    feed_len: dict[tuple[str, str], float] = defaultdict(float)
    feed_qty: Counter[tuple[str, str]] = Counter()
    for f in layout.feeds:
        key = (f.kind, f.model or f"{f.rating_kw:.0f} kW")
        feed_qty[key] += 1
        feed_len[key] += _polyline_m(f.points)
    for (kind, model), qty in sorted(feed_qty.items()):
        spec = catalog.facility.get(model)
        name = spec.name if spec else model
        rows.append((_UNIT_LABEL[kind], model, name, qty, "ea", None, None,
                     _x(feed_len[(kind, model)], 1) if _f(feed_len[(kind, model)], 1)
                     else None, _src(spec, "capacity_kw")))
    if layout.trays:
        # as a busway row: runs counted, their total length to a tenth of a metre
        n = len(layout.trays)
        total = sum(_polyline_m(t.points) for t in layout.trays)
        rows.append(("Cable tray", "tray", f"{n} tray run{'' if n == 1 else 's'}", n, "ea", None,
                     None, _x(total, 1) if _f(total, 1) else None, ""))
    if len(links):
        stock = links.stock_m()  # a two-link cable's legs at its length
        qty_of: Counter[tuple[str, float]] = Counter()
        # copper links at twin-port cages: their legs, and the assemblies carrying them
        # (straight twin-port cables, or splitters to two single ports)
        legs_of: Counter[tuple[str, float]] = Counter()
        assemblies_of: Counter[tuple[str, float, str]] = Counter()
        twin, assemblies = links.copper_twin, links.copper_assemblies
        straight = links.copper_straight
        for j, (m, s, k) in enumerate(zip(links.medium, stock.tolist(),
                                          links.cable_counts().tolist(), strict=True)):
            qty_of[(m, s)] += k
            if twin is not None and twin[j]:
                legs_of[(m, s)] += k
                kind = "twin-port" if straight is None or straight[j] else "splitter"
                assemblies_of[(m, s, kind)] += int(assemblies[j])
        for (m, s), qty in sorted(qty_of.items()):
            med = catalog.media.get(m)
            legs = legs_of[(m, s)]
            if legs:
                asm = sum(assemblies_of[(m, s, kind)] for kind in ("twin-port", "splitter"))
                notes[len(rows)] = (f"{legs:,} links at twin-port cages, not cables: the "
                                    f"{asm:,} cables carrying them are the Cable assembly "
                                    "lines below")
            # an optical link's cable is its fibre; its modules are the Transceiver rows
            what = ("no allowed medium reaches this length" if med is None else
                    "Fibre cable, " + med.name.replace(" transceiver pair", "")
                    if med.is_optical and med.kind in ("mmf", "smf_dr", "smf_fr") else med.name)
            if legs and legs < qty:
                # the links of single cages are cables; those at twin-port cages, legs
                rows.append(("Cable", m or "(no medium reaches)", what, qty - legs, "ea",
                             None, s, round((qty - legs) * s, 3), _src(med, "reach_max_m")))
                notes[len(rows)] = notes.pop(len(rows) - 1)
            # legs are not bought on their own: their length is in the assembly lines
            rows.append(("Cable", m or "(no medium reaches)",
                         what + (", legs of two-link cables" if legs else ""),
                         legs or qty, "link" if legs else "ea", None, s,
                         None if legs else round(qty * s, 3), _src(med, "reach_max_m")))
            for kind, suffix, words in (("twin-port", TWIN_SUFFIX,
                                         "twin-port cable, cage to cage"),
                                        ("splitter", SPLITTER_SUFFIX,
                                         "splitter cable, a twin-port cage to two single "
                                         "ports")):
                asm = assemblies_of[(m, s, kind)]
                if not asm:
                    continue
                notes[len(rows)] = ("the cables to order for those links: each carries a "
                                    "cage's links, two, or one where the cut-sheet leaves the "
                                    "cage's second port free (the cut-sheet's Shared cable "
                                    "column names the cable each link is a leg of)")
                rows.append(("Cable assembly", f"{m}{suffix}",
                             f"{med.name if med else m}, {words}", asm, "ea", None, s,
                             round(asm * s, 3), _src(med, "reach_max_m")))
        bought = transceivers_by_end(links, catalog)
        for (m, end), qty in sorted(bought.items()):
            if not qty:
                continue
            where = ", for switch cages" if end == SWITCH_END else \
                ", for server and NIC cages"
            if end == HOST_END and (m, SWITCH_END) in bought:
                notes[len(rows)] = ("ordered apart from the switches' modules of this medium: "
                                    "a NIC's cage can take another part (OSFP: flat-top at a "
                                    "NIC, finned-top at a switch); check the NIC's list")
            if m.endswith(TWIN_SUFFIX) and m not in catalog.media:
                base = catalog.media.get(m.removesuffix(TWIN_SUFFIX))
                name = (base.name if base else m).replace(" transceiver pair", "")
                speed = f"{2 * base.speed_gbps:g}G " if base else ""
                lacks = (f"a {speed}module serving two {name} links (a twin-port cage, or a "
                         "port broken out into two links); the catalog lacks it (no power, "
                         "reach or cost figure): where its device does not count its optics, "
                         "such an end's power is a whole single-link module's (an upper bound)")
                notes[len(rows)] = "; ".join(x for x in (lacks, notes.get(len(rows))) if x)
                rows.append(("Transceiver", m, f"{speed}module for two links of {name}{where}",
                             int(qty), "ea", None, None, None, ""))
                continue
            med = catalog.media.get(m)
            rows.append(("Transceiver", m, (med.name if med else m).replace(
                " transceiver pair", "") + f" transceiver{where}",
                         int(qty), "ea", None, None, None, _src(med, "power_per_end_w")))
    rows = [(*r, notes.get(k, "")) for k, r in enumerate(rows)]
    cols = [_c("Category"), _c("Item"), _c("Description"), _c("Quantity", kind="int"),
            _c("Unit"), _c("GPUs", kind="int"), _c("Length each", "m", "float"),
            _c("Total length", "m", "float"), _c("Source"), _c("Note")]
    note = ("Cables are counted per link, by medium and stock length (the next standard length at or "
            "above the routed length: Length each; Total length, that times the quantity); "
            "busway and tray rows give their total run length (m, to 0.1 m). Fabric switches are listed by tier: leaf, spine, core, then "
            "those of front-end, storage and management fabrics. Not in the bill: busway "
            "tap-off boxes, rack PDUs inside the racks and power cords; appliances the "
            "layout does not hold (a UFM or storage server whose node position is kept "
            "free); patch panels, labels and fixings.")
    if any("FABRIC-RADIX" in n for n in notes.values()):
        note += (" A stand-in switch uses more ports than one box has: it stands for a larger "
                 "(modular) switch, counted with one box's power, weight and U (warning "
                 "FABRIC-RADIX).")
    return _table("bom", "Bill of materials", cols, rows, note)


_UNIT_LABEL = {"crah": "CRAH", "cdu": "CDU", "rear_door": "Rear-door heat exchanger",
               "busway": "Busway", "pdu": "Rack PDU", "rpp": "Remote power panel"}


def _src(spec: Any, attr: str) -> str:
    if spec is None:
        return ""
    fig = getattr(spec, attr, None)
    return fig.source or "" if isinstance(fig, Figure) else ""


@dataclass(frozen=True)
class _FabricSwitches:
    """Switches a fabric adds of one model, tier and purpose."""

    model: str
    tier: str
    purpose: str
    count: int
    stand_ins: int = 0  # switches using more ports than one box has
    ports_needed: int = 0  # the most ports one of them uses or is planned on


_PURPOSE_ORDER = ("", "scale_out", "front_end", "storage", "management")


def _fabric_switches(layout: Layout, analysis: Any,
                     installed: Counter[str]) -> list[_FabricSwitches]:
    """Switches the fabrics add beyond those installed in racks, in tier order.

    Scale-out fabrics first, then front-end, storage and management ones; within
    each, leaf, spine and core, then by model.
    """
    from engine.fabric import TIER_NAMES

    topo, _ = _parts(analysis.network)
    if topo is None:
        counts = analysis.network.switch_counts()
        extra = int(counts.get("total", 0)) - sum(installed.values())
        return [_FabricSwitches("switch (model not given)", "", "", extra)] if extra > 0 else []
    gen = np.flatnonzero(np.asarray(topo.sw_dev) < 0)
    purpose = [fb.purpose for fb in topo.fabrics]
    used = topo.cache.get("ports_used")
    radix = np.asarray(topo.sw_radix, np.int64)
    need = np.maximum(radix, np.asarray(used, np.int64) if used is not None else 0)
    # the network analysis' stand-ins (planned with more ports than one box has)
    stand = topo.cache.get("stand_in")
    stand = np.asarray(stand, bool) if stand is not None and len(stand) == len(radix) \
        else np.zeros(len(radix), bool)
    groups: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    for s, f, m, t in zip(gen.tolist(), np.asarray(topo.sw_fabric)[gen].tolist(),
                          np.asarray(topo.sw_model)[gen].tolist(),
                          np.asarray(topo.sw_tier)[gen].tolist(), strict=True):
        groups[(purpose[f] if 0 <= f < len(purpose) else "", t, topo.models[m])].append(s)

    def rank(key: tuple[str, int, str]) -> tuple:
        p, t, m = key
        return (_PURPOSE_ORDER.index(p) if p in _PURPOSE_ORDER else len(_PURPOSE_ORDER), p, t,
                natural_key(m))

    out = []
    for key in sorted(groups, key=rank):
        p, t, m = key
        idx = np.asarray(groups[key], np.int64)
        k = int(stand[idx].sum())
        out.append(_FabricSwitches(m, TIER_NAMES[t], p, len(idx), k,
                                   int(need[idx][stand[idx]].max()) if k else 0))
    return out


def _generated_switches(analysis: Any, n_racks: int) -> tuple[np.ndarray, np.ndarray]:
    """Switches the fabric generated into each rack, and the U they take."""
    topo, _ = _parts(analysis.network)
    if topo is None or not topo.n_switches:
        return np.zeros(n_racks, np.int64), np.zeros(n_racks, np.int64)
    rack = np.asarray(topo.sw_rack, np.int64)
    sel = (np.asarray(topo.sw_dev) < 0) & (rack >= 0) & (rack < n_racks)
    count = np.bincount(rack[sel], minlength=n_racks)[:n_racks]
    u = np.bincount(rack[sel], weights=np.asarray(topo.sw_height_u, np.float64)[sel],
                    minlength=n_racks)[:n_racks]
    return count.astype(np.int64), u.astype(np.int64)


def rack_unknown_figures(layout: Layout, analysis: Any,
                         catalog: Catalog | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return which racks' power and weight leave out a figure the catalog does not know.

    The analysis counts 0 W or 0 kg for hardware without a figure (the
    ``FIGURE-UNKNOWN`` warning): such a rack's total is a lower bound, and a total
    of 0 says nothing, so it must not print as a known 0. The analysis finds them
    (:attr:`engine.power.PowerResult.rack_unknown_power`,
    :attr:`engine.floor.FloorResult.rack_weight_unknown`); ``catalog`` is kept for
    callers that pass the one the analysis used.

    Parameters
    ----------
    layout : Layout
    analysis : engine.analysis.Analysis
        The analysis of ``layout``.
    catalog : Catalog, optional
        The catalog the analysis used (default: :func:`default_catalog`).

    Returns
    -------
    power_unknown, weight_unknown : (R,) bool
        Per rack, in layout order: it holds a device (installed, its rack-scale
        system, or a switch the fabric placed in it) with no power figure, or a
        device or enclosure with no weight figure.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.analysis import analyze
    >>> lay = instantiate("vera-rubin-nvl144", {})
    >>> power, weight = rack_unknown_figures(lay, analyze(lay))
    >>> bool(power.any()), bool(weight.all())
    (False, True)
    """
    arr = analysis.arrays
    n = arr.n_racks
    power = getattr(analysis.power, "rack_unknown_power", None)
    weight = getattr(analysis.floor, "rack_weight_unknown", None)
    return (np.zeros(n, bool) if power is None else np.asarray(power) > 0,
            np.zeros(n, bool) if weight is None else np.asarray(weight, bool).copy())


def _devices_unknown(analysis: Any, no_power: np.ndarray) -> np.ndarray:
    """Which racks hold a device of unknown power (not only link-end modules of unknown
    power), from :func:`rack_unknown_figures`'s power mask."""
    devices = getattr(analysis.power, "rack_unknown_devices", None)
    if devices is None or len(devices) != len(no_power):
        return no_power
    return np.asarray(devices) > 0


def known_text(value: float, is_unknown: bool, digits: int = KW_DIGITS) -> str:
    """Return a total for a panel: ``"1,234"``, ``"≥ 1,234"`` or ``"unknown"``.

    A total that leaves out an unknown figure is a lower bound where something is
    known, and nothing at all where the known part is 0.

    Examples
    --------
    >>> known_text(132.648, False), known_text(20.0, True, 0), known_text(0.0, True, 0)
    ('132.6', '≥ 20', 'unknown')
    >>> known_text(0.0, False, 0)
    '0'
    """
    text = f"{value:,.{digits}f}"
    if not is_unknown:
        return text
    return f"≥ {text}" if value > 0 else "unknown"


def unknown_figure_note(analysis: Any, rack_ids: Iterable[str], what: str) -> str:
    """Return what a panel's tooltip says of a ``what`` (``"power"`` or ``"weight"``)
    total that leaves out an unknown figure: the ``FIGURE-UNKNOWN`` warning naming the
    models, when one names any of ``rack_ids``."""
    ids = set(rack_ids)
    for v in analysis.violations:
        if v.code == "FIGURE-UNKNOWN" and f" {what} figure " in v.message and ids & set(v.items):
            return f"Not known: warning FIGURE-UNKNOWN, {v.message[0].lower()}{v.message[1:]}."
    return (f"Not known: warning FIGURE-UNKNOWN, the catalog has no {what} figure for some "
            "of the hardware; it counts as 0.")


#: Said by the racks and rows tables when a total leaves out an unknown figure.
_UNKNOWN_NOTE = ("A {what} marked ≥ (in a spreadsheet by its number format, in a CSV file "
                 "by a lower-bound column) leaves out some of the hardware, whose {what} the "
                 "catalog does not give (warning FIGURE-UNKNOWN): the analysis counts it as 0.")


def _unknown_note(power: np.ndarray, weight: np.ndarray) -> str:
    what = " or ".join(w for w, m in (("power", power), ("weight", weight)) if m.any())
    if not what:
        return ""
    return _UNKNOWN_NOTE.format(what=what) + (
        " The liquid share of a rack holding a device of unknown power is not known (–)."
        if power.any() else "")


def racks_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return one row per rack: power, U, weight, floor load, liquid share, GPUs, zones.

    A power or weight that leaves out a figure the catalog does not know is the known
    part, marked a lower bound (:attr:`Table.at_least`: "≥ 24.8"), as is the floor load
    drawn from a weight; the liquid share of such a power is ``None``.
    """
    arr, p, c, fl = analysis.arrays, analysis.power, analysis.cooling, analysis.floor
    no_power, no_weight = rack_unknown_figures(layout, analysis, catalog)
    devices_unknown = _devices_unknown(analysis, no_power)
    n = arr.n_racks
    tt = arr.types
    contents: list[Counter[str]] = [Counter() for _ in range(n)]
    for r, t in zip(arr.dev_rack.tolist(), arr.dev_type.tolist(), strict=True):
        contents[r][tt.ids[t]] += 1
    power_w = np.asarray(p.rack_kw) * 1000.0  # includes switches the fabric placed
    with np.errstate(divide="ignore", invalid="ignore"):
        liquid = np.where(power_w > 0, arr.rack_liquid_w / power_w, 0.0)
    gen_sw, gen_u = _generated_switches(analysis, n)
    crah = [c.unit_ids[i] if i >= 0 else "" for i in c.rack_crah.tolist()]
    cdu = [c.unit_ids[i] if i >= 0 else "" for i in c.rack_cdu.tolist()]
    load = fl.rack_load_kg_m2 if len(fl.rack_load_kg_m2) == n else np.full(n, np.nan)
    # GPU servers and rack-scale systems (rack_servers), and CPU nodes: servers all
    cpu = np.bincount(arr.dev_rack[tt.role[arr.dev_type] == ROLE_CODES["cpu_node"]],
                      minlength=n) if len(arr.dev_rack) else np.zeros(n, np.int64)
    slot = _row_slots(layout)
    rows = []
    for i, r in enumerate(layout.racks):
        what = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in contents[i].items())
        if gen_sw[i]:
            what = ", ".join(x for x in (what, f"{gen_sw[i]} fabric switch(es)") if x)
        # a lower bound of nothing known says nothing: "–", not "≥ 0.0" (a network rack's
        # optics alone, its switches of unknown power)
        kw = None if no_power[i] and p.rack_kw[i] < 0.05 else _x(p.rack_kw[i])
        # a few watts of modules left out leave the liquid share as it is; a device not
        # known could be liquid-cooled
        share = None if devices_unknown[i] else _pct(liquid[i])
        kg, kg_m2 = (None, None) if no_weight[i] and fl.rack_weight_kg[i] <= 0 else \
            (_x(fl.rack_weight_kg[i], 0), _x(load[i], 0))
        rows.append((r.id, r.name or "", r.row or "", slot[i], _x(r.x_m, 2), _x(r.y_m, 2),
                     r.type, kw, share,
                     int(arr.rack_u_used[i] + gen_u[i]), int(arr.rack_height_u[i]),
                     kg, kg_m2, int(arr.rack_gpus[i]),
                     int(arr.rack_servers[i] + cpu[i]), int(arr.rack_switches[i] + gen_sw[i]),
                     " ".join(r.feeds), crah[i], cdu[i], what))
    cols = [_c("Rack"), _c("Name"), _c("Row"), _c("Slot", kind="int"), _c("X", "m", "float", 2),
            _c("Y", "m", "float", 2), _c("Type"), _c("Power", "kW", "float"),
            _c("Liquid share", "%", "float"), _c("U used", kind="int"),
            _c("U total", kind="int"), _c("Weight", "kg", "float", 0),
            _c("Floor load", "kg/m²", "float", 0), _c("GPUs", kind="int"),
            _c("Servers", kind="int"), _c("Switches", kind="int"), _c("Feeds"),
            _c("CRAH zone"), _c("CDU"), _c("Contents")]
    low_kg = no_weight.tolist()
    return _table("racks", "Racks", cols, rows, _unknown_note(no_power, no_weight),
                  {"Power": no_power.tolist(), "Weight": low_kg, "Floor load": low_kg})


def _row_slots(layout: Layout) -> list[int | None]:
    """Return each rack's place in its row, 1 at the row's west end (south end for a row
    running north-south), for installers finding a rack the plan labels too small to read;
    ``None`` for a rack in no row.

    Examples
    --------
    >>> from engine.model import Hall, Rack
    >>> racks = [Rack(id=i, type="rack-800x1200", x_m=x, y_m=2.0, row="R01")
    ...          for i, x in (("B", 2.8), ("A", 2.0), ("C", 3.6))]
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 6), (0, 6)]),
    ...              racks=[*racks, Rack(id="L", type="rack-800x1200", x_m=6, y_m=5)])
    >>> _row_slots(lay)
    [2, 1, 3, None]
    """
    by_row: dict[str, list[int]] = {}
    for i, r in enumerate(layout.racks):
        if r.row:
            by_row.setdefault(r.row, []).append(i)
    out: list[int | None] = [None] * len(layout.racks)
    for members in by_row.values():
        xs = [layout.racks[i].x_m for i in members]
        ys = [layout.racks[i].y_m for i in members]
        along_x = max(xs) - min(xs) >= max(ys) - min(ys)
        order = sorted(members, key=lambda i: (layout.racks[i].x_m, layout.racks[i].y_m)
                       if along_x else (layout.racks[i].y_m, layout.racks[i].x_m))
        for k, i in enumerate(order):
            out[i] = k + 1
    return out


#: "Placed by" of a rack-scale system's slot in the elevations table
SLOT_PLACED_BY = "rack-scale system (slot)"

#: a slot's role and name in the elevations table, by its kind
_SLOT_WORDS = {"compute_tray": ("Compute tray", "Compute tray"),
               "switch_tray": ("NVLink switch tray", "NVLink switch tray"),
               "power_shelf": ("Power shelf", "Power shelf"),
               "management_switch": ("Management switch", "Management switch")}


def _slots(catalog: Catalog, type_id: str,
           height_u: int | None = None) -> list[tuple[int, int, str, str, str]]:
    """A rack-scale system's slots within a rack of ``height_u`` U, ``(u, height_u, role,
    words, item)`` bottom up, its compute trays numbered as the cut-sheet names them
    (``Compute tray 7``, item ``gb200-nvl72 tray 07``)."""
    dev = catalog.devices.get(type_id)
    if dev is None:
        return []
    out = []
    for kind, u, h, k in dev.numbered_bays(height_u):
        role, words = _SLOT_WORDS[kind]
        item = f"{type_id} {words.lower()}"
        if kind == "compute_tray":
            words, item = f"{words} {k}", f"{type_id} tray {k:02d}"
        out.append((u, h, role, words, item))
    return sorted(out)


def elevations_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return what every rack holds where: one row per device, bottom U first.

    The devices of the layout at their U, a rack-scale system over its whole rack, and
    the switches a fabric placed in its network racks (their U as the cut-sheet gives
    it; a switch that found no free U is listed under no rack). Per-device power is the
    catalog's maximum, weight its figure (empty where the catalog has none).
    """
    catalog = catalog or default_catalog()
    rows: list[tuple] = []

    @functools.cache  # a hall has a few device types and thousands of devices
    def figures(type_id: str) -> tuple[Any, Any, str, str]:
        dev = catalog.devices.get(type_id)
        if dev is None:
            return None, None, type_id, "Other device"
        w, kg = dev.power_max_w.value, dev.weight_kg.value  # None: not known, left blank
        return (_x(w / 1000.0, 3) if w is not None else None,
                _x(kg, 1) if kg is not None else None, dev.name,
                _ROLE_LABEL.get(dev.role, dev.role))

    placed: dict[str, list[tuple]] = {r.id: [] for r in layout.racks}
    unplaced: list[tuple] = []

    def rack_height(type_id: str) -> int | None:
        rt = catalog.racks.get(type_id)
        return int(rt.height_u) if rt is not None else None
    topo, _ = _parts(analysis.network)
    if topo is not None and topo.n_switches:
        from engine.fabric import TIER_NAMES

        arr = analysis.arrays
        fab_ids = [fb.id for fb in topo.fabrics]
        sel = np.flatnonzero(np.asarray(topo.sw_dev) < 0)
        for k in sel.tolist():
            model = topo.models[int(topo.sw_model[k])]
            f = int(topo.sw_fabric[k])
            by = (f"fabric {fab_ids[f] if 0 <= f < len(fab_ids) else ''}, "
                  f"{TIER_NAMES[int(topo.sw_tier[k])]}")
            rack, u, h = int(topo.sw_rack[k]), int(topo.sw_u[k]), int(topo.sw_height_u[k])
            entry = (u, h, model, "", by)
            if 0 <= rack < arr.n_racks and u > 0:
                placed[arr.rack_ids[rack]].append(entry)
            else:
                unplaced.append(entry)
    for r in layout.racks:
        items = [(d.u, _device_u(catalog, d.type), d.type, d.name or "", "layout")
                 for d in r.devices] + placed[r.id]
        if r.system:
            kw, kg, name, role = figures(r.system)
            rows.append((r.id, r.row or "", None, None, None, r.system, name, role,
                         "layout (rack-scale system)", kw, kg))
            # named as the cut-sheet names a tray's ends: "gb200-nvl72 tray 07"
            rows.extend((r.id, r.row or "", u, u + h - 1, h, item, f"{words} of {name}",
                         slot, SLOT_PLACED_BY, None, None)
                        # a frame taller than its rack (RACK-U-ENCLOSURE): the slots it holds
                        for u, h, slot, words, item in _slots(catalog, r.system,
                                                              rack_height(r.type)))
        for u, h, type_id, label, by in sorted(items, key=lambda e: e[0]):
            kw, kg, name, role = figures(type_id)
            rows.append((r.id, r.row or "", u, u + h - 1, h, type_id,
                         f"{name} ({label})" if label else name, role, by, kw, kg))
    for _u, h, type_id, _label, by in unplaced:
        kw, kg, name, role = figures(type_id)
        rows.append(("", "", None, None, h, type_id, name, role, f"{by}; no free U", kw, kg))
    cols = [_c("Rack"), _c("Row"), _c("U from", kind="int"), _c("U to", kind="int"),
            _c("Height", "U", "int"), _c("Item"), _c("Description"), _c("Role"),
            _c("Placed by"), _c("Max power", "kW", "float", 3),
            _c("Weight", "kg", "float", 1)]
    note = ("Each rack's devices from the bottom U up: those of the layout, and the switches "
            "each fabric places in its network racks (at the U the cut-sheet gives their "
            "ports). A rack-scale system fills its rack. Power is each device's catalog "
            "maximum, without the optics its links add.")
    if any(row[8] == SLOT_PLACED_BY for row in rows):
        note += (" A rack-scale system's trays and shelves follow it, at the U the catalog "
                 "gives them (an estimate where NVIDIA publishes the parts but not their "
                 "order); their power and weight are the system's.")
    if unplaced:
        note += (f" {len(unplaced):,} switch(es) found no free U in their fabric's network "
                 "racks and are listed under no rack (FABRIC-NO-ROOM).")
    return _table("elevations", "Rack elevations", cols, rows, note)


@dataclass(frozen=True)
class RackConfiguration:
    """Racks that hold the same things at the same U (one elevation drawing serves all).

    ``items`` are ``(u_from, height_u, item, role)`` bottom up (a switch a fabric placed
    is named with its tier: ``"qm9700 leaf"``); a rack-scale system is one item over the
    whole rack (``u_from`` 1, ``height_u`` the rack's).
    """

    rack_ids: tuple[str, ...]
    rack_type: str
    height_u: int
    items: tuple[tuple[int, int, str, str], ...]
    #: the most any of them draws (``None`` where nothing of it is known)
    power_kw: float | None
    #: whether that leaves out hardware of unknown power (a lower bound: "≥ 58.5 kW")
    power_is_lower_bound: bool = False


#: makers whose name a drawing leaves off a model's ("NVIDIA DGX H100" is "DGX H100")
_MAKERS = ("NVIDIA", "AMD", "Intel", "Arista", "Broadcom", "Supermicro", "Dell", "HPE")


def short_model_name(name: str) -> str:
    """Return a catalog model's name as a drawing labels it: without what its parentheses
    add and without its maker where two words or more are left.

    Examples
    --------
    >>> short_model_name("NVIDIA Quantum-2 QM9700 (NDR InfiniBand)")
    'Quantum-2 QM9700'
    >>> short_model_name("NVIDIA DGX H100"), short_model_name("Arista 7060X6-64PE")
    ('DGX H100', 'Arista 7060X6-64PE')
    """
    words = name.partition("(")[0].split()
    if len(words) > 2 and words[0] in _MAKERS:
        words = words[1:]
    return " ".join(words)


def rack_configurations(layout: Layout, analysis: Any, catalog: Catalog | None = None,
                        elevations: Table | None = None) -> list[RackConfiguration]:
    """Group the racks by what they hold where; the most common configuration first.

    Examples
    --------
    >>> from engine.analysis import analyze
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> [(len(c.rack_ids), len(c.items)) for c in rack_configurations(lay, analyze(lay))]
    [(4, 4), (1, 12)]
    """
    catalog = catalog or default_catalog()
    t = elevations if elevations is not None else elevations_table(layout, analysis, catalog)
    ix = {name: t.index(name) for name in ("Rack", "U from", "Height", "Item", "Role",
                                            "Placed by", "Description")}
    held: dict[str, list[tuple[int, int, str, str]]] = {r.id: [] for r in layout.racks}
    height = {r.id: int(h) for r, h in zip(layout.racks, analysis.arrays.rack_height_u.tolist(),
                                            strict=True)}
    for row in t.rows:
        rid = row[ix["Rack"]]
        if rid not in held:
            continue  # a switch that found no free U
        u, by = row[ix["U from"]], row[ix["Placed by"]]
        # the model's name as a drawing names it ("DGX H100"), not its catalog id
        name = short_model_name(row[ix["Description"]]) or row[ix["Item"]]
        if by.startswith("fabric "):  # a switch a fabric placed: its tier too
            name = f"{name} {by.rpartition(', ')[2]}"
        elif by == SLOT_PLACED_BY:  # a system's slot: "Compute tray 7"
            name = row[ix["Description"]].partition(" of ")[0]
        item = (1, height[rid], name, row[ix["Role"]]) if u is None else (
            int(u), int(row[ix["Height"]]), name, row[ix["Role"]])
        held[rid].append(item)
    no_power, _ = rack_unknown_figures(layout, analysis, catalog)
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(layout.racks):
        groups.setdefault((r.type, height[r.id], tuple(held[r.id])), []).append(i)
    kw = analysis.power.rack_kw
    # racks alike can differ a little in power (the optics of their link ends): the most
    out = []
    for (rt, h, items), ii in ((k, np.asarray(v)) for k, v in groups.items()):
        most, low = float(kw[ii].max()), bool(no_power[ii].any())
        out.append(RackConfiguration(tuple(layout.racks[i].id for i in ii), rt, h, items,
                                     None if low and most < 0.05 else most, low))
    return sorted(out, key=lambda c: -len(c.rack_ids))


def _device_u(catalog: Catalog, type_id: str) -> int:
    """The U a device type takes (1 where the catalog does not say)."""
    dev = catalog.devices.get(type_id)
    return int(dev.u_height) if dev is not None and dev.u_height else 1


def _optics_note(analysis: Any) -> str:
    """Say that rack, row and feed power include the optics at their link ends ("" if none)."""
    kw = float(getattr(analysis.power, "optics_kw", 0.0) or 0.0)
    if kw <= 0:
        return ""
    return (f"Rack, row and feed figures include the {kw:,.2f} kW of optics: each transceiver "
            "counts in the rack of its link end, beyond the devices' own power figures.")


def rows_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return one row per rack row: racks, GPUs, power (sum, mean, max), U, weight.

    A row's power or weight where one of its racks leaves out a figure the catalog
    does not know (:func:`rack_unknown_figures`) is a lower bound (:attr:`Table.at_least`),
    its liquid share ``None``.
    """
    arr = analysis.arrays
    rack_kw = analysis.power.rack_kw
    no_power, no_weight = rack_unknown_figures(layout, analysis, catalog)
    uniq, inv = natural_groups([r.row or "" for r in layout.racks])
    k = len(uniq)

    def s(w):
        return np.bincount(inv, weights=w, minlength=k)

    cnt = np.bincount(inv, minlength=k)
    u_used = arr.rack_u_used + _generated_switches(analysis, arr.n_racks)[1]
    mx = np.zeros(k)
    if len(inv):
        np.maximum.at(mx, inv, rack_kw)
    kw, liq = s(rack_kw), s(arr.rack_liquid_w / 1000.0)
    kw_unknown, kg_unknown = s(no_power) > 0, s(no_weight) > 0
    share_unknown = s(_devices_unknown(analysis, no_power)) > 0
    kg = s(analysis.floor.rack_weight_kg)
    rows = [(uniq[j] or "(none)", int(cnt[j]), int(s(arr.rack_gpus)[j]),
             *((None,) * 3 if kw_unknown[j] and kw[j] < 0.05 else
               (_x(kw[j]), _x(kw[j] / cnt[j] if cnt[j] else 0.0), _x(mx[j]))),
             None if share_unknown[j] else _pct(liq[j] / kw[j] if kw[j] else 0),
             int(s(u_used)[j]), None if kg_unknown[j] and kg[j] <= 0 else _x(kg[j], 0))
            for j in range(k)]
    cols = [_c("Row"), _c("Racks", kind="int"), _c("GPUs", kind="int"),
            _c("Power", "kW", "float"), _c("Mean per rack", "kW", "float"),
            _c("Largest rack", "kW", "float"), _c("Liquid share", "%", "float"),
            _c("U used", kind="int"), _c("Weight", "kg", "float", 0)]
    note = " ".join(t for t in (_optics_note(analysis), _unknown_note(no_power, no_weight)) if t)
    low_kw = kw_unknown.tolist()
    return _table("rows", "Rows", cols, rows, note,
                  {"Power": low_kw, "Mean per rack": low_kw, "Largest rack": low_kw,
                   "Weight": kg_unknown.tolist()})


def _power_factor_text(factors: list[float]) -> str:
    """Name the feeds' power factors, and where the design one comes from.

    >>> _power_factor_text([0.95])
    " (0.95, from NVIDIA's 32.7 kW per 34.5 kVA circuit [S41])"
    >>> _power_factor_text([0.95, 1.0])
    " (0.95, 1; 0.95 from NVIDIA's 32.7 kW per 34.5 kVA circuit [S41])"
    """
    if not factors:
        return ""
    why = "NVIDIA's 32.7 kW per 34.5 kVA circuit [S41]"
    listed = ", ".join(f"{x:g}" for x in factors)
    pf = round(DESIGN_POWER_FACTOR, 2)
    if pf not in factors:
        return f" ({listed})"
    return f" ({pf:g}, from {why})" if len(factors) == 1 else f" ({listed}; {pf:g} from {why})"


def feeds_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return one row per feed: rating, derated budget, load and utilization, A/B loss.

    ``Hardware of unknown power`` counts, in the racks a feed serves, the devices and
    the link ends (transceivers, active cables) the catalog has no power figure for: the analysis counts it as 0 W, so that feed's
    load is a lower bound (the note names the models).
    """
    p = analysis.power
    fed = Counter(fid for r in layout.racks for fid in r.feeds)
    unknown = p.feed_unknown_power if getattr(p, "feed_unknown_power", None) is not None \
        else np.zeros(len(layout.feeds), np.int64)
    rows = []
    for j, f in enumerate(layout.feeds):
        u, fu = float(p.feed_utilization[j]), float(p.feed_failover_utilization[j])
        status = ("over budget" if u > 1 + 1e-9 else
                  "over budget on side loss" if fu > 1 + 1e-9 else "OK")
        kva = f.rating_kw / f.power_factor
        rows.append((f.id, f.side, f.kind, f.model or "", fed[f.id], _x(kva), _x(f.power_factor, 2),
                     _x(p.feed_rating_kw[j]),
                     _x(p.feed_budget_kw[j]), _x(p.feed_load_kw[j]), _pct(u),
                     _x(p.feed_failover_kw[j]), _pct(fu), int(unknown[j]), status))
    cols = [_c("Feed"), _c("Side"), _c("Kind"), _c("Model"), _c("Racks", kind="int"),
            _c("Apparent power", "kVA", "float"), _c("Power factor", "", "float", 2),
            _c("Rating", "kW", "float"), _c("Budget", "kW", "float"), _c("Load", "kW", "float"),
            _c("Utilization", "%", "float"), _c("Load, other side lost", "kW", "float"),
            _c("Utilization, other side lost", "%", "float"),
            _c("Hardware of unknown power", kind="int"), _c("Status")]
    optics = _optics_note(analysis)
    pf = sorted({round(f.power_factor, 2) for f in layout.feeds})
    note = ("Apparent power = volts x amps (x sqrt 3 for three phases); rating = apparent "
            "power x the feed's power factor"
            + _power_factor_text(pf)
            + f"; budget = rating x {layout.assumptions.continuous_derating:.0%} continuous-load "
            "derating. 'Other side lost': each rack's load moves to its remaining feeds."
            + (f" {optics}" if optics else ""))
    left = unknown_power_text(analysis, catalog)
    if left and int(unknown.sum()):
        note += (f" The racks of the feeds with hardware of unknown power hold {left}, counted "
                 "as 0 W: those feeds' loads and utilizations are lower bounds.")
    low = [bool(k) for k in unknown.tolist()]
    return _table("feeds", "Power feeds", cols, rows, note,
                  {name: low for name in ("Load", "Utilization", "Load, other side lost",
                                          "Utilization, other side lost")})


def _cooling_bound_note(analysis: Any, catalog: Catalog | None) -> str:
    """Say that cooling loads leave out the heat of devices of unknown power ("" if none)."""
    left = unknown_power_text(analysis, catalog)
    return (f" Loads leave out the heat of {left}, counted as 0 W: they are lower bounds."
            if left else "")


def cooling_units_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return one row per cooling unit: capacity, assigned load, utilization, flow."""
    c = analysis.cooling
    zone = Counter(int(i) for i in c.rack_crah.tolist() if i >= 0)
    zone.update(int(i) for i in c.rack_cdu.tolist() if i >= 0)
    rows = []
    for i, u in enumerate(layout.cooling):
        rows.append((u.id, u.kind, u.model or "", c.group_names[int(c.unit_group[i])],
                     _x(c.unit_capacity_kw[i]),
                     _x(c.unit_load_kw[i]), _pct(c.unit_utilization[i]),
                     _x(c.unit_flow_lpm[i], 1) if u.kind in ("cdu", "rear_door") else None,
                     _x(c.unit_rated_flow_lpm[i], 1), zone.get(i, 0) or (1 if u.rack else 0)))
    cols = [_c("Unit"), _c("Kind"), _c("Model"), _c("Group"), _c("Capacity", "kW", "float"),
            _c("Load", "kW", "float"), _c("Utilization", "%", "float"),
            _c("Flow", "L/min", "float"), _c("Rated flow", "L/min", "float"),
            _c("Racks in zone", kind="int")]
    # a CRAH beyond the rows' ends takes its share of the room's heat with no rack nearest
    # it: say so, or "0 racks" beside its load reads as a unit serving nothing
    far = [u.id for i, u in enumerate(layout.cooling) if u.kind == "crah" and not zone.get(i)
           and c.unit_load_kw[i] > 1e-6]
    far_note = (f" {_list_names(far)} carr{'y' if len(far) > 1 else 'ies'} load with no rack "
                "nearer to {} than to another unit: {} share comes from racks in other units' "
                "zones.".format("them" if len(far) > 1 else "it",
                                "their" if len(far) > 1 else "its")) if far else ""
    bound = _cooling_bound_note(analysis, catalog)
    low = [bool(bound)] * len(rows)
    return _table("cooling", "Cooling units", cols, rows,
                  "CRAH load shares the room's air heat by capacity over distance squared; a "
                  "rack's zone is its nearest (or assigned) unit. Flow: a CDU's secondary "
                  "coolant, a rear door's facility water, each for its load at the coolant "
                  "ΔT." + far_note + bound,
                  {"Load": low, "Utilization": low})


def _list_names(ids: list[str], most: int = 4) -> str:
    """``"CRAH-6 and CRAH-7"``, ``"CRAH-1, CRAH-2, CRAH-3, CRAH-4 and 2 more"``.

    >>> _list_names(["A"]), _list_names(["A", "B"]), _list_names(list("ABCDEF"))
    ('A', 'A and B', 'A, B, C, D and 2 more')
    """
    if len(ids) <= most:
        return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
    return ", ".join(ids[:most]) + f" and {len(ids) - most:,} more"


def cooling_group_status(units: int, capacity_kw: float, n1_capacity_kw: float,
                         load_kw: float, door_failure_kw: float = 0.0,
                         doors: bool = False) -> str:
    """Return a redundancy group's status in words, as every report and the designer say it.

    A group with no load says so rather than "N+1 OK"; one unit has no spare, so a
    loaded group of one is not N+1 (the ``COOL-N1`` rule flags it: its N+1 capacity is
    0 kW). Loads within 1e-6 kW count as none, as the rule's tolerance does.

    Parameters
    ----------
    units : int
        Units in the group.
    capacity_kw, n1_capacity_kw, load_kw : float
        The group's capacity, its capacity without its largest unit, and its load (kW).
    door_failure_kw : float
        Room units: the air heat their zone's largest failed rear door adds (kW).
    doors : bool
        The group is rear doors, which no unit backs up but the room air.

    Examples
    --------
    >>> cooling_group_status(1, 1200.0, 0.0, 0.0)
    'no load (one unit, no spare)'
    >>> cooling_group_status(1, 1200.0, 0.0, 800.0)
    'not N+1: one unit, no spare'
    >>> cooling_group_status(3, 300.0, 200.0, 180.0), cooling_group_status(3, 300.0, 200.0, 250.0)
    ('N+1 OK', 'not N+1')
    >>> cooling_group_status(2, 300.0, 150.0, 0.0), cooling_group_status(2, 300.0, 150.0, 320.0)
    ('no load', 'over capacity')
    >>> cooling_group_status(3, 300.0, 200.0, 180.0, door_failure_kw=150.0)
    'not N+1: a failed rear door'
    >>> cooling_group_status(72, 5400.0, 5400.0, 4200.0, doors=True)
    'rear doors: room air backs them up'
    """
    eps = 1e-6
    if load_kw > capacity_kw + eps:
        return "over capacity"
    if load_kw <= eps:
        return "no load (one unit, no spare)" if units <= 1 and not doors else "no load"
    if doors:
        return "rear doors: room air backs them up"
    if n1_capacity_kw - load_kw < -eps:
        return "not N+1: one unit, no spare" if units <= 1 else "not N+1"
    if capacity_kw - load_kw - door_failure_kw < -eps:
        return "not N+1: a failed rear door"
    return "N+1 OK"


def group_status(cooling: Any, g: int) -> str:
    """Return the status in words of redundancy group ``g`` of a cooling result."""
    c = cooling
    member = c.unit_group == g
    doors = bool(member.any()) and all(c.unit_kind[i] == "rear_door"
                                       for i in np.flatnonzero(member).tolist())
    fail = float(c.group_door_failure_kw[g]) if c.group_door_failure_kw is not None else 0.0
    return cooling_group_status(int(member.sum()), float(c.group_capacity_kw[g]),
                                float(c.group_n1_capacity_kw[g]), float(c.group_load_kw[g]),
                                fail, doors)


def cooling_groups_table(layout: Layout, analysis: Any,
                         catalog: Catalog | None = None) -> Table:
    """Return one row per redundancy group: capacity, N+1 capacity, load, N+1 margin, status."""
    c = analysis.cooling
    members = np.bincount(c.unit_group, minlength=len(c.group_names))
    kinds = np.asarray(c.unit_kind, dtype=object)
    doors = np.bincount(c.unit_group, weights=(kinds == "rear_door").astype(float),
                        minlength=len(c.group_names))
    rows = []
    for g, name in enumerate(c.group_names):
        m = float(c.group_margin_kw[g])
        # a group of rear doors has no N+1 of its own: the room air backs each door up
        n1 = None if members[g] and doors[g] == members[g] else _x(c.group_n1_capacity_kw[g])
        rows.append((name, int(members[g]), _x(c.group_capacity_kw[g]),
                     n1, _x(c.group_load_kw[g]), _x(m),
                     _pct(c.group_load_kw[g] / c.group_capacity_kw[g]
                          if c.group_capacity_kw[g] > 0 else 0), group_status(c, g)))
    cols = [_c("Group"), _c("Units", kind="int"), _c("Capacity", "kW", "float"),
            _c("N+1 capacity", "kW", "float"), _c("Load", "kW", "float"),
            _c("N+1 margin", "kW", "float"), _c("Utilization", "%", "float"), _c("Status")]
    # loads leaving out hardware of unknown power are lower bounds (their margins are then
    # upper bounds: the note says so)
    low = [bool(_cooling_bound_note(analysis, catalog))] * len(rows)
    return _table("cooling_groups", "Cooling redundancy groups", cols, rows,
                  "N+1 capacity is the group's capacity without its largest unit; the margin is "
                  "N+1 capacity minus load, or, for room units, capacity minus load and the air "
                  "heat of the largest failed rear door of their racks, if smaller. A group of "
                  "one unit has no spare: once it carries load it is not N+1. Rear doors are a "
                  "group of their own: each cools its own rack and the room air backs it up, "
                  "so they have no N+1 capacity (–) and their margin is capacity minus load."
                  + _cooling_bound_note(analysis, catalog)
                  + (" Margins are then upper bounds." if any(low) else ""),
                  {"Load": low, "Utilization": low})


def _failure_rows(w: Any, before_tbps: float, fabrics: int = 0) -> list[tuple]:
    """Rows describing the worst single switch failure (``network.worst_failure``)."""
    if not w:
        return [("Worst single failure", "per fabric (Fabrics table)" if fabrics else
                 "none computed (no GPU fabric)", "")]
    if not isinstance(w, dict):
        return [("Worst single failure", str(w), "")]
    rows: list[tuple] = [("Worst single failure", str(w.get("switch") or w.get("tier") or "?"),
                          "")]
    after = w.get("bisection_tbps")
    if after is not None:
        rows.append(("  bisection after that failure", _x(after, 2), "Tb/s"))
    if w.get("per_gpu_bisection_gbps") is not None:
        rows.append(("  per GPU after that failure", _x(w["per_gpu_bisection_gbps"], 1), "Gb/s"))
    loss = w.get("loss_fraction")
    if loss is None and after is not None and before_tbps > 0:
        loss = 1 - float(after) / before_tbps
    if loss is not None:
        rows.append(("  bisection lost", _pct(loss), "%"))
    return rows


def _copper_half_cages(links: LinkView) -> Counter[str]:
    """Return, per switch tier, the twin-port cages that hold one copper link: their
    other port is free but no other device's cable can take it (a straight twin-port
    cable joins one pair of devices), so the fabric cannot grow into it.

    Examples
    --------
    >>> v = LinkView.empty()
    >>> _copper_half_cages(v)
    Counter()
    """
    out: Counter[str] = Counter()
    twin = links.copper_twin
    if twin is None or not len(links):
        return out
    ends: Counter[tuple] = Counter()
    for side in ("a", "b"):
        rack, u = getattr(links, f"{side}_rack"), np.asarray(getattr(links, f"{side}_u")).tolist()
        dev, port = getattr(links, f"{side}_device"), getattr(links, f"{side}_port")
        for j in np.flatnonzero(twin).tolist():
            p = str(port[j])
            tier = str(dev[j]).rsplit(" ", 1)[-1]
            if "/" in p and tier in ("leaf", "spine", "core"):
                ends[(tier, rack[j], u[j], dev[j], p.split("/")[0])] += 1
    for (tier, *_key), n in ends.items():
        if n == 1:
            out[tier] += 1
    return out


def tier_words(key: str) -> str:
    """A tier or link-tier key as the tables word it.

    >>> [tier_words(k) for k in ("leaf", "node_leaf", "front_end_leaf",
    ...                           "front_end_node_leaf", "spine_core")]
    ['leaf', 'node–leaf', 'front-end leaf', 'front-end node–leaf', 'spine–core']
    """
    for purpose in ("front_end", "storage", "management"):
        if key.startswith(purpose + "_"):
            return purpose.replace("_", "-") + " " + tier_words(key[len(purpose) + 1:])
    return key.replace("_", "–")


def network_table(layout: Layout, analysis: Any, catalog: Catalog | None = None,
                  links: LinkView | None = None) -> Table:
    """Return the network summary: switches, ports and links per tier, bisection, scale-up.

    A design with no GPU fabric (CPU nodes on a front-end network) has no hall-wide
    bisection over GPUs: its rows and note point to each fabric's own figures, over
    its endpoints, and its scale-up figures are not known (``None``), not 0.
    """
    net = analysis.network
    d = net.network_dict()
    cb = net.cabling_dict()
    fabrics = len(d.get("fabrics") or [])
    words = tier_words
    has_gpu_fabric = d["bisection_method"] != "none"
    rows: list[tuple] = []
    for tier, k in net.switch_counts().items():
        if k or tier == "total":
            rows.append((f"Switches: {words(tier)}", int(k), ""))
    half = _copper_half_cages(link_view(analysis, catalog) if links is None else links)
    stand_ins = 0
    for tier, ports in (d.get("switches") or {}).items():
        if isinstance(ports, dict) and "ports_used" in ports:
            rows.append((f"Switch ports (hardware): {words(tier)}", int(ports.get("ports", 0)),
                         "ports"))
            rows.append((f"Ports used by the fabric: {words(tier)}", int(ports["ports_used"]),
                         "ports"))
            rows.append((f"Ports free: {words(tier)}", int(ports.get("ports_free", 0)), "ports"))
            if half.get(tier):
                rows.append((f"Ports free: {words(tier)}, in cages holding one copper link",
                             int(half[tier]), "ports"))
            if ports.get("stand_in_switches"):
                stand_ins += int(ports["stand_in_switches"])
                rows.append((f"Stand-in switches: {words(tier)}", int(ports["stand_in_switches"]),
                             ""))
    for tier, k in cb["by_tier"].items():
        if k:
            rows.append((f"Links: {words(tier)}", int(k), ""))
    for tier, v in sorted(d["oversubscription"].items()):
        rows.append((f"Oversubscription: {words(tier)}", _x(v, 2), ":1"))
    method = d["bisection_method"] + (" (exact)" if d.get("bisection_exact") else "")
    rows += [
        ("GPUs in the hall", int(d.get("scaleout_gpus", getattr(net, "scaleout_gpus", 0))), ""),
        ("GPUs in no fabric", int(d.get("unconnected_gpus", 0)), ""),
        ("Bisection bandwidth (one way)", _x(net.bisection_tbps, 2) if has_gpu_fabric
         else None, "Tb/s"),
        ("Bisection method", method if has_gpu_fabric else
         "none (no GPU fabric)" + ("; per fabric in the Fabrics table" if fabrics else ""), ""),
        ("Bisection per GPU", _x(net.per_gpu_bisection_gbps, 1) if has_gpu_fabric else None,
         "Gb/s"),
    ]
    rows += _failure_rows(d.get("worst_failure"), float(d["bisection_tbps"] or 0.0), fabrics)
    gbps, name = scaleup_figures(analysis, catalog)
    domain = int(d["scaleup_domain_gpus"] or 0)
    rows += [
        (f"Scale-up domain ({name})" if name != "scale-up" else "Scale-up domain",
         domain or None, "GPUs"),
        ("Scale-up domains", int(d.get("scaleup_domains", 0)) if domain else None, ""),
        ("Scale-up bandwidth per GPU, per direction",
         None if gbps is None else _x(net.scaleup_gbps_per_gpu / 2.0, 0), "Gb/s"),
    ]
    if has_gpu_fabric:
        note = ("Bandwidth is per direction: bisection is the least capacity crossing any cut "
                "that splits the GPUs into two equal halves. The worst single failure is the "
                "one switch whose loss costs the most bisection.")
    else:
        note = ("The design has no GPU fabric"
                + (": each fabric's bisection, per direction, is the least capacity crossing "
                   "any cut that splits its endpoints into two equal halves, and its worst "
                   "single failure the one switch whose loss costs the most of it (Fabrics "
                   "table)." if fabrics else "."))
    if domain and gbps is None:
        note += (" The catalog has no scale-up bandwidth figure for these GPUs: it is shown "
                 "as not known.")
    if d.get("switches"):
        note += (" Switch ports: the ports the switches have at the link speed; used: those "
                 "the fabric's links take; free: the rest.")
    if half:
        note += (" Ports free in cages holding one copper link: a straight twin-port cable "
                 "joins one pair of devices, so the cage's other port takes no other "
                 "device's link (the cut-sheet leaves it free); the fabric cannot grow "
                 "into it.")
    if stand_ins:
        note += (" A stand-in switch uses more ports than one box has: it stands in for a "
                 "larger (modular) switch, counted with one box's power, weight and U "
                 "(warning FABRIC-RADIX).")
    return _table("network", "Network", [_c("Metric"), _c("Value", kind="num", digits=1),
                                         _c("Unit")], rows, note)


def fabrics_table(layout: Layout, analysis: Any) -> Table:
    """Return one row per fabric: members, tiers, bisection and its worst single failure."""
    rows = []
    for f in analysis.network.network_dict().get("fabrics") or []:
        w = f.get("worst_failure") or {}
        rows.append((f.get("id", ""), f.get("purpose", ""), f.get("topology", ""),
                     int(f.get("tiers", 0)), int(f.get("nodes", 0)), int(f.get("gpus", 0)),
                     int(f.get("scalable_units", 0)), _x(f.get("link_gbps"), 0),
                     _x(f.get("bisection_tbps"), 2), f.get("bisection_method", ""),
                     _x(f.get("per_gpu_bisection_gbps"), 1),
                     _x(f.get("per_endpoint_bisection_gbps"), 1),
                     str(w.get("switch", "")) if isinstance(w, dict) else str(w or ""),
                     _x(w.get("bisection_tbps"), 2) if isinstance(w, dict) else None))
    cols = [_c("Fabric"), _c("Purpose"), _c("Topology"), _c("Tiers", kind="int"),
            _c("Nodes", kind="int"), _c("GPUs", kind="int"), _c("Scalable units", kind="int"),
            _c("Link speed", "Gb/s", "float", 0), _c("Bisection", "Tb/s", "float", 2),
            _c("Method"), _c("Per GPU", "Gb/s", "float", 1),
            _c("Per endpoint", "Gb/s", "float", 1), _c("Worst single failure"),
            _c("Bisection after it", "Tb/s", "float", 2)]
    return _table("fabrics", "Fabrics", cols, rows,
                  "Per GPU: a scale-out fabric's bisection over half its GPUs; per endpoint: over "
                  "half its endpoints (front-end, storage and CPU fabrics have no per-GPU figure).")


def _door_rows(co: Any) -> list[tuple]:
    """Summary rows of the rear doors' water, where the design has doors taking heat:
    their heat leaves the hall in the facility water, not the room air nor a CDU's loop."""
    door = np.asarray(co.rack_door_kw, np.float64)
    if not len(door) or door.sum() <= 0:
        return []
    kinds = np.asarray(co.unit_kind, dtype=object)
    flow = float(np.asarray(co.unit_flow_lpm, np.float64)[kinds == "rear_door"].sum())
    return [("Heat to rear doors", _x(float(door.sum())), "kW",
             "air heat the racks' rear-door coils hand to the facility water"),
            ("Rear-door water flow", _x(flow, 1), "L/min", "at the coolant ΔT")]


def fabric_tiers_table(layout: Layout, analysis: Any, catalog: Catalog | None = None) -> Table:
    """Return one row per fabric tier in use: switch model, count, ports, oversubscription."""
    from engine.fabric import TIER_NAMES, ports_at_speed

    catalog = catalog or default_catalog()
    topo, _ = _parts(analysis.network)
    info = {f.get("id"): f for f in analysis.network.network_dict().get("fabrics") or []}
    rows = []
    for fi, fab in enumerate(layout.fabrics):
        entry = info.get(fab.id, {})
        top: tuple[int, int] | None = None  # (tier level, row) of the highest tier
        for t in fab.tiers:
            k = TIER_NAMES.index(t.name) if t.name in TIER_NAMES else -1
            n = (entry.get("switches") or {}).get(t.name)
            placed = generated = radix = used = None
            if topo is not None and k >= 0:
                sel = (np.asarray(topo.sw_fabric) == fi) & (np.asarray(topo.sw_tier) == k)
                n = int(sel.sum()) if n is None else n
                generated = int((sel & (np.asarray(topo.sw_dev) < 0)).sum())
                placed = int((sel & (np.asarray(topo.sw_rack) >= 0)).sum())
                radix = int(np.asarray(topo.sw_radix)[sel][0]) if sel.any() else None
                pu = topo.cache.get("ports_used")
                if pu is not None and sel.any():
                    used = int(np.asarray(pu)[sel].max())
            if n == 0:
                continue  # a tier the fabric did not need (it collapsed)
            dev = catalog.devices.get(t.switch)
            link = float(entry.get("link_gbps", fab.nic_speed_gbps))
            if dev is not None and dev.switch_ports:
                # the hardware's ports at the link speed (a tier may use fewer: its radix)
                radix = ports_at_speed(dev, t.port_speed_gbps, link)
            over = (entry.get("oversubscription") or {}).get(t.name, t.oversubscription)
            if top is None or k >= top[0]:
                top = (k, len(rows))
            rows.append((fab.id, t.name, t.switch, None if n is None else int(n), generated,
                         placed, radix, used, _x(link, 0), _x(over, 2),
                         _stand_in_note(radix, used, t.radix)))
        if top is not None:
            # the fabric's top tier has no uplinks: no oversubscription to show
            r = rows[top[1]]
            rows[top[1]] = (*r[:9], None, *r[10:])
    cols = [_c("Fabric"), _c("Tier"), _c("Switch"), _c("Switches", kind="int"),
            _c("Generated", kind="int"), _c("Placed in racks", kind="int"),
            _c("Ports per switch", kind="int"), _c("Ports used (fullest)", kind="int"),
            _c("Link speed", "Gb/s", "float", 0), _c("Oversubscription", ":1", "float", 2),
            _c("Note")]
    return _table("tiers", "Fabric tiers", cols, rows,
                  "Generated switches are added by the fabric to the network racks' free U; "
                  "installed ones are already in the racks. Ports per switch: the switch's ports "
                  "at the link speed; ports used: on the fullest switch of the tier. "
                  "Oversubscription is a tier's down to up ports: the top tier has no uplinks "
                  "(–). A tier that uses more ports than its switch has is a stand-in for a "
                  "larger (modular) switch: the design counts one box's power, weight, U and "
                  "price for each (noted on its row; warning FABRIC-RADIX).")


def _stand_in_note(hardware: int | None, used: int | None, planned: int | None) -> str:
    """Say that a tier's switch stands in for a modular one (planned with more ports than
    it has), or that links push it past its ports ("" when it has the ports).

    Examples
    --------
    >>> _stand_in_note(64, 220, 220)
    'stand-in for a 220-port modular switch, counted as one box (FABRIC-RADIX)'
    >>> _stand_in_note(64, 36, 36)
    ''
    >>> _stand_in_note(144, 146, None)
    'links at its fullest switch need 146 of its 144 ports (error FABRIC-NO-PORT)'
    """
    if hardware is None:
        return ""
    if planned is not None and planned > hardware:
        need = max(used or 0, planned)
        return f"stand-in for a {need:,}-port modular switch, counted as one box (FABRIC-RADIX)"
    if used is not None and used > hardware:
        return (f"links at its fullest switch need {used:,} of its {hardware:,} ports "
                "(error FABRIC-NO-PORT)")
    return ""


_BINS_M = (1.0, 3.0, 5.0, 10.0, 30.0, 50.0, 100.0)


def _bin_label(stock: float) -> str:
    lo = 0.0
    for b in _BINS_M:
        if stock <= b:
            return f"{lo:g}-{b:g} m"
        lo = b
    return f"> {_BINS_M[-1]:g} m"


def _optics_inclusive_devices(analysis: Any, catalog: Catalog) -> list[str]:
    """Return the ids of the design's devices whose power figure already counts their optics."""
    topo, _ = _parts(analysis.network)
    arr = analysis.arrays
    ids = {arr.types.ids[i] for i in unique_sorted(np.asarray(arr.dev_type, np.int64)).tolist()}
    if topo is not None and topo.n_switches:
        models = list(topo.models)
        ids |= {models[i] for i in unique_sorted(np.asarray(topo.sw_model, np.int64)).tolist()
                if 0 <= i < len(models)}
    return sorted((i for i in ids if getattr(catalog.devices.get(i), "power_counts_optics",
                                             False)), key=natural_key)


def cable_bins_table(analysis: Any, links: LinkView | None = None,
                     catalog: Catalog | None = None) -> Table:
    """Return the cabling bill by medium and length bin with transceivers and optics power.

    The transceivers of a bin are split by who powers them: those at ports of a device
    whose power figure already includes its optics (a QM9700 with its modules) are in
    that device's power; the others are added as optics power, which the ``Optics
    power`` column sums. So 1,032 modules of 17 W reads as 256 added modules drawing
    4,352 W (256 x 17 W) and 776 in the switches' own power: a twin-port module counts,
    with the power of both its links, in the bin of its first link.
    """
    catalog = catalog or default_catalog()
    links = link_view(analysis, catalog) if links is None else links
    rows = []
    unknown_ends = 0
    if len(links):
        routed = links.cable_length_m()
        stock = links.stock_m()
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        bins = np.searchsorted(np.asarray(_BINS_M), stock - 1e-9)
        for i, (m, b) in enumerate(zip(links.medium, bins.tolist(), strict=True)):
            groups[(m, b)].append(i)
        powered = links.powered_transceivers if links.powered_transceivers is not None \
            else links.transceivers
        # cables as bought: a copper link at a twin-port cage is a leg of a cable that
        # carries its cage's links, counted once, at the cage's first link
        phys = links.bought_cables()
        module_w = links.optics_w if links.module_optics_w is None else links.module_optics_w
        for (m, _b), idx in sorted(groups.items()):
            ix = np.asarray(idx)
            med = catalog.media.get(m)
            k = phys[ix]
            # a partial sum would pass for the whole: a bin with ends of unknown power has none
            unknown = int(links.optics_unknown_ends[ix].sum()) \
                if links.optics_unknown_ends is not None else 0
            unknown_ends += unknown
            xcvr, added = int(links.transceivers[ix].sum()), int(powered[ix].sum())
            rows.append((m or "(none)", med.kind if med else "",
                         _bin_label(float(stock[ix].max())), len(ix), int(k.sum()),
                         _x(routed[ix].sum(), 1),
                         _x((stock[ix] * k).sum(), 1), xcvr,
                         xcvr - added, added,
                         None if unknown else _x(module_w[ix].sum(), 0)))
    cols = [_c("Medium"), _c("Kind"), _c("Length bin"), _c("Links", kind="int"),
            _c("Cables", kind="int"), _c("Routed length", "m", "float", 1),
            _c("Stock length ordered", "m", "float", 1),
            _c("Transceivers", kind="int"), _c("In device power", kind="int"),
            _c("Added as optics", kind="int"), _c("Optics power", "W", "float", 0)]
    note = ("Cables: as bought, a two-link copper cable (twin-port or splitter, as the bill "
            "of materials orders it) once, in the bin of its first link; routed length: the "
            "cables', such a cable's as long as its longer leg. "
            "Transceivers: modules bought (a twin-port module serves two links of one "
            "device and counts, with its power, in the bin of the first of them). In device "
            "power: modules at "
            "ports of a device whose power figure already includes its optics, drawing no "
            "optics power here; added as optics: the others, whose power the Optics power "
            "column sums.")
    if unknown_ends:
        note += (f" No optics power where the catalog has no power figure for the medium's "
                 f"modules ({unknown_ends:,} module ends).")
    inclusive = _optics_inclusive_devices(analysis, catalog) if len(links) else []
    if inclusive:
        its = "its" if len(inclusive) == 1 else "their"
        note += f" The power of {', '.join(inclusive)} already includes {its} optics."
    return _table("cable_bins", "Cabling by medium and length", cols, rows, note)


def violations_table(analysis: Any, max_items: int = 12) -> Table:
    """Return one row per rule violation (severity, code, message, items)."""
    rows = []
    for v in analysis.violations:
        items = ", ".join(v.items[:max_items])
        if len(v.items) > max_items:
            items += f", ... ({len(v.items)} in all)"
        rows.append((v.severity, v.code, v.message, items))
    cols = [_c("Severity"), _c("Code"), _c("Message"), _c("Items")]
    return Table("violations", "Rule violations", cols, rows)


def _label_end(rack: list[str], u: np.ndarray, port: list[str]) -> list[str]:
    return [f"{r}-U{k:02d}-{p}" if k else f"{r}-{p}" if p else r
            for r, k, p in zip(rack, u.tolist(), port, strict=True)]


def cutsheet_table(analysis: Any, links: LinkView | None = None,
                   catalog: Catalog | None = None) -> Table:
    """Return the cable cut-sheet: one row per link with both ends, medium and lengths.

    ``Cables`` is the number of parallel cables of the link (more than one where
    no medium runs at the port speed); a copper link that is a leg of a two-link
    cable counts it on the row of the cable's first link (``Shared cable`` names it)
    and 0 on the other, so the column sums to the cables bought. Label text reads
    ``<link> <A rack>-U<u>-<port> / <B rack>-U<u>-<port>`` and goes on both
    ends of the cable. A port is ``Pn`` on a cage of one port, ``Pn/k`` for port
    ``k`` of cage ``n`` (a twin-port cage, or a port broken out into slower
    links); a rack-scale system's end names its compute tray (``T07-P2``), at
    the tray's U where the catalog places its slots.
    """
    links = link_view(analysis, catalog) if links is None else links
    n = len(links)
    if n:
        L = links.length_m
        stock = links.stock_m()
        # round() as every text formats it (np.round scales first: 2.675 -> 2.68, not 2.67)
        exact = [None if math.isnan(x) else _exact(x) for x in L.tolist()]
        routed = [None if x is None else round(x, 2) for x in exact]
        a_end = _label_end(links.a_rack, links.a_u, links.a_port)
        b_end = _label_end(links.b_rack, links.b_u, links.b_port)
        labels = [f"{i} {a} / {b}" for i, a, b in zip(links.link_id, a_end, b_end, strict=True)]
        au = [k or None for k in links.a_u.tolist()]
        bu = [k or None for k in links.b_u.tolist()]
        speed = [None if math.isnan(x) else round(x) for x in links.speed_gbps.tolist()]
        shared = links.cable_of or [""] * n
        rows = list(zip(links.link_id, links.fabric, links.tier, links.a_rack, au,
                        links.a_device, links.a_port, links.b_rack, bu, links.b_device,
                        links.b_port, links.medium, links.bought_cables().tolist(), shared,
                        speed, routed, stock.tolist(), labels, strict=True))
    else:
        rows, exact = [], []
    cols = [_c("Link"), _c("Fabric"), _c("Tier"), _c("A rack"), _c("A U", kind="int"),
            _c("A device"), _c("A port"), _c("B rack"), _c("B U", kind="int"), _c("B device"),
            _c("B port"), _c("Medium"), _c("Cables", kind="int"), _c("Shared cable"),
            _c("Speed", "Gb/s", "float", 0),
            _c("Routed length", "m", "float", 2), _c("Stock length", "m", "float", 1),
            _c("Label")]
    return Table("cutsheet", "Cable cut-sheet", cols, rows,
                 "Stock length: the next of " + ", ".join(f"{s:g}" for s in STOCK_LENGTHS_M)
                 + " m at or above the routed length (which includes slack); longer runs round "
                 "up to 10 m and are made to order; a leg of a two-link cable shows its "
                 "cable's, ordered once (Cables 1 on its first link's row). Ports: Pn is cage n; Pn/k is port k of "
                 "cage n (a twin-port cage, or a port broken out into slower links); "
                 "LC2/P5 is cage 5 of line card 2 of a modular switch; "
                 "T07-P2 is port 2 of a rack-scale system's compute tray 7, routed from the "
                 "middle of the rack. Shared cable: a copper link at a twin-port cage is a "
                 "leg of a two-link cable (twin-port or splitter), named by its first "
                 "link; the links that name one cable are pulled as one.",
                 {"Routed length": exact})


# -- assumptions and sources ---------------------------------------------------------------

_UNITS = (("_kg_m2", "kg/m²"), ("_kw", "kW"), ("_w", "W"), ("_kg", "kg"), ("_mm", "mm"),
          ("_cfm", "CFM"), ("_lpm", "L/min"), ("_m", "m"), ("_usd", "USD"),
          ("_gbps_per_gpu", "Gb/s per GPU"), ("_gbps", "Gb/s"), ("_k", "K"),
          ("_kw_per_rack", "kW"), ("fraction", "fraction"))

#: Where the default assumptions come from (see :class:`engine.model.Assumptions`).
_ASSUMPTION_SOURCES = {"delta_t_air_k": "S40", "delta_t_coolant_k": "S61",
                       "continuous_derating": "S65", "air_limit_kw_per_rack": "S59",
                       "pue_overhead_fixed": "S62", "pue_overhead_air": "S62",
                       "pue_overhead_liquid": "S62", "aisle_clearance_m": "S112"}


def _unit_of(name: str) -> str:
    if name.endswith("_kw_per_rack"):
        return "kW per rack"
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def _figures(spec: Any) -> Iterable[tuple[str, Figure]]:
    for name in type(spec).model_fields:
        v = getattr(spec, name)
        if isinstance(v, Figure) and (v.value is not None or v.source or v.note):
            yield name, v


def _source_title(catalog: Catalog, key: str | None) -> str:
    if not key:
        return ""
    s = catalog.sources.get(key) or catalog.sources.get(key.rstrip("abcdefgh"))
    return s.title if s else "(not in sources.json)"


_CITE = re.compile(r"\[(S\d+[a-z]?)\]")


def sources_cited_table(sources: Table, catalog: Catalog | None = None) -> Table:
    """Return every source key the sources table cites, with its reference.

    Keys come from the Source column and from the notes (``[S04]`` in a note
    counts), so every key a reader meets in the report resolves.

    Examples
    --------
    >>> t = Table("sources", "", [_c("Source"), _c("Note"), _c("Source title")],
    ...           [("S01", "see [S40] and [S04]", "x")])
    >>> [r[0] for r in sources_cited_table(t).rows]
    ['S01', 'S04', 'S40']
    """
    catalog = catalog or default_catalog()
    ks, kn = sources.index("Source"), sources.index("Note")
    keys: set[str] = set()
    for r in sources.rows:
        if r[ks]:
            keys.add(str(r[ks]))
        keys.update(_CITE.findall(str(r[kn] or "")))
    rows = [(k, _source_title(catalog, k)) for k in sorted(keys, key=lambda k: (len(k), k))]
    return Table("sources_cited", "Sources cited", [_c("Key"), _c("Reference")], rows)


def sources_table(layout: Layout, analysis: Any, links: LinkView | None = None,
                  catalog: Catalog | None = None) -> Table:
    """Return every catalog figure the layout uses, with its value, source key and class.

    Covers installed device types, fabric switch models, rack types, facility
    models, the cable media of the links, and the layout's assumptions.
    """
    catalog = catalog or default_catalog()
    links = link_view(analysis, catalog) if links is None else links
    rows: list[tuple] = []

    def add(kind: str, spec: Any) -> None:
        for name, fig in _figures(spec):
            rows.append((kind, spec.id, name, _as_given(fig.value), _unit_of(name),
                         fig.source or "",
                         fig.cls or "", fig.note or "", _source_title(catalog, fig.source)))

    counts, tt = _device_counts(analysis)
    used_devices = [tt.ids[i] for i in range(len(tt.ids)) if counts[i]]
    used_devices += [t.switch for f in layout.fabrics for t in f.tiers]
    for did in dict.fromkeys(used_devices):
        if did in catalog.devices:
            add("device", catalog.devices[did])
    for rt in dict.fromkeys(r.type for r in layout.racks):
        if rt in catalog.racks:
            add("rack", catalog.racks[rt])
    models = [u.model for u in layout.cooling] + [f.model for f in layout.feeds]
    for m in dict.fromkeys(m for m in models if m):
        if m in catalog.facility:
            add("facility", catalog.facility[m])
    # the media of the links and the modules bought for them (a shared cage's twin)
    for m in sorted(set(links.medium) | set(transceivers_bought(links, catalog))):
        if m in catalog.media:
            add("medium", catalog.media[m])
    a = layout.assumptions
    from engine.templates import layout_template_id, list_templates

    from_template = layout_template_id(layout, list_templates()) is not None
    for name in type(a).model_fields:
        v = getattr(a, name)
        if isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
            key = _ASSUMPTION_SOURCES.get(name, "")
            note, digits = "", 6
            default = type(a).model_fields[name].default
            if name == "pue" and v is None:
                # no override: the PUE the analysis computed, to the decimals it prints with
                v, digits = analysis.power.pue, 2
                note = ("computed from the air/liquid heat mix and the pue_overhead_* "
                        "figures (not set in the layout)")
            elif key and v != default:
                # the design's own value: the default's source does not speak for it
                note = ("set in the layout" + (" (the template's description gives its "
                                               "basis)" if from_template else "")
                        + f"; the default {default:g} comes from [{key}]")
                key = ""
            rows.append(("assumption", "layout", name, _as_given(v, digits),
                         _unit_of(name), key, "assumption", note, _source_title(catalog, key)))
    cols = [_c("Kind"), _c("Item"), _c("Figure"), _c("Value", kind="num", digits=1),
            _c("Unit"), _c("Source"), _c("Class"), _c("Note"), _c("Source title")]
    return _table("sources", "Assumptions and sources", cols, rows,
                  "Class: vendor = vendor document; transcribed = vendor figure read from another "
                  "source; secondary = press or third party; derived = computed from sourced "
                  "figures; estimate = no public source.")


# -- all tables ------------------------------------------------------------------------------

#: the tables :func:`build_tables` returns, in report order (a CSV report writes one file
#: per key)
TABLE_KEYS = ("summary", "bom", "racks", "elevations", "rows", "feeds", "cooling", "cooling_groups",
              "network", "fabrics", "tiers", "cable_bins", "violations", "cutsheet", "sources")


def build_tables(layout: Layout, analysis: Any, catalog: Catalog | None = None,
                 progress: Callable[[float, str], Any] | None = None) -> list[Table]:
    """Return every report table in report order.

    Parameters
    ----------
    layout : Layout
    analysis : engine.analysis.Analysis
        The analysis of ``layout``.
    catalog : Catalog, optional
        The catalog the analysis used (default: :func:`default_catalog`).
    progress : callable, optional
        Called as ``progress(fraction, message)`` between tables.
    """
    catalog = catalog or default_catalog()
    links = link_view(analysis, catalog)
    steps: list[tuple[str, Callable[[], Table]]] = [
        ("summary", lambda: summary_table(layout, analysis, catalog)),
        ("bill of materials", lambda: bom_table(layout, analysis, links, catalog)),
        ("racks", lambda: racks_table(layout, analysis, catalog)),
        ("rack elevations", lambda: elevations_table(layout, analysis, catalog)),
        ("rows", lambda: rows_table(layout, analysis, catalog)),
        ("power feeds", lambda: feeds_table(layout, analysis, catalog)),
        ("cooling units", lambda: cooling_units_table(layout, analysis, catalog)),
        ("cooling groups", lambda: cooling_groups_table(layout, analysis, catalog)),
        ("network", lambda: network_table(layout, analysis, catalog, links)),
        ("fabrics", lambda: fabrics_table(layout, analysis)),
        ("fabric tiers", lambda: fabric_tiers_table(layout, analysis, catalog)),
        ("cabling", lambda: cable_bins_table(analysis, links, catalog)),
        ("violations", lambda: violations_table(analysis)),
        ("cut-sheet", lambda: cutsheet_table(analysis, links, catalog)),
        ("sources", lambda: sources_table(layout, analysis, links, catalog)),
    ]
    out: list[Table] = []
    for k, (what, make) in enumerate(steps):
        if progress is not None:
            progress(k / len(steps), f"Table: {what}")
        out.append(make())
    return out
