"""Find items of a layout by id, name, row, hardware, fabric or kind.

A query is one or more terms, all of which an item must match (case-insensitive):

- a plain term matches an item whose id or name contains it, a rack whose row is it, an
  item holding hardware whose type id or catalog name contains it (a rack's devices,
  rack-scale system and rack type, its fabrics' switches when it is a network rack; a
  unit's or feed's model), or the racks of the fabric whose id or name it is;
- ``row:R07`` matches the racks of row R07 (``row:7`` too); ``type:qm9700`` the items holding that hardware
  (type id or catalog name, as a plain term would); ``fabric:comp`` the member and
  network racks of the fabrics whose id or name contains it; ``kind:cdu`` the items of a kind
  (``rack``, ``crah``, ``cdu``, ``rear_door``, ``busway``, ``pdu``, ``rpp``, ``tray``,
  ``column``, ``wall``, ``keepout``), and racks by what they hold (``switch``,
  ``gpu_server``, ``rack_system``, ``cpu_node``, ``nic``, ``storage``, ``power_shelf``;
  ``network`` for a fabric's network racks).

A query that is exactly one item's id finds that item alone, however many other ids
contain it (``GPU-0017`` does not also find ``GPU-00170``).

>>> from engine.templates import instantiate
>>> lay = instantiate("dgx-h100-hall", {"racks": 4})
>>> find_items(lay, "GPU-0002").ids
('GPU-0002',)
>>> found = find_items(lay, "qm9700")
>>> found.ids, found.counts
(('NET-0001',), {'racks': 1})
>>> find_items(lay, "kind:crah").counts
{'cooling units': 3}
>>> find_items(lay, "kind:switch").ids
('NET-0001',)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from engine.catalog import Catalog, default_catalog
from engine.model import Layout

__all__ = ["FIELDS", "KINDS", "FindResult", "QueryError", "find_items"]

#: the field prefixes a term may carry, with what each matches
FIELDS = {
    "row": "racks of that row",
    "type": "items holding that hardware (type id or catalog name)",
    "fabric": "member and network racks of the fabrics whose id or name contains it",
    "kind": "items of that kind (rack, crah, cdu, rear_door, busway, pdu, rpp, tray, "
            "column, wall, keepout) or racks holding one (switch, gpu_server, rack_system, "
            "cpu_node, network, ...)",
}

#: the kinds ``kind:`` knows: the items' own, and what racks hold (device roles;
#: ``network`` for a fabric's network racks)
KINDS = ("rack", "crah", "cdu", "rear_door", "busway", "pdu", "rpp", "tray",
         "column", "wall", "keepout", "gpu_server", "rack_system", "cpu_node", "switch",
         "nic", "storage", "power_shelf", "network")

#: the groups a result counts, as the status line names them
_GROUPS = ("racks", "cooling units", "feeds", "trays", "obstacles")


class QueryError(ValueError):
    """A query the finder cannot read (an unknown field); the message says what to write."""


@dataclass(frozen=True)
class FindResult:
    """What a query found.

    Attributes
    ----------
    ids : tuple of str
        The items found, in layout order (racks, cooling units, feeds, trays, obstacles).
    counts : dict
        Items found per group (``racks``, ``cooling units``, ``feeds``, ``trays``,
        ``obstacles``), groups with none left out.
    """

    ids: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """Return the counts as words: ``"12 racks, 1 cooling unit"`` (``"nothing"``).

        >>> FindResult(("a", "b"), {"racks": 2}).describe()
        '2 racks'
        >>> FindResult(("a",), {"cooling units": 1}).describe()
        '1 cooling unit'
        """
        if not self.counts:
            return "nothing"
        return ", ".join(f"{n:,} {g if n != 1 else g[:-1]}" for g, n in self.counts.items())


@dataclass(frozen=True)
class _Entry:
    id: str
    group: str
    kinds: frozenset[str]
    words: tuple[str, ...]  # id and name, lower case
    types: frozenset[str]  # type ids and catalog names held, lower case
    row: str | None
    fabrics: frozenset[str]  # fabric ids and names it belongs to, lower case


def _parse(query: str) -> tuple[list[tuple[str | None, str]], str]:
    """Return the terms, and the first word that looks like an unknown field ("" if
    none): ids may hold a colon, so such a word is searched as a plain word, and named
    only when nothing matches."""
    terms: list[tuple[str | None, str]] = []
    odd = ""
    for raw in query.split():
        key, sep, value = raw.partition(":")
        if sep and key.lower() in FIELDS:
            if not value:
                raise QueryError(f"'{raw}': expected a value after '{key}:'")
            terms.append((key.lower(), value.lower()))
        else:
            if sep and key and value and not key[0].isdigit() and not odd:
                odd = raw
            terms.append((None, raw.lower()))
    return terms, odd


def _names(cat: Catalog, type_ids: set[str]) -> frozenset[str]:
    out: set[str] = set()
    for t in type_ids:
        out.add(t.lower())
        entry = cat.devices.get(t) or cat.racks.get(t) or cat.facility.get(t)
        if entry is not None and getattr(entry, "name", None):
            out.add(entry.name.lower())
    return frozenset(out)


def _entries(layout: Layout, cat: Catalog) -> Iterator[_Entry]:
    switches: dict[str, set[str]] = {}
    fabrics: dict[str, set[str]] = {}
    for fab in layout.fabrics:
        tags = {fab.id.lower(), fab.name.lower()}
        net = {t.switch for t in fab.tiers if t.placement == "network_racks"}
        top = {t.switch for t in fab.tiers if t.placement == "member_racks"}
        for r in fab.network_racks:
            switches.setdefault(r, set()).update(net)
            fabrics.setdefault(r, set()).update(tags)
        for r in fab.members:
            switches.setdefault(r, set()).update(top)
            fabrics.setdefault(r, set()).update(tags)
    network = {r for fab in layout.fabrics for r in fab.network_racks}
    for r in layout.racks:
        held = {d.type for d in r.devices} | {r.type} | switches.get(r.id, set())
        if r.system:
            held.add(r.system)
        roles = {getattr(cat.devices.get(t), "role", None) for t in held} - {None}
        kinds = frozenset({"rack"} | roles | ({"network"} if r.id in network else set()))
        yield _Entry(r.id, "racks", kinds, _words(r.id, r.name), _names(cat, held),
                     r.row, frozenset(fabrics.get(r.id, ())))
    for u in layout.cooling:
        yield _Entry(u.id, "cooling units", frozenset({u.kind}), _words(u.id, u.name),
                     _names(cat, {u.model} if u.model else set()), None, frozenset())
    for f in layout.feeds:
        yield _Entry(f.id, "feeds", frozenset({f.kind}), _words(f.id, f.name),
                     _names(cat, {f.model} if f.model else set()), None, frozenset())
    for t in layout.trays:
        yield _Entry(t.id, "trays", frozenset({"tray"}), _words(t.id, None), frozenset(), None, frozenset())
    for o in layout.hall.obstacles:
        yield _Entry(o.id, "obstacles", frozenset({o.kind}), _words(o.id, None), frozenset(), None,
                     frozenset())


def _words(item_id: str, name: str | None) -> tuple[str, ...]:
    return (item_id.lower(), name.lower()) if name else (item_id.lower(),)


def _row_is(row: str | None, value: str) -> bool:
    """A row named ``R07`` is row ``r07``, ``r7``, ``7`` and ``07``.

    >>> [_row_is("R07", v) for v in ("r07", "r7", "7", "07", "r70", "a7")]
    [True, True, True, True, False, False]
    """
    if row is None:
        return False
    row = row.lower()
    if row == value:
        return True
    m = re.fullmatch(r"([a-z_-]*)0*(\d+)", row)
    v = re.fullmatch(r"([a-z_-]*)0*(\d+)", value)
    return m is not None and v is not None and v.group(1) in ("", m.group(1)) and \
        int(v.group(2)) == int(m.group(2))


def _matches(e: _Entry, key: str | None, value: str) -> bool:
    if key == "row":
        return _row_is(e.row, value)
    if key == "type":
        return any(value in t for t in e.types)
    if key == "fabric":
        return any(value in t for t in e.fabrics)
    if key == "kind":
        return value in e.kinds
    return (any(value in w for w in e.words) or _row_is(e.row, value)
            or any(value in t for t in e.types) or value in e.fabrics)


def find_items(layout: Layout, query: str, catalog: Catalog | None = None) -> FindResult:
    """Return the items of ``layout`` that match every term of ``query``.

    Parameters
    ----------
    layout : Layout
        The layout to search.
    query : str
        Terms separated by spaces; see the module docs for the fields (``row:``,
        ``type:``, ``fabric:``, ``kind:``). An empty query finds nothing.
    catalog : Catalog, optional
        For the hardware's catalog names (the default catalog if omitted).

    Returns
    -------
    FindResult
        The ids found, in layout order, and their counts per group.

    Raises
    ------
    QueryError
        A term names a field the finder does not know (``colour:red``) and nothing
        matches it as a plain word (an id may hold a colon: ``hall:A1`` finds that id).

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> find_items(lay, "row:R01").describe()
    '4 racks'
    >>> find_items(lay, "dgx h100 row:1").ids[:2]
    ('GPU-0001', 'GPU-0002')
    >>> find_items(lay, "fabric:compute").describe(), find_items(lay, "fabric:comp").describe()
    ('5 racks', '5 racks')
    >>> find_items(lay, "compute").describe()  # a fabric's id, as a plain word
    '5 racks'
    >>> find_items(lay, "colour:red")
    Traceback (most recent call last):
    ...
    engine.find.QueryError: 'colour:red': unknown field 'colour:' (expected row:, type:, \
fabric:, kind: or a plain word)
    """
    terms, odd = _parse(query)
    if not terms:
        return FindResult()
    cat = catalog if catalog is not None else default_catalog()
    entries = list(_entries(layout, cat))
    if len(terms) == 1 and terms[0][0] is None:
        exact = [e for e in entries if e.id.lower() == terms[0][1]]
        if exact:
            return FindResult((exact[0].id,), {exact[0].group: 1})
    found = [e for e in entries if all(_matches(e, k, v) for k, v in terms)]
    strange = [v for k, v in terms if k == "kind" and v not in KINDS]
    if not found and strange:
        raise QueryError(f"'kind:{strange[0]}': unknown kind (expected one of "
                         f"{', '.join(KINDS)})")
    if not found and odd:
        key = odd.partition(":")[0]
        known = ", ".join(f"{k}:" for k in FIELDS)
        raise QueryError(f"'{odd}': unknown field '{key}:' (expected {known} or a plain word)")
    counts = {g: n for g in _GROUPS if (n := sum(e.group == g for e in found))}
    return FindResult(tuple(e.id for e in found), counts)
