"""Save a selection as a template: the selected items become a template that places exactly them.

:func:`template_from_selection` turns selected racks (with their contents and
rotations), cooling units, feeds and trays into a :class:`TemplateFile` whose
``fixed`` block holds them, positions relative to the selection's bounding
box. The template has one parameter, ``copies``, that lays the block out
several times. A fabric comes along as its settings, not its switches: laid
out, it is derived anew for the racks of the block, and every copy's racks
join it (:func:`selection_fabrics` says what that gives;
:func:`selection_left_behind` what the selection leaves out).
:func:`save_user_template` writes the template into the user library, a
Replace into the file the library reads that id from.

Examples
--------
>>> from engine.templates import instantiate
>>> lay = instantiate("dgx-h100-hall", {"racks": 4})
>>> ids = [r.id for r in lay.racks[:2]]
>>> t = template_from_selection(lay, ids, "two-racks", "Two racks")
>>> [r.id for r in instantiate(t).racks]
['GPU-0001', 'GPU-0002']
>>> len(instantiate(t, {"copies": 3}).racks)
6
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from engine.catalog import Catalog, default_catalog
from engine.compile import compile_layout, rack_geometry
from engine.edits import copy_items
from engine.model import Layout
from engine.templates import (
    FixedSpec,
    Parameter,
    ParameterError,
    TemplateFile,
    UserLibrary,
    read_user_library,
    user_template_dir,
)

__all__ = ["MAX_COPIES", "selection_bounds", "selection_left_behind", "selection_fabrics",
           "selection_supplies",
           "template_from_selection",
           "library_path", "template_path", "save_user_template"]

#: Upper bound of the ``copies`` parameter of a saved selection.
MAX_COPIES = 100


def _boxes(layout: Layout, ids: set[str], catalog: Catalog) -> np.ndarray:
    """Return ``(n, 4)`` boxes ``xmin, ymin, xmax, ymax`` in metres of the chosen items."""
    out: list[tuple[float, float, float, float]] = []
    racks = [r for r in layout.racks if r.id in ids]
    if racks:
        w = np.array([catalog.racks[r.type].width_mm.v(600) / 1000.0 if r.type in catalog.racks
                      else 0.6 for r in racks])
        d = np.array([catalog.racks[r.type].depth_mm.v(1200) / 1000.0 if r.type in catalog.racks
                      else 1.2 for r in racks])
        rot = np.array([r.rotation_deg for r in racks])
        x = np.array([r.x_m for r in racks])
        y = np.array([r.y_m for r in racks])
        hx, hy = rack_geometry(x, y, w, d, rot)
        out.extend(zip(x - hx, y - hy, x + hx, y + hy, strict=True))
    for u in layout.cooling:
        if u.id in ids:
            quarter = (u.rotation_deg // 90) % 2 == 1
            hx = (u.depth_m if quarter else u.width_m) / 2
            hy = (u.width_m if quarter else u.depth_m) / 2
            out.append((u.x_m - hx, u.y_m - hy, u.x_m + hx, u.y_m + hy))
    for item in (*layout.feeds, *layout.trays):
        if item.id in ids and item.points:
            xs = [p[0] for p in item.points]
            ys = [p[1] for p in item.points]
            out.append((min(xs), min(ys), max(xs), max(ys)))
    return np.asarray(out, dtype=np.float64).reshape(-1, 4)


def selection_bounds(layout: Layout, ids: Iterable[str],
                     catalog: Catalog | None = None) -> tuple[float, float, float, float]:
    """Return the bounding box ``(xmin, ymin, xmax, ymax)`` in metres of items ``ids``.

    Racks count with their footprint (rotated), units with theirs, feeds and
    trays with their polylines. Rear doors of selected racks come along.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 2})
    >>> x0, y0, x1, y1 = selection_bounds(lay, ["GPU-0001", "GPU-0002"])
    >>> round(x1 - x0, 2), round(y1 - y0, 2)
    (1.6, 1.2)
    """
    catalog = catalog or default_catalog()
    payload = copy_items(layout, ids)
    chosen = {it["id"] for items in payload.values() for it in items}
    box = _boxes(layout, chosen, catalog)
    if not len(box):
        raise ParameterError("the selection holds no racks, cooling units, feeds or trays")
    return (float(box[:, 0].min()), float(box[:, 1].min()), float(box[:, 2].max()),
            float(box[:, 3].max()))


def _kept_fabrics(layout: Layout, chosen: set[str], rack_ids: list[str],
                  catalog: Catalog) -> list:
    """Return each fabric of the layout as a saved selection keeps it (``None``: left out).

    A kept fabric is limited to the selected racks (an implicit "every GPU rack"
    becomes the selected GPU racks); one whose network racks all stay behind is
    left out, since its switches would have nowhere to go.
    """
    gpu_racks = _gpu_racks(layout, set(rack_ids), catalog)
    out = []
    for fab in layout.fabrics:
        members = [m for m in fab.members if m in chosen] if fab.members else \
            [r for r in rack_ids if r in gpu_racks]
        net = [m for m in fab.network_racks if m in chosen]
        left_out = ((fab.members and not members) or not (members or net)
                    or (not net and fab.network_racks))
        out.append(None if left_out else
                   fab.model_copy(update={"members": members, "network_racks": net}))
    return out


def selection_supplies(layout: Layout, ids: Iterable[str],
                       catalog: Catalog | None = None) -> list[str]:
    """Return what the selected racks use that the selection leaves out, in layout order:
    the feeds they name, the cooling units that cool them (named, or the CRAH and CDU of
    their zone, the nearest, with the nearest others of those units' redundancy groups
    until a group less its largest unit carries the racks' heat), and the cable trays over
    them. "Take them along" adds these to a saved selection, so the block lays out fed,
    cooled and cabled.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> selection_supplies(lay, ["GPU-0001"])  # 41 kW of air: two 150 kW CRAHs, N+1
    ['BW-01a-A', 'BW-01a-B', 'CRAH-1', 'CRAH-3', 'TR-01', 'TR-W']
    """
    from engine.analysis import analyze
    from engine.edits import racks_along

    chosen = {it["id"] for items in copy_items(layout, ids).values() for it in items}
    picked = [i for i, r in enumerate(layout.racks) if r.id in chosen]
    used: set[str] = set()
    for i in picked:
        r = layout.racks[i]
        used.update(r.feeds)
        used.update(u for u in (r.crah, r.cdu) if u)
    if picked and layout.cooling:
        # the units whose zone the racks are in (a hand-drawn hall names none), with the
        # rest of their redundancy groups: the room's air is shared, so a group carries its
        # racks' heat together, with its spare
        from engine.cooling import unit_group_names

        c = analyze(layout, catalog or default_catalog()).cooling
        zoned = {c.unit_ids[int(z)] for zone in (c.rack_crah, c.rack_cdu)
                 for z in zone[picked].tolist() if z >= 0}
        names = unit_group_names(layout.cooling)
        groups = {g for u, g in zip(layout.cooling, names, strict=True) if u.id in zoned}
        # of each group, the units nearest the racks until the group, less its largest
        # unit, carries their heat (N+1): three racks of a hall take two or three of its
        # CRAHs, not all seven
        heat = {"crah": float(c.rack_air_kw[picked].sum()),
                "cdu": float(c.rack_liquid_kw[picked].sum())}
        cx = float(np.mean([layout.racks[i].x_m for i in picked]))
        cy = float(np.mean([layout.racks[i].y_m for i in picked]))
        cap = dict(zip(c.unit_ids, c.unit_capacity_kw.tolist(), strict=True))
        for g in groups:
            members = [u for u, n in zip(layout.cooling, names, strict=True)
                       if n == g and u.kind != "rear_door"]
            members.sort(key=lambda u: (u.id not in zoned,
                                        math.hypot(u.x_m - cx, u.y_m - cy)))
            need = heat.get(members[0].kind, 0.0) if members else 0.0
            taken: list[float] = []
            for u in members:
                if len(taken) >= 2 and sum(taken) - max(taken) >= need - 1e-9 and \
                        u.id not in zoned:
                    break
                taken.append(cap.get(u.id, u.capacity_kw))
                used.add(u.id)
        used.update(zoned)
    rack_ids = {layout.racks[i].id for i in picked}
    for t in layout.trays:
        if rack_ids & set(racks_along(layout, t.points, 0.9)):
            used.add(t.id)
    return [x.id for x in (*layout.feeds, *layout.cooling, *layout.trays)
            if x.id in used and x.id not in chosen]


def selection_left_behind(layout: Layout, ids: Iterable[str],
                          catalog: Catalog | None = None) -> list[str]:
    """Say what the selected items use that the selection leaves out (one line each).

    A saved selection drops references to items outside it: the racks' feeds and
    cooling units, and a fabric's network racks (its switches).

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> for line in selection_left_behind(lay, ["GPU-0001"]):
    ...     print(line)
    1 rack loses its feeds (not selected: BW-01a-A, BW-01a-B)
    1 rack loses the room's cooling (no CRAH (air) unit selected)
    fabric compute is left out (its network racks are not selected: NET-0001)
    """
    chosen = {it["id"] for items in copy_items(layout, ids).values() for it in items}
    racks = [r for r in layout.racks if r.id in chosen]
    out = []
    for what, refs in (("feeds", [[f for f in r.feeds if f not in chosen] for r in racks]),
                       ("cooling units", [[u for u in (r.crah, r.cdu) if u and u not in chosen]
                                          for r in racks])):
        hit = [x for x in refs if x]
        if hit:
            names = sorted({n for x in hit for n in x})
            out.append(f"{len(hit)} rack{'s' * (len(hit) != 1)} "
                       f"{'lose their' if len(hit) != 1 else 'loses its'} {what} (not "
                       f"selected: {', '.join(names[:4])}{', ...' if len(names) > 4 else ''})")
    # racks cooled by the room's units (the nearest, with no unit named): a block without
    # any of that kind lays out with nothing to take its air or coolant
    catalog = catalog or default_catalog()
    kinds = {u.kind for u in layout.cooling if u.id in chosen}
    doors = {u.rack for u in layout.cooling if u.id in chosen and u.kind == "rear_door"}
    need_air = need_liquid = 0
    for r in racks:
        types = [r.system] if r.system else [d.type for d in r.devices]
        shares = [catalog.devices[t].liquid_fraction.v() for t in types if t in catalog.devices]
        need_air += any(sh < 1.0 for sh in shares) and not r.crah and r.id not in doors
        need_liquid += any(sh > 0.0 for sh in shares) and not r.cdu
    in_hall = {u.kind for u in layout.cooling}
    for n, kind, word in ((need_air, "crah", "CRAH (air)"), (need_liquid, "cdu", "CDU (liquid)")):
        # (a hall with no unit of the kind loses nothing by the selection)
        if n and kind in in_hall and kind not in kinds:
            out.append(f"{n} rack{'s' * (n != 1)} {'lose' if n != 1 else 'loses'} the room's "
                       f"cooling (no {word} unit selected)")
    rack_ids = [r.id for r in racks]
    kept = _kept_fabrics(layout, chosen, rack_ids, catalog)
    for fab, k in zip(layout.fabrics, kept, strict=True):
        # a fabric the selection touches but cannot carry: its switches stay behind
        touched = set(fab.members or rack_ids) & set(rack_ids)
        if k is None and touched and fab.network_racks:
            net = fab.network_racks
            out.append(f"fabric {fab.id} is left out (its network racks are not "
                       f"selected: {', '.join(net[:4])}{', ...' if len(net) > 4 else ''})")
    return out


def selection_fabrics(layout: Layout, ids: Iterable[str],
                      catalog: Catalog | None = None) -> list[str]:
    """Say how each fabric a saved selection keeps will be built (one line each).

    A template keeps a fabric's settings, not its switches: laid out, the fabric
    is derived anew for the racks saved (a 2-SU fabric saved with 4 of its racks
    gets the switches of 4 racks), and the copies of the block join it. Each
    line gives the switches per tier the saved block gets, from the engine's
    own fabric builder.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2})
    >>> gpu = [r.id for r in lay.racks if r.system][:4]
    >>> for line in selection_fabrics(lay, gpu + lay.fabrics[0].network_racks[:6]):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    fabric compute is re-derived for the 4 racks saved (the design's has 16): 56 switches
    (32 leaf, 24 spine) in its 6 network racks; copies of the block join this one fabric
    """
    from engine.fabric import TIER_NAMES, build_topology
    from engine.templates import instantiate

    catalog = catalog or default_catalog()
    try:
        t = template_from_selection(layout, ids, "selection", "Selection", catalog=catalog)
    except ParameterError:
        return []
    kept = t.fixed.fabrics if t.fixed is not None else []
    if not kept:
        return []
    counts: dict[str, tuple[np.ndarray, int]] = {}
    try:
        block = instantiate(t, catalog=catalog)
        topo = build_topology(block, catalog, compile_layout(block, catalog))
        for fi, fab in enumerate(block.fabrics):
            mine = topo.sw_fabric == fi
            counts[fab.id] = (np.bincount(topo.sw_tier[mine], minlength=len(TIER_NAMES)),
                              int((topo.sw_rack[mine] < 0).sum()))
    except Exception:  # hardware the catalog lacks: the note goes without the counts
        counts = {}
    original = {f.id: f for f in layout.fabrics}
    all_gpu = None
    out = []
    for fab in kept:
        was = original.get(fab.id)
        if was is not None and was.members:
            n_was = len(was.members)
        else:
            if all_gpu is None:
                all_gpu = _gpu_racks(layout, {r.id for r in layout.racks}, catalog)
            n_was = len(all_gpu)
        n = len(fab.members)
        racks = f"{n:,} rack{'s' * (n != 1)}"
        line = (f"fabric {fab.id} comes along whole ({racks})" if n >= n_was else
                f"fabric {fab.id} is re-derived for the {racks} saved (the design's has "
                f"{n_was:,})")
        if fab.id in counts:
            tiers, homeless = counts[fab.id]
            total = int(tiers.sum())
            by_tier = ", ".join(f"{int(c):,} {name}" for name, c in zip(TIER_NAMES, tiers,
                                                                        strict=True) if c)
            net = len(fab.network_racks)
            line += (f": {total:,} switch{'es' * (total != 1)}"
                     + (f" ({by_tier})" if by_tier else "")
                     + (f" in its {net} network rack{'s' * (net != 1)}" if net else ""))
            if homeless:
                line += f", {homeless:,} without room in them"
        out.append(line + "; copies of the block join this one fabric")
    return out


def template_from_selection(layout: Layout, ids: Iterable[str], template_id: str, title: str,
                            author: str = "", description: str = "",
                            catalog: Catalog | None = None,
                            version: str = "1.0") -> TemplateFile:
    """Return a template that places exactly the selected items, ``copies`` times.

    Parameters
    ----------
    layout : Layout
        The design the selection is in.
    ids : iterable of str
        Selected item ids; racks, cooling units, feeds and trays are kept
        (a selected rack's rear door comes along), anything else is ignored.
    template_id : str
        The new template's id (lower-case letters, digits and ``-``).
    title, author, description : str
        Shown in the template library.
    catalog : Catalog, optional
        For rack footprints and which racks hold GPUs.

    Returns
    -------
    TemplateFile
        Generation, assumptions and floor rating of ``layout``; a ``fixed``
        block with the items relative to their bounding box; references to
        items outside the selection (a feed, a CDU) are dropped. A fabric
        whose member or network racks are selected comes along, limited to the
        selected racks (an implicit "every GPU rack" becomes the selected GPU
        racks); links whose two ends are selected come along.

    Raises
    ------
    ParameterError
        For an empty selection or an invalid id, title or author.
    """
    catalog = catalog or default_catalog()
    payload = copy_items(layout, ids)
    chosen = {it["id"] for items in payload.values() for it in items}
    box = _boxes(layout, chosen, catalog)
    if not len(box):
        raise ParameterError("the selection holds no racks, cooling units, feeds or trays")
    x0, y0 = float(box[:, 0].min()), float(box[:, 1].min())
    width, depth = float(box[:, 2].max()) - x0, float(box[:, 3].max()) - y0

    def shift(x: float, y: float) -> tuple[float, float]:
        return round(x - x0, 4), round(y - y0, 4)

    racks = []
    for r in layout.racks:
        if r.id in chosen:
            x, y = shift(r.x_m, r.y_m)
            racks.append(r.model_copy(update={
                "x_m": x, "y_m": y, "feeds": [f for f in r.feeds if f in chosen],
                "cdu": r.cdu if r.cdu in chosen else None,
                "crah": r.crah if r.crah in chosen else None}))
    cooling = []
    for u in layout.cooling:
        if u.id in chosen:
            x, y = shift(u.x_m, u.y_m)
            update = {"x_m": x, "y_m": y, "rack": u.rack if u.rack in chosen else None}
            if u.return_xy_m is not None:  # a CRAH's air return moves with it
                update["return_xy_m"] = shift(*u.return_xy_m)
            cooling.append(u.model_copy(update=update))
    feeds = [f.model_copy(update={"points": [shift(*p) for p in f.points]})
             for f in layout.feeds if f.id in chosen]
    trays = [t.model_copy(update={"points": [shift(*p) for p in t.points]})
             for t in layout.trays if t.id in chosen]
    rack_ids = [r.id for r in racks]
    kept = _kept_fabrics(layout, chosen, rack_ids, catalog)
    fabrics = [f for f in kept if f is not None]
    fabric_ids = {f.id for f in fabrics}
    links = [ln.model_copy(update={"fabric": ln.fabric if ln.fabric in fabric_ids else None})
             for ln in layout.links if ln.a.rack in chosen and ln.b.rack in chosen]
    pretty = _describe(len(racks), len(cooling), len(feeds), len(trays))
    data = {
        "schema": "rackscape.template/1",
        "id": template_id,
        "title": title,
        "generation": layout.generation,
        "version": version,
        "author": author or "Rackscape user",
        "description": description or f"Saved selection of {pretty} from “{layout.name}”.",
        "parameters": [Parameter(name="copies", type="int", default=1, min=1, max=MAX_COPIES,
                                 help="How many times the saved block is laid out, each one "
                                      "above the previous one" + (
                                          "; the copies' racks join one fabric, its switches "
                                          "derived for all of them (a fat-tree grown past its "
                                          "k: a Clos of its switches' whole radix)"
                                          if fabrics else ""))],
        "hall": {"floor_rating_kg_m2": layout.hall.floor_rating_kg_m2,
                 "tile_m": layout.hall.tile_m},
        "assumptions": layout.assumptions.model_dump(mode="json", exclude_defaults=True),
        "racks": [],
        "fixed": FixedSpec(width_m=round(width, 4), depth_m=round(depth, 4), copies="copies",
                           gap_m=layout.assumptions.aisle_clearance_m, racks=racks,
                           cooling=cooling, feeds=feeds, trays=trays, fabrics=fabrics,
                           links=links),
    }
    from pydantic import ValidationError

    from engine.errors import format_validation_error

    try:
        return TemplateFile.model_validate(data)
    except ValidationError as exc:
        field, expected = format_validation_error(exc)
        raise ParameterError(f"template {field}: expected {expected}") from None


def _gpu_racks(layout: Layout, rack_ids: set[str], catalog: Catalog) -> set[str]:
    if not rack_ids:
        return set()
    try:
        arr = compile_layout(layout, catalog)
    except Exception:  # an unknown device type: no rack counts as a GPU rack
        return set()
    return {rid for rid, n in zip((r.id for r in layout.racks), arr.rack_gpus, strict=True)
            if rid in rack_ids and n > 0}


def _describe(racks: int, units: int, feeds: int, trays: int) -> str:
    parts = [(racks, "rack"), (units, "cooling unit"), (feeds, "feed"), (trays, "tray")]
    return ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in parts if n) or "nothing"


def library_path(template_id: str, generation: str, user_dir: str | Path | None = None,
                 library: UserLibrary | None = None) -> Path:
    """Return the file a template ``template_id`` of ``generation`` is written to.

    The file the user library uses for that id, wherever it is (a Replace must
    change what the library shows, not add a second file it ignores); for a new
    id ``<library>/<generation>/<id>.json``, or ``<id>-2.json`` and so on when a
    file of another template has that name. ``library`` is the user library as
    already read (:func:`engine.templates.read_user_library`), else it is read
    from ``user_dir``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> library_path("two-racks", "hopper", d).relative_to(d).as_posix()
    'hopper/two-racks.json'
    """
    lib = library if library is not None else \
        read_user_library(Path(user_dir) if user_dir is not None else "default")
    used = lib.files.get(template_id)
    if used is not None:
        return used
    folder = (lib.folder if lib.folder is not None else user_template_dir()) / generation
    taken = set(lib.files.values())
    path, k = folder / f"{template_id}.json", 2
    while path in taken:
        path, k = folder / f"{template_id}-{k}.json", k + 1
    return path


def template_path(t: TemplateFile, user_dir: str | Path | None = None) -> Path:
    """Return where :func:`save_user_template` writes ``t`` (see :func:`library_path`)."""
    return library_path(t.id, t.generation, user_dir)


def save_user_template(t: TemplateFile, overwrite: bool = False,
                       user_dir: str | Path | None = None) -> Path:
    """Write ``t`` into the user library atomically and return its path.

    Parameters
    ----------
    t : TemplateFile
        The template to write.
    overwrite : bool
        Replace the user template of the same id, in the file the library reads
        it from (:func:`library_path`); without it a template of that id (user
        or built-in) or a file at that path is refused.
    user_dir : path, optional
        The library folder; :func:`engine.templates.user_template_dir` by default.

    Raises
    ------
    FileExistsError
        When the template exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> from engine.templates import instantiate, list_templates
    >>> d = Path(tempfile.mkdtemp())
    >>> lay = instantiate("dgx-h100-hall", {"racks": 2})
    >>> t = template_from_selection(lay, ["GPU-0001"], "one-rack", "One rack")
    >>> save_user_template(t, user_dir=d).relative_to(d).as_posix()
    'hopper/one-rack.json'
    >>> (d / "one-rack.json").write_bytes((d / "hopper" / "one-rack.json").read_bytes()) > 0
    True
    >>> (d / "hopper" / "one-rack.json").unlink()  # the library uses the top-level file now
    >>> v2 = t.model_copy(update={"title": "One rack, v2"})
    >>> save_user_template(v2, overwrite=True, user_dir=d).relative_to(d).as_posix()
    'one-rack.json'
    >>> [x.title for x in list_templates(user_dir=d) if x.id == "one-rack"]
    ['One rack, v2']
    """
    from engine.io import atomic_write_bytes
    from engine.templates import list_templates

    path = template_path(t, user_dir)
    if not overwrite:
        if path.exists():
            raise FileExistsError(f"template {t.id!r} already exists: {path}")
        if any(u.id == t.id for u in list_templates(user_dir=None)):
            raise FileExistsError(f"template {t.id!r} already exists in the library")
    data = t.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"schema": data.pop("schema"), **data}
    raw = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, raw)
    return path
