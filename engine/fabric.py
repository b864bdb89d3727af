"""Fabrics: switch tiers, scalable units and the links they need, generated from the layout.

A :class:`engine.model.Fabric` says which racks' GPU servers (or rack-scale
systems) join, which switch model serves each tier, the NIC speed, ports per
GPU, rails, the most tiers it may use, the oversubscription per tier, the
scalable-unit (SU) size and the network racks that hold the switches. This
module turns it into numbers (:func:`plan_fabric`, pure arithmetic), links
(:func:`wire_fabric`, arrays) and, for a whole layout, a :class:`Topology`
(:func:`build_topology`): every switch with its rack and U, every link group
with both ends, and per fabric the graph that :mod:`engine.bisection` cuts.

Where the rules come from
-------------------------
* Rail-optimized leaves: NIC ``r`` of every node of a scalable unit goes to
  the leaf of rail ``r``; leaves go to spines, spines to cores. NVIDIA DGX
  SuperPOD H100 RA: SU = 32 DGX H100 with 8 leaf + 4 spine QM9700 [S41][S81].
* The spine and core counts by SU count, including the non-linear step where
  the fabric turns 3-tier (8 SU: 64 leaf, 32 spine; 16 SU: 128 leaf, 128
  spine, 64 core), follow NVIDIA's SuperPOD compute-fabric table (DGX SuperPOD
  B200 RA, "DGX SuperPOD Architecture", same QM9700 NDR fabric and 32-node SU,
  https://docs.nvidia.com/dgx-superpod/reference-architecture-scalable-infrastructure-b200/latest/dgx-superpod-architecture.html):
  a 2-tier fabric holds as many leaves as a spine has ports; beyond that
  spines split their ports half down, half up (pods of ``down`` leaves and
  ``leaf up`` spines) and each group of same-position spines gets
  ``ceil(spine up x pods / core radix)`` cores. Where that number does not
  divide a switch's uplinks, the next divisor is used so every leaf (spine)
  has the same number of links to every spine (core) of its group: equal
  paths, as balanced fat-tree routing assumes; at 2^n SUs this changes nothing.
* The RA designs the full SU even when it is partly filled ("the fabric
  should be designed to support the full SU, including leaf switches and
  leaf-spine cables", DGX SuperPOD B300 RA, Network Fabrics), so leaves and
  leaf-spine cables come in whole SUs.
* k-ary fat-tree: k pods of k/2 edge and k/2 aggregation switches, (k/2)^2
  cores, k^3/4 hosts, 5k^2/4 switches (Al-Fares, Loukissas, Vahdat, "A
  scalable, commodity data center network architecture", SIGCOMM 2008). The
  same pod rule with a radix of k gives exactly that.

Examples
--------
>>> p = plan_fabric(np.full(32, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
>>> p.tiers, p.switches()
(2, {'leaf': 8, 'spine': 4, 'core': 0})
>>> plan_fabric(np.full(512, 8), rails=8, su_nodes=32, radix=(64, 64, 64)).switches()
{'leaf': 128, 'spine': 128, 'core': 64}
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from engine.arrayops import unique_sorted
from engine.catalog import Catalog
from engine.compile import ROLE_CODES, LayoutArrays
from engine.expr import divisor_at_least
from engine.memo import LastValue
from engine.model import Fabric, Layout

__all__ = [
    "TIER_NAMES",
    "RA_SPINES_BY_SU",
    "LINK_TIERS",
    "split_ports",
    "FabricPlan",
    "plan_fabric",
    "fabric_node_count",
    "round_robin",
    "FabricWiring",
    "wire_fabric",
    "free_slots",
    "FabricBuild",
    "Topology",
    "LinkOptics",
    "link_optics",
    "build_topology",
    "topology_key",
]

TIER_NAMES = ("leaf", "spine", "core")
#: spines of the DGX SuperPOD compute fabric (32-node SU, 8 rails, 64-port QM9700) by the
#: SU counts NVIDIA tabulates for a 2-tier fabric (DGX SuperPOD B200 RA, "DGX SuperPOD
#: Architecture", component-count table; 1 SU: 8 leaf + 4 spine [S41])
RA_SPINES_BY_SU = {1: 4, 2: 8, 4: 16, 8: 32}
LINK_TIERS = ("node_leaf", "leaf_spine", "spine_core", "explicit")


def split_ports(radix: int, oversubscription: float) -> tuple[int, int]:
    """Split a switch's ports into down and up ports for a down:up ratio.

    Examples
    --------
    >>> split_ports(64, 1.0), split_ports(64, 3.0), split_ports(4, 1.0)
    ((32, 32), (48, 16), (2, 2))
    """
    o = float(oversubscription)
    down = int(math.floor(radix * o / (1.0 + o) + 1e-9))
    down = min(max(down, 1), radix - 1)
    return down, radix - down


@dataclass(frozen=True)
class FabricPlan:
    """Switch counts and port split of one generated fabric.

    ``radix``, ``down`` and ``up`` are per tier (leaf, spine, core) in ports at
    the fabric's link speed. Leaves come in groups of ``leaves_per_group``
    per (SU, rail) for rail-optimized fabrics; 3-tier fabrics are ``pods`` of
    ``leaves_per_pod`` leaves and ``spines_per_pod`` spines, and each spine
    position has ``cores_per_group`` cores. A 2-tier rail-optimized fabric with more
    leaves than a spine has ports is built as ``planes`` (one per rail): the
    leaves of a rail meet only that rail's spines, and traffic between rails
    crosses inside the node (over NVLink, NVIDIA's PXN), as the DGX B300
    busbar-edition RA does at 16 SU with 256 leaves on 64-port spines.
    """

    topology: str
    tiers: int
    nodes: int
    ports: int
    rails: int
    su_nodes: int
    scalable_units: int
    radix: tuple[int, int, int]
    down: tuple[int, int, int]
    up: tuple[int, int, int]
    ports_per_rail: int
    leaves_per_group: int
    leaves: int
    spines: int
    cores: int
    pods: int
    leaves_per_pod: int
    spines_per_pod: int
    cores_per_group: int
    leaf_uplinks: int
    spine_uplinks: int
    problems: tuple[str, ...] = ()
    is_edited: bool = False
    planes: int = 1
    #: down ports a leaf is built to serve (its ratio to ``leaf_uplinks`` is the leaf's
    #: oversubscription; 0: all of ``down[0]``)
    leaf_down_used: int = 0

    def switches(self) -> dict[str, int]:
        """Return switch counts by tier."""
        return {"leaf": self.leaves, "spine": self.spines, "core": self.cores}

    def cables(self) -> dict[str, int]:
        """Return cable (link) counts by tier: node-leaf, leaf-spine, spine-core."""
        return {"node_leaf": self.ports,
                "leaf_spine": self.leaves * self.leaf_uplinks if self.tiers >= 2 else 0,
                "spine_core": self.spines_per_pod * int(self.pod_spine_uplinks().sum())
                if self.tiers >= 3 else 0}

    def pod_spine_uplinks(self) -> np.ndarray:
        """Return the uplinks of each pod's spines (3-tier; empty otherwise).

        A spine takes as many uplinks as its down links ask for at the spine tier's
        down:up ratio, at most ``spine_uplinks``: the spines of a pod that is not full
        (the last of 256 leaves in pods of 72) do not buy core links nobody sends to.

        Examples
        --------
        >>> p = plan_fabric(np.full(2304, 8), rails=8, su_nodes=144, radix=(144, 144, 144))
        >>> p.pods, p.leaves_per_pod, p.pod_spine_uplinks().tolist()
        (4, 72, [72, 72, 72, 40])
        >>> p.cables()["spine_core"] == p.cables()["leaf_spine"] == 18432
        True
        """
        if self.tiers < 3 or not self.pods:
            return np.zeros(0, np.int64)
        full = self.leaves_per_pod
        size = np.full(self.pods, full, np.int64)
        size[-1] = self.leaves - full * (self.pods - 1)
        pair = max(self.leaf_uplinks // max(self.spines_per_pod, 1), 1)
        down = size * pair
        ratio = self.down[1] / max(self.up[1], 1)
        return np.minimum(self.spine_uplinks, np.ceil(down / ratio - 1e-9)).astype(np.int64)

    def spine_note(self) -> str:
        """Say why a 2-tier fabric has more spines than its leaves' uplinks fill ("" if not).

        The spines divide each leaf's uplinks so every leaf has the same number of links
        to every spine (equal paths); where the fewest spines with the ports do not
        divide them, the next count that does is built. For the DGX SuperPOD's 32-node
        QM9700 scalable unit that is the RA table's count for the next SU count it
        tabulates (1, 2, 4, 8 SU: 4, 8, 16, 32 spines, see :data:`RA_SPINES_BY_SU`).

        Examples
        --------
        >>> plan_fabric(np.full(65, 8), rails=8, su_nodes=32, radix=(64, 64, 64)).spine_note()
        "16 spines, not the 12 with enough ports: a leaf's 32 uplinks split evenly over 16, \
2 to each; the DGX SuperPOD RA's count for up to 4 SU"
        >>> plan_fabric(np.full(64, 8), rails=8, su_nodes=32, radix=(64, 64, 64)).spine_note()
        ''
        """
        if self.tiers == 3:
            return self._partial_pod_note()
        if self.tiers != 2 or self.is_edited or not self.leaf_uplinks or not self.spines:
            return ""
        per = self.leaves // max(self.planes, 1)
        enough = self.planes * -(-per * self.leaf_uplinks // self.radix[1])
        if self.spines <= enough:
            return ""
        per_plane = self.spines // max(self.planes, 1)
        each = self.leaf_uplinks // per_plane
        text = (f"{self.spines:,} spines, not the {enough:,} with enough ports: a leaf's "
                f"{self.leaf_uplinks} uplinks split evenly over {per_plane:,}"
                + (" (its rail plane's)" if self.planes > 1 else "") + f", {each} to each")
        if (self.topology, self.rails, self.su_nodes, self.radix[1], self.leaf_uplinks,
                self.planes) == ("rail_optimized", 8, 32, 64, 32, 1):
            row = next((n for n in sorted(RA_SPINES_BY_SU) if n >= self.scalable_units), None)
            if row is not None and RA_SPINES_BY_SU[row] == self.spines:
                text += f"; the DGX SuperPOD RA's count for up to {row} SU"
        return text

    def _partial_pod_note(self) -> str:
        """Say that the last pod of a 3-tier fabric is built whole ("" if it is full).

        A pod's spines are bought with the pod: the last pod's leaves could be carried by
        fewer spines, but the pod then could not grow without recabling every leaf.

        Examples
        --------
        >>> plan_fabric(np.full(159, 8), rails=8, su_nodes=32, radix=(64, 64, 64),
        ...             collapse=False).spine_note()
        '64 spines in 2 pods of 32: the last pod has 8 of its 32 leaves and is built \
whole, ready to grow to 8 SU; 8 spines would carry its leaves alone'
        >>> plan_fabric(np.full(255, 8), rails=8, su_nodes=32, radix=(64, 64, 64),
        ...             collapse=False).spine_note()
        ''
        """
        if self.is_edited or not self.pods or not self.leaves_per_pod:
            return ""
        last = self.leaves - self.leaves_per_pod * (self.pods - 1)
        if last >= self.leaves_per_pod:
            return ""
        need = -(-last * self.leaf_uplinks // max(self.down[1], 1))
        if need >= self.spines_per_pod:
            return ""
        per_su = self.rails * self.leaves_per_group if self.topology == "rail_optimized" \
            else 0
        room = (f"{self.pods * self.leaves_per_pod // per_su} SU"
                if per_su and self.leaves_per_pod % per_su == 0
                else f"{self.pods * self.leaves_per_pod:,} leaves")
        return (f"{self.spines:,} spines in {self.pods} pods of {self.spines_per_pod}: the "
                f"last pod has {last} of its {self.leaves_per_pod} leaves and is built "
                f"whole, ready to grow to {room}; {need} spines would carry its leaves "
                "alone")

    def oversubscription(self) -> dict[str, float]:
        """Return the design down:up ratio of each tier that has uplinks."""
        out = {}
        if self.tiers >= 2 and self.leaf_uplinks:
            out["leaf"] = round((self.leaf_down_used or self.down[0]) / self.leaf_uplinks, 4)
        if self.tiers >= 3 and self.spine_uplinks:
            out["spine"] = round(self.down[1] / self.spine_uplinks, 4)
        return out


def plan_fabric(node_ports: np.ndarray, *, topology: str = "rail_optimized", rails: int = 8,
                su_nodes: int = 32, radix: tuple[int, ...] = (64, 64, 64),
                oversubscription: tuple[float, ...] = (1.0, 1.0, 1.0), max_tiers: int = 3,
                collapse: bool = True,
                counts: tuple[int | None, ...] = (None, None, None),
                pair_links: int | None = None) -> FabricPlan:
    """Size a leaf/spine/core fabric for nodes with ``node_ports`` ports each.

    Parameters
    ----------
    node_ports : ndarray of int, shape (n_nodes,)
        Fabric ports of each member node, in fabric order.
    topology : {"rail_optimized", "fat_tree", "clos"}
        Rail-optimized groups ports by (SU, rail); the others fill leaves node by node.
    rails, su_nodes : int
        Rails and nodes per scalable unit (rail-optimized only).
    radix : tuple of int
        Ports per switch of each tier at the link speed (leaf, spine, core).
    oversubscription : tuple of float
        Down:up port ratio of the leaf and spine tiers (fat-trees use 1).
    max_tiers : int
        Tiers declared (1 to 3); ``collapse`` uses fewer when the fabric fits.
    counts : tuple of int or None
        Forced switch counts; honoured for the spine tier of a 2-tier fabric and
        the core tier of a 3-tier one (the fabric is then an edited one).
    pair_links : int, optional
        Links from each leaf to each spine of its group: pods of ``spine down /
        pair_links`` leaves and ``leaf up / pair_links`` spines. A fabric whose
        leaves fit one pod, or (rail-optimized) each rail's leaves one pod, is
        built in 2 tiers from those pods (rail planes) when ``collapse`` allows.

    Returns
    -------
    FabricPlan

    Examples
    --------
    k-ary fat-tree (Al-Fares et al. 2008): k^3/4 hosts, 5k^2/4 switches.

    >>> p = plan_fabric(np.ones(16, int), topology="fat_tree", radix=(4, 4, 4))
    >>> p.switches(), sum(p.switches().values()) == 5 * 4 ** 2 // 4
    ({'leaf': 8, 'spine': 8, 'core': 4}, True)
    """
    node_ports = np.asarray(node_ports, np.int64)
    r = tuple(int(x) for x in (list(radix) + [radix[-1]] * 3)[:3])
    o = tuple(float(x) for x in (list(oversubscription) + [1.0] * 3)[:3])
    if topology == "fat_tree":
        o = (1.0, 1.0, 1.0)
    forced = tuple((list(counts) + [None] * 3)[:3])
    n = len(node_ports)
    ports = int(node_ports.sum())
    problems: list[str] = []
    max_tiers = max(1, min(3, int(max_tiers)))
    if max_tiers == 1:
        d0, u0 = r[0], 0
    else:
        d0, u0 = split_ports(r[0], o[0])
    n_su = -(-n // max(su_nodes, 1)) if n else 0
    if topology == "rail_optimized":
        ppr = -(-int(node_ports.max()) // rails) if n else 0
        most = int(node_ports.max()) if n else 0
        if most and most % rails:
            # NIC r of every node goes to rail r: a rail count that does not divide the
            # ports leaves some rails a port short on every node, and leaves idle ports
            problems.append(f"{rails} rails do not divide the {most} scale-out ports of a "
                            f"node: each rail is built for {ppr} of a node's ports and "
                            f"{rails * ppr - most} of every node's share stay empty; a "
                            f"rail-optimized fabric takes rails that divide the ports "
                            f"({', '.join(str(k) for k in range(1, most + 1) if most % k == 0)})")
        lpg = -(-su_nodes * ppr // d0) if ppr else 0
        leaves = n_su * rails * lpg
    else:
        ppr, lpg = 0, 0
        leaves = -(-ports // d0)
    tiers, planes = 1, 1
    # leaves and spines of a pod when the spine tier fixes the links per pair
    pod_l = pod_s = 0
    if pair_links and max_tiers >= 2:
        d1p = r[1] if max_tiers == 2 else split_ports(r[1], o[1])[0]
        if u0 % pair_links or d1p % pair_links or d1p < pair_links:
            problems.append(f"{pair_links} links per leaf-spine pair divide neither the "
                            f"{u0} leaf uplinks nor the {d1p} spine down ports; ignored")
        else:
            pod_l, pod_s = d1p // pair_links, u0 // pair_links
    if max_tiers >= 2 and leaves > 1:
        if pod_l:
            # one pod holds every leaf, or each rail's leaves (the rails meet in the nodes)
            per_rail = leaves // rails if topology == "rail_optimized" and rails > 1 \
                and leaves % rails == 0 else 0
            fits2 = leaves <= pod_l or 0 < per_rail <= pod_l
        else:
            fits2 = leaves <= r[1]
        tiers = 2 if (max_tiers == 2 or (collapse and fits2)) else 3
        if tiers == 2 and pod_l and fits2 and leaves > pod_l:
            planes = rails  # each rail's leaves are one pod, on their own spines
        elif tiers == 2 and not fits2 and not pod_l and topology == "rail_optimized" \
                and rails > 1 and leaves % rails == 0 and leaves // rails <= r[1]:
            planes = rails  # a declared 2-tier fabric too wide for one spine: rail planes
        elif tiers == 2 and not fits2:
            problems.append(f"{leaves} leaves exceed the {r[1]}-port spine of a 2-tier fabric; "
                            "declare a core tier")
    elif max_tiers == 1 and leaves > 1:
        problems.append(f"{leaves} leaves and no spine tier: the leaves are not connected")
    # the down ports the fullest leaf is built to serve (leaves fill port by port): all
    # of them, unless a rail's share of a full SU needs fewer (the RA wires the whole
    # SU even where a node position is left empty [S41])
    used = min(d0, su_nodes * ppr if topology == "rail_optimized" else ports)
    if tiers == 1:
        u0 = 0
    elif not pod_l:
        # the uplinks the leaf's down:up ratio asks for (a leaf larger than its share of
        # the SU needs no more): never more spines for fewer uplinks
        u_need = min(u0, max(1, math.ceil(used / o[0] - 1e-9)))
        if tiers == 2:
            # every leaf gets the same number of links to every spine, so all paths are
            # equal: the spines divide the uplinks; of the uplink counts from the one
            # asked for to all the leaf has, take the fewest spines (then fewest links)
            per = leaves // planes
            best_s, best_u = None, u_need
            for u in range(u_need, u0 + 1):
                lower = -(-per * u // r[1])  # the spines their ports need at least
                if best_s is not None and lower > best_s:
                    break  # more uplinks can only need more spines from here
                s_u = divisor_at_least(u, lower)
                if best_s is None or s_u < best_s:  # a tie keeps the fewer uplinks
                    best_s, best_u = s_u, u
            u0 = best_u
        else:
            u0 = u_need  # a 3-tier pod has one spine per leaf uplink
    spines = cores = pods = lp = sp = cg = 0
    u1 = 0
    d1 = r[1]
    edited = False
    leaf_up = u0
    if tiers == 2:
        # the spine count is the smallest divisor of the leaf uplinks that gives enough
        # spine ports (1 SU: 32 uplinks over 4 spines [S41])
        per = leaves // planes
        spines = planes * (pod_s if pod_l and leaves <= planes * pod_l else
                           divisor_at_least(u0, -(-per * u0 // r[1])))
        if forced[1] is not None and forced[1] != spines:
            spines, edited = max(int(forced[1]) // planes, 1) * planes, True
            leaf_up = min(u0, spines // planes * r[1] // per)
            if spines != forced[1]:
                problems.append(f"spine count {forced[1]} taken as {spines}: each of the "
                                f"{planes} rail planes has the same number of spines")
        pods, lp, sp = 1, leaves, spines
    elif tiers == 3:
        d1, u1 = split_ports(r[1], o[1])
        lp, sp = (pod_l, pod_s) if pod_l else (d1, u0)
        pods = -(-leaves // lp)
        spines = pods * sp
        cg = divisor_at_least(u1, -(-u1 * pods // r[2]))
        if pods > r[2]:
            problems.append(f"{pods} pods exceed the {r[2]}-port core: every core must reach "
                            "every pod")
        if forced[2] is not None and forced[2] != sp * cg:
            cg, edited = max(int(forced[2]) // sp, 1), True
            u1 = min(u1, cg * r[2] // pods)
            if sp * cg != forced[2]:
                problems.append(f"core count {forced[2]} taken as {sp * cg}: every one of "
                                f"the {sp} spines of a pod has its own core group")
        cores = sp * cg
    if forced[0] is not None and forced[0] != leaves:
        problems.append(f"leaf count {forced[0]} ignored: leaves follow the member nodes "
                        f"({leaves})")
    return FabricPlan(topology=topology, tiers=tiers, nodes=n, ports=ports, rails=rails,
                      su_nodes=su_nodes, scalable_units=n_su, radix=r,
                      down=(d0, d1 if tiers == 3 else r[1], r[2]), up=(u0, u1, 0),
                      ports_per_rail=ppr, leaves_per_group=lpg, leaves=leaves, spines=spines,
                      cores=cores, pods=pods, leaves_per_pod=lp, spines_per_pod=sp,
                      cores_per_group=cg, leaf_uplinks=leaf_up, spine_uplinks=u1,
                      problems=tuple(problems), is_edited=edited, planes=planes,
                      leaf_down_used=used if tiers >= 2 else 0)


def round_robin(n_src: int, links_per_src: int, n_dst: int):
    """Spread ``links_per_src`` links of each source over ``n_dst`` targets in turn.

    Returns link groups ``(src, dst, count)``; source ``i`` starts at target
    ``i * links_per_src mod n_dst`` so every target gets an equal share.

    Examples
    --------
    >>> s, d, c = round_robin(2, 4, 2)
    >>> s.tolist(), d.tolist(), c.tolist()
    ([0, 0, 1, 1], [0, 1, 0, 1], [2, 2, 2, 2])
    """
    if n_src <= 0 or links_per_src <= 0 or n_dst <= 0:
        e = np.zeros(0, np.int64)
        return e, e, e
    g = min(links_per_src, n_dst)
    base, rem = divmod(links_per_src, n_dst)
    src = np.repeat(np.arange(n_src, dtype=np.int64), g)
    k = np.tile(np.arange(g, dtype=np.int64), n_src)
    off = (np.arange(n_src, dtype=np.int64) * links_per_src) % n_dst
    dst = (off[src] + k) % n_dst
    cnt = (base + (k < rem)).astype(np.int64) if links_per_src >= n_dst else np.ones_like(k)
    return src, dst, cnt


@dataclass
class FabricWiring:
    """Links of a planned fabric in local numbering.

    Ports: ``port_node`` (node position), ``port_index`` (port of that node),
    ``port_leaf`` and ``port_pos`` (the port's place among its leaf's down ports, from 0:
    fixed by the node position, so a node position left empty leaves its ports free
    and the others keep theirs). Switch-to-switch link groups: ``ls_leaf, ls_spine, ls_count``
    and ``sc_spine, sc_core, sc_count``; ``pod_of_leaf`` and ``pod_of_spine``
    group 3-tier fabrics.
    """

    port_node: np.ndarray
    port_index: np.ndarray
    port_leaf: np.ndarray
    port_pos: np.ndarray
    ls_leaf: np.ndarray
    ls_spine: np.ndarray
    ls_count: np.ndarray
    sc_spine: np.ndarray
    sc_core: np.ndarray
    sc_count: np.ndarray
    pod_of_leaf: np.ndarray
    pod_of_spine: np.ndarray

    def leaf_ports(self, n_leaves: int) -> np.ndarray:
        """Return node ports per leaf."""
        return np.bincount(self.port_leaf, minlength=n_leaves).astype(np.int64)


def wire_fabric(plan: FabricPlan, node_ports: np.ndarray,
                slot_ports: np.ndarray | None = None) -> FabricWiring:
    """Generate the links of ``plan`` for nodes with ``node_ports`` ports each.

    Rail-optimized: port ``p`` of the ``j``-th node of SU ``s`` is on rail
    ``p mod rails`` and goes to leaf ``(s * rails + rail) * leaves_per_group +
    (j * ports_per_rail + p // rails) // down``. Other topologies fill leaves
    port by port, node by node, each node position taking ``slot_ports`` of the
    leaves' ports (default ``node_ports``: an empty position, with no ports of
    its own, can keep its place for the nodes after it). Leaves spread their uplinks over the spines in
    turn (2-tier) or go once to every spine of their pod (3-tier, pods taken
    rail by rail); same-position spines of all pods share a core group.

    Examples
    --------
    >>> p = plan_fabric(np.full(32, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    >>> w = wire_fabric(p, np.full(32, 8))
    >>> int(w.ls_count.sum()), np.bincount(w.port_leaf).tolist()
    (256, [32, 32, 32, 32, 32, 32, 32, 32])
    """
    node_ports = np.asarray(node_ports, np.int64)
    n = len(node_ports)
    port_node = np.repeat(np.arange(n, dtype=np.int64), node_ports)
    start = np.cumsum(node_ports) - node_ports
    p = np.arange(len(port_node), dtype=np.int64) - start[port_node]
    d0 = plan.down[0]
    if plan.topology == "rail_optimized" and plan.leaves:
        su = port_node // plan.su_nodes
        j = port_node % plan.su_nodes
        rail = p % plan.rails
        q = j * plan.ports_per_rail + p // plan.rails
        leaf = (su * plan.rails + rail) * plan.leaves_per_group + q // d0
        port_pos = q % d0
        lid = np.arange(plan.leaves, dtype=np.int64)
        k = lid % plan.leaves_per_group
        grp = lid // plan.leaves_per_group
        s, r = grp // plan.rails, grp % plan.rails
        rank = (r * plan.scalable_units + s) * plan.leaves_per_group + k
    else:
        held = node_ports if slot_ports is None else np.asarray(slot_ports, np.int64)
        at = (np.cumsum(held) - held)[port_node] + p
        leaf, port_pos = at // d0, at % d0
        rank = np.arange(plan.leaves, dtype=np.int64)
    e = np.zeros(0, np.int64)
    ls_l = ls_s = ls_c = sc_s = sc_c = sc_n = e
    pod_of_leaf = np.zeros(plan.leaves, np.int64)
    pod_of_spine = np.zeros(plan.spines, np.int64)
    if plan.tiers == 2 and plan.planes > 1:
        # rail planes: the leaves of a rail (consecutive ranks) share that rail's spines
        per, spp = plan.leaves // plan.planes, plan.spines // plan.planes
        src, dst, cnt = round_robin(per, plan.leaf_uplinks, spp)
        by_rank = np.argsort(rank, kind="stable")
        plane = np.repeat(np.arange(plan.planes, dtype=np.int64), len(src))
        ls_l = by_rank[plane * per + np.tile(src, plan.planes)]
        ls_s = plane * spp + np.tile(dst, plan.planes)
        ls_c = np.tile(cnt, plan.planes)
        pod_of_leaf = np.empty(plan.leaves, np.int64)
        pod_of_leaf[by_rank] = np.arange(plan.leaves, dtype=np.int64) // per
        pod_of_spine = np.arange(plan.spines, dtype=np.int64) // spp
    elif plan.tiers == 2:
        ls_l, ls_s, ls_c = round_robin(plan.leaves, plan.leaf_uplinks, plan.spines)
    elif plan.tiers == 3:
        lp, sp = plan.leaves_per_pod, plan.spines_per_pod
        pod_of_leaf = rank // lp
        ls_l = np.repeat(np.arange(plan.leaves, dtype=np.int64), sp)
        g = np.tile(np.arange(sp, dtype=np.int64), plan.leaves)
        ls_s = pod_of_leaf[ls_l] * sp + g
        ls_c = np.full(len(ls_l), max(plan.leaf_uplinks // sp, 1), np.int64)
        pod_of_spine = np.arange(plan.spines, dtype=np.int64) // sp
        # each pod's spines spread their uplinks over their core group in turn, each pod
        # starting where the one before stopped (a pod that is not full takes fewer)
        ups, cg = plan.pod_spine_uplinks(), plan.cores_per_group
        parts = [round_robin(1, int(u), cg) for u in ups]
        src_p = np.repeat(np.arange(len(ups), dtype=np.int64), [len(q[0]) for q in parts])
        start = np.repeat(np.cumsum(ups) - ups, [len(q[0]) for q in parts])
        dst_c = (np.concatenate([q[1] for q in parts]) + start) % max(cg, 1) if parts else \
            np.zeros(0, np.int64)
        cnt = np.concatenate([q[2] for q in parts]) if parts else np.zeros(0, np.int64)
        pos = np.repeat(np.arange(sp, dtype=np.int64), len(src_p))
        sc_s = np.tile(src_p, sp) * sp + pos
        sc_c = pos * plan.cores_per_group + np.tile(dst_c, sp)
        sc_n = np.tile(cnt, sp)
    return FabricWiring(port_node=port_node, port_index=p, port_leaf=leaf, port_pos=port_pos,
                        ls_leaf=ls_l,
                        ls_spine=ls_s, ls_count=ls_c, sc_spine=sc_s, sc_core=sc_c, sc_count=sc_n,
                        pod_of_leaf=pod_of_leaf, pod_of_spine=pod_of_spine)


def free_slots(is_free: np.ndarray, height_u: int) -> np.ndarray:
    """Return the lowest U (1-based) of non-overlapping free slots of ``height_u``, bottom up.

    Examples
    --------
    >>> free_slots(np.array([True, True, False, True, True, True]), 2).tolist()
    [1, 4]
    """
    f = np.concatenate([[0], np.asarray(is_free, np.int8), [0]])
    dif = np.diff(f)
    starts = np.flatnonzero(dif == 1)
    ends = np.flatnonzero(dif == -1)
    per = (ends - starts) // max(height_u, 1)
    total = int(per.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    first = np.cumsum(per) - per
    k = np.arange(total, dtype=np.int64) - np.repeat(first, per)
    return np.repeat(starts, per) + k * height_u + 1


# -- the layout's fabrics --------------------------------------------------------------------


@dataclass
class FabricBuild:
    """One fabric of the layout as built: plan, nodes, vertices and problems.

    The fabric graph numbers its vertices: endpoints first (GPUs for a
    scale-out fabric, nodes otherwise; ``n_endpoints`` of them), then its
    switches (in the order of the topology's switch table slice
    ``sw_start:sw_stop``), then other devices that explicit links bring in.
    """

    index: int
    id: str
    name: str
    purpose: str
    topology: str
    link_gbps: float
    plan: FabricPlan | None
    node_dev: np.ndarray
    n_gpus: int
    n_endpoints: int
    n_vertices: int
    sw_start: int
    sw_stop: int
    leaf_ports: np.ndarray
    is_edited: bool
    network_racks: list[int]
    ep_first: np.ndarray
    wiring: FabricWiring | None = None


@dataclass
class Topology:
    """Every fabric switch and link of a layout, as arrays.

    Switch table (one row per switch, installed or generated): ``sw_fabric``,
    ``sw_tier`` (index into :data:`TIER_NAMES`), ``sw_model`` (index into
    ``models``), ``sw_rack`` (-1 when no network rack had room), ``sw_u``,
    ``sw_height_u``, ``sw_dev`` (device row of an installed switch, else -1),
    ``sw_radix`` (ports at the fabric's link speed), ``sw_power_w`` (of
    generated switches; installed ones are already in the rack's power).

    Link groups (parallel links with the same two ends): ``lk_fabric`` (-1
    for explicit links in no fabric), ``lk_tier`` (index into
    :data:`LINK_TIERS`), ``lk_count``, ``lk_gbps``, ``lk_a_rack``/``lk_b_rack``,
    ``lk_a_u``/``lk_b_u`` (port height in U above the floor),
    ``lk_a_vtx``/``lk_b_vtx`` (vertices of the fabric graph), ``lk_a_ref``/``lk_b_ref``
    (device row, or ``-(switch + 1)``, to name the ends), ``lk_medium`` (forced
    medium id or ""), ``lk_length_m`` (forced length or NaN), ``lk_link_id``,
    ``lk_lane_gbps`` (the electrical lane rate of its switch ends, 100 or 200 for XDR,
    which picks the media family), ``lk_a_cage``/``lk_b_cage`` (the links one
    transceiver module serves at each end: 2 in a twin-port cage or a port broken out
    into two links) and ``lk_a_paid``/``lk_b_paid`` (whether that end's optics draw
    power the device's own figure leaves out, :attr:`DeviceType.power_includes_optics`);
    :func:`link_optics` derives the modules and paid ends from them.
    """

    key: str
    models: list[str]
    sw_fabric: np.ndarray
    sw_tier: np.ndarray
    sw_model: np.ndarray
    sw_rack: np.ndarray
    sw_u: np.ndarray
    sw_height_u: np.ndarray
    sw_dev: np.ndarray
    sw_radix: np.ndarray
    sw_power_w: np.ndarray
    lk_fabric: np.ndarray
    lk_tier: np.ndarray
    lk_count: np.ndarray
    lk_gbps: np.ndarray
    lk_a_rack: np.ndarray
    lk_b_rack: np.ndarray
    lk_a_u: np.ndarray
    lk_b_u: np.ndarray
    lk_a_vtx: np.ndarray
    lk_b_vtx: np.ndarray
    lk_a_ref: np.ndarray
    lk_b_ref: np.ndarray
    lk_medium: np.ndarray
    lk_length_m: np.ndarray
    lk_link_id: np.ndarray
    lk_lane_gbps: np.ndarray
    lk_a_cage: np.ndarray
    lk_b_cage: np.ndarray
    lk_a_paid: np.ndarray
    lk_b_paid: np.ndarray
    fabrics: list[FabricBuild]
    problems: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    #: device rows of the installed switches no fabric tier takes
    idle_switch_rows: np.ndarray | None = None
    #: generated switches that found no free U: counted (power, weight) in a rack of the
    #: fabric, drawn at its top, but standing in none
    sw_roomless: np.ndarray | None = None
    #: a generated node link's place among its leaf's down ports (from 0; -1 for other
    #: links), and each switch's down ports (a leaf's; 0 for other switches): a node
    #: position left empty leaves its ports free, so the others keep their port numbers
    lk_b_port: np.ndarray | None = None
    sw_down_ports: np.ndarray | None = None
    #: the ports a drawn link's ends name in the layout (``Endpoint.port``), by link id:
    #: ``(a, b)``, None for an end that names none; the cut-sheet puts the link there
    #: when the device has that port free
    lk_port_names: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    @property
    def n_switches(self) -> int:
        """Number of fabric switches."""
        return len(self.sw_tier)

    @property
    def unassigned_switches(self) -> int:
        """Number of installed switches no fabric tier takes."""
        return 0 if self.idle_switch_rows is None else len(self.idle_switch_rows)

    @property
    def n_links(self) -> int:
        """Number of link groups."""
        return len(self.lk_tier)


def device_pairs(topo: Topology, idx: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return, per link group (of ``idx``, default all), the id of the pair of devices it
    joins (either way round) and how many links join that pair in all (among ``idx``).

    Two links in one twin-port cage ride one copper cable only when they run to the
    same device; a pair joined by a single link cannot pair it so.

    Examples
    --------
    >>> t = type("T", (), {})()
    >>> t.lk_a_ref, t.lk_b_ref = np.array([0, 1, 0, 5]), np.array([-1, -1, -1, -2])
    >>> t.lk_count = np.array([1, 1, 1, 3])
    >>> pair, links = device_pairs(t)
    >>> pair.tolist(), links.tolist()
    ([0, 1, 0, 2], [2, 1, 2, 3])
    """
    a, b = np.asarray(topo.lk_a_ref, np.int64), np.asarray(topo.lk_b_ref, np.int64)
    count = np.asarray(topo.lk_count, np.float64)
    if idx is not None:
        a, b, count = a[idx], b[idx], count[idx]
    if not len(a):
        e = np.zeros(0, np.int64)
        return e, e
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # one integer per pair (refs run from -switches to devices): a 1-D unique is a sort
    base = int(min(lo.min(), 0))
    span = int(hi.max()) - base + 1
    _, first, pair = np.unique((lo - base) * span + (hi - base), return_index=True,
                               return_inverse=True)
    pair = pair.reshape(-1)
    # numbered in the order pairs first appear, so ports follow the links' order
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    pair = rank[pair]
    links = np.bincount(pair, weights=count).astype(np.int64)
    return pair, links[pair]


@dataclass(frozen=True)
class LinkOptics:
    """What links' optics take and draw, per link (from :func:`link_optics`).

    ``paid_ends`` (0-2): ends whose optics draw power the device's own figure
    leaves out; ``paid_shared``: those of them in a module that serves two
    links; ``modules``: transceiver modules the link takes (1 at a single-port
    end, 1/2 where a module serves two links); ``shared_modules``: the part of
    ``modules`` in such two-link modules.
    """

    paid_ends: np.ndarray
    paid_shared: np.ndarray
    modules: np.ndarray
    shared_modules: np.ndarray


def link_optics(topo: Topology, idx: np.ndarray | slice = slice(None)) -> LinkOptics:
    """Return the optics of link groups ``idx`` (all by default) from their two ends.

    Examples
    --------
    >>> t = Topology.__new__(Topology)
    >>> t.lk_a_cage, t.lk_b_cage = np.array([2, 1]), np.array([2, 1])
    >>> t.lk_a_paid, t.lk_b_paid = np.array([True, True]), np.array([False, True])
    >>> o = link_optics(t)
    >>> o.modules.tolist(), o.paid_ends.tolist(), o.paid_shared.tolist()
    ([1.0, 2.0], [1, 2], [1, 0])
    """
    ac, bc = topo.lk_a_cage[idx], topo.lk_b_cage[idx]
    ap, bp = topo.lk_a_paid[idx], topo.lk_b_paid[idx]
    a2, b2 = ac > 1, bc > 1
    return LinkOptics(paid_ends=ap.astype(np.int64) + bp,
                      paid_shared=(ap & a2).astype(np.int64) + (bp & b2),
                      modules=1.0 / ac + 1.0 / bc,
                      shared_modules=a2 / ac + b2 / bc)


def topology_key(layout: Layout, arr: LayoutArrays) -> str:
    """Return a digest of everything the topology depends on (not positions).

    Moving a rack keeps the key; adding a server, editing a fabric or a link
    changes it.
    """
    import hashlib

    if arr.structure_digest is None:
        h = hashlib.blake2b(digest_size=16)
        for a in (arr.dev_rack, arr.dev_type, arr.dev_u, arr.rack_height_u):
            h.update(np.ascontiguousarray(a).tobytes())
            h.update(b"|")
        h.update("\x1f".join(arr.types.ids).encode())
        h.update(b"|")
        h.update("\x1f".join(arr.rack_ids).encode())
        arr.structure_digest = h.hexdigest()

    def design_digest() -> str:
        h = hashlib.blake2b(digest_size=16)
        for f in layout.fabrics:
            h.update(f.model_dump_json().encode())
        h.update(b"|")
        for lk in layout.links:
            h.update(lk.model_dump_json().encode())
        return h.hexdigest()

    # an edit that keeps the fabric and link objects keeps their digest
    design = _DESIGN_MEMO.get((*layout.fabrics, None, *layout.links), design_digest)
    return f"{arr.structure_digest}:{design}"


_DESIGN_MEMO: LastValue[str] = LastValue()


def _link_speed_radix(catalog: Catalog, switch_id: str, radix: int | None,
                      port_gbps: float | None, link_gbps: float) -> tuple[int, int, float, str]:
    """Return (logical radix at link speed, height U, power W, problem) for a tier's switch."""
    dev = catalog.devices.get(switch_id)
    if dev is None or dev.role != "switch":
        return 0, 1, 0.0, f"switch model {switch_id!r} is not a switch of the catalog"
    height = dev.u_height or 1
    power = dev.power_max_w.v(dev.power_typical_w.v())
    if radix is not None:
        return int(radix), height, power, ""
    return ports_at_speed(dev, port_gbps, link_gbps), height, power, ""


def ports_at_speed(dev, port_gbps: float | None, link_gbps: float) -> int:
    """Return a switch's ports at ``link_gbps``: its cages broken out, or bonded.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> sw = load_catalog(user_dir=None).devices["arista-7060x6-64pe"]
    >>> ports_at_speed(sw, 400, 400), ports_at_speed(sw, None, 400)
    (64, 128)
    """
    phys = dev.switch_ports
    speed = port_gbps or dev.switch_port_speed_gbps or link_gbps
    if speed >= link_gbps:
        return int(phys * math.floor(speed / link_gbps + 1e-9))
    return int(phys // math.ceil(link_gbps / speed - 1e-9))


def _tray_mid_u(catalog: Catalog, type_id: str) -> float:
    """Mean port height (U above the frame's foot) of a rack-scale system's compute trays
    where the catalog places them (``DeviceType.bays``), else NaN."""
    d = catalog.devices.get(type_id)
    us = d.tray_u() if d is not None else []
    return float(np.mean(us)) - 0.5 if us else float("nan")


class _Builder:
    """Accumulates switches and links while the fabrics of a layout are built."""

    def __init__(self, layout: Layout, catalog: Catalog, arr: LayoutArrays) -> None:
        self.layout, self.catalog, self.arr = layout, catalog, arr
        tt = arr.types
        self.dev_role = tt.role[arr.dev_type]
        self.dev_h = np.where(self.dev_role == ROLE_CODES["rack_system"],
                              arr.rack_height_u[arr.dev_rack] if len(arr.dev_rack) else 0,
                              tt.u_height[arr.dev_type])
        # port height of a device: the middle of its U span; a rack-scale system's ports
        # are on its compute trays, whose mean height is used where the catalog places them
        self.dev_mid_u = arr.dev_u - 1 + self.dev_h / 2.0
        tray_mid = np.array([_tray_mid_u(catalog, t) for t in tt.ids] or [np.nan])
        on_trays = np.isfinite(tray_mid[arr.dev_type]) if len(arr.dev_type) else \
            np.zeros(0, bool)
        if on_trays.any():
            self.dev_mid_u = np.where(on_trays, arr.dev_u - 1 + np.nan_to_num(
                tray_mid[arr.dev_type]), self.dev_mid_u)
        self.models: list[str] = []
        self.sw: dict[str, list] = {k: [] for k in ("fabric", "tier", "model", "rack", "u", "h",
                                                   "dev", "radix", "power", "roomless")}
        self.lk: dict[str, list] = {k: [] for k in ("fabric", "tier", "count", "gbps", "a_rack",
                                                   "b_rack", "a_u", "b_u", "a_vtx", "b_vtx",
                                                   "a_ref", "b_ref", "medium", "length",
                                                   "link_id", "b_port")}
        self.problems: list[tuple[str, str, str, tuple[str, ...]]] = []
        self.consumed = np.zeros(len(arr.dev_rack), bool)
        self.n_sw = 0
        self._occ = np.zeros((0, 1), bool)
        self._gen_u = np.zeros(0, np.int64)
        self._net_row = np.full(arr.n_racks, -1, np.int64)

    # -- switch placement ----------------------------------------------------------------

    def prepare_racks(self, racks: np.ndarray) -> None:
        """Build the free-U table (one row per rack, column 0 is U1) of the network racks."""
        arr = self.arr
        racks = unique_sorted(np.asarray(racks, np.int64))
        self._net_row = np.full(arr.n_racks, -1, np.int64)
        self._net_row[racks] = np.arange(len(racks))
        hmax = int(arr.rack_height_u[racks].max()) if len(racks) else 1
        occ = np.arange(hmax)[None, :] < arr.rack_height_u[racks][:, None]
        rows = np.flatnonzero(self._net_row[arr.dev_rack] >= 0) if len(racks) else \
            np.zeros(0, np.int64)
        span = np.maximum(self.dev_h[rows].astype(np.int64), 0)
        rep = np.repeat(rows, span)
        off = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
        col = arr.dev_u[rep] - 1 + off
        ok = (col >= 0) & (col < hmax)
        occ[self._net_row[arr.dev_rack[rep[ok]]], col[ok]] = False
        self._occ = occ
        self._gen_u = np.zeros(len(racks), np.int64)  # U of generated switches aimed here

    def place(self, n: int, height: int, racks: list[int],
              balance: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Place ``n`` switches of ``height`` U into the racks' free U, spread block-wise.

        Switch ``i`` aims at rack ``i * len(racks) // n`` (so one SU's leaves
        share a rack, as in the SuperPOD rack layouts) and overflows to the next
        racks with room; each rack fills bottom up. With ``balance`` the racks
        with the fewest U of generated switches aimed at them so far take them
        first, so a tier placed after another evens out the switches (and the
        power) per rack. Other hardware installed in a rack (a patch panel, a
        console server) takes only the U it stands in: the switches it displaces
        go to the next racks with room, and no other switch changes rack.
        Returns rack and U per switch (-1, 0 when unplaced).
        """
        rack_out = np.full(n, -1, np.int64)
        u_out = np.zeros(n, np.int64)
        if n == 0 or not racks:
            return rack_out, u_out
        racks_a = np.asarray(racks, np.int64)
        rows = self._net_row[racks_a]
        free = self._occ[rows]
        k = len(rows)
        pad = np.zeros((k, 1), np.int8)
        d = np.diff(np.concatenate([pad, free.astype(np.int8), pad], axis=1), axis=1)
        rs, cs = np.nonzero(d == 1)
        _, ce = np.nonzero(d == -1)
        per = (ce - cs) // max(height, 1)
        cap = np.bincount(rs, weights=per, minlength=k).astype(np.int64)
        if balance:
            room = (self.arr.rack_height_u[racks_a] - self._gen_u[rows]) // max(height, 1)
            want = _even_out(np.maximum(room, 0), n)
        else:
            want = np.bincount((np.arange(n) * k) // n, minlength=k)
        # each rack keeps the switches aimed at it while it has room; the ones it has no
        # room for go to the racks with slots to spare, in rack order, and no other
        # switch changes rack
        kept = np.minimum(want, cap)
        spare = cap - kept
        moved = int(want.sum() - kept.sum())
        take = kept + np.minimum(spare, np.maximum(moved - (np.cumsum(spare) - spare), 0))
        total = int(per.sum())
        slot_rack = np.repeat(rs, per)
        first = np.repeat(np.cumsum(per) - per, per)
        slot_u = np.repeat(cs, per) + height * (np.arange(total) - first) + 1
        rank = np.arange(total) - (np.cumsum(cap) - cap)[slot_rack]
        use = rank < take[slot_rack]
        home = rank < kept[slot_rack]
        start = np.cumsum(want) - want  # the first switch aimed at each rack
        sw = np.empty(total, np.int64)
        sw[home] = start[slot_rack[home]] + rank[home]
        over = want - kept  # per rack, the switches it sends on, in switch order
        out_sw = np.repeat(start + kept, over) + (np.arange(int(over.sum()))
                                                  - np.repeat(np.cumsum(over) - over, over))
        away = use & ~home
        sw[away] = out_sw[:int(away.sum())]
        rack_out[sw[use]] = racks_a[slot_rack[use]]
        u_out[sw[use]] = slot_u[use]
        cols = (slot_u[use] - 1)[:, None] + np.arange(height)[None, :]
        self._occ[rows[slot_rack[use]][:, None], cols] = False
        # the next tier shares the racks out by the switches aimed at them, wherever
        # these went, so hardware that displaces some moves no other tier's switches
        np.add.at(self._gen_u, rows, want * height)
        return rack_out, u_out

    def installed(self, model: str, racks: list[int], n: int) -> np.ndarray:
        """Take up to ``n`` unused installed switches of ``model`` in ``racks`` (rack, U order)."""
        arr = self.arr
        ti = arr.types.index.get(model)
        if ti is None or not racks or n <= 0:
            return np.zeros(0, np.int64)
        rank = np.full(arr.n_racks, -1, np.int64)
        ra = np.asarray(racks, np.int64)
        rank[ra[::-1]] = np.arange(len(ra))[::-1]
        rows = np.flatnonzero((arr.dev_type == ti) & ~self.consumed & (rank[arr.dev_rack] >= 0))
        rows = rows[np.lexsort((arr.dev_u[rows], rank[arr.dev_rack[rows]]))][:n]
        self.consumed[rows] = True
        return rows

    def place_top(self, targets: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
        """Place one switch of ``height`` U in each target rack, in its highest free U.

        Returns rack and U per switch (-1, 0 where the rack has no room).
        """
        n = len(targets)
        rack_out = np.full(n, -1, np.int64)
        u_out = np.zeros(n, np.int64)
        for i, r in enumerate(targets.tolist()):
            row = self._net_row[r] if r >= 0 else -1
            if row < 0:
                continue
            free = self._occ[row]
            # windows of `height` free U, the highest first (a top-of-rack switch)
            run = np.convolve(free.astype(np.int64), np.ones(height, np.int64), "valid")
            ok = np.flatnonzero(run == height)
            if len(ok):
                c = int(ok[-1])
                self._occ[row, c:c + height] = False
                self._gen_u[row] += height
                rack_out[i], u_out[i] = r, c + 1
        return rack_out, u_out

    def _mark(self, racks: np.ndarray, us: np.ndarray, heights: np.ndarray, free: bool) -> None:
        """Mark ``heights`` U from ``us`` in ``racks`` (network racks) free or taken."""
        rows = self._net_row[np.maximum(racks, 0)]
        ok = (racks >= 0) & (rows >= 0) & (us > 0)
        span = np.where(ok, np.maximum(heights, 0), 0).astype(np.int64)
        rep = np.repeat(np.arange(len(racks)), span)
        col = np.repeat(us - 1, span) + np.arange(len(rep)) - np.repeat(np.cumsum(span) - span,
                                                                          span)
        inside = col < self._occ.shape[1]
        self._occ[rows[rep[inside]], col[inside]] = free

    def _plan_slots(self, n: int, tier: int, height: int, racks: list[int],
                    targets: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Place ``n`` generated switches: in their target racks' highest free U where
        ``targets`` gives a rack per switch (else, or where it has none, in ``racks``);
        the first tier keeps an SU's leaves together, later tiers even out the racks."""
        if targets is None:
            return self.place(n, height, racks, balance=tier > 0)
        rack, u = self.place_top(targets, height)
        miss = np.flatnonzero(rack < 0)
        if len(miss):
            rack[miss], u[miss] = self.place(len(miss), height, racks, balance=tier > 0)
        return rack, u

    def _keep_slots(self, cand: np.ndarray, n: int, tier: int, height: int, racks: list[int],
                    targets: np.ndarray | None, wait: bool) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
        """Give installed switches ``cand`` the places of the tier's plan: the tier is
        planned as if they were not there, and each takes the switch planned where it
        stands, so installing the real switch where a planned one stood changes no other
        switch (nor any cable label). One standing elsewhere takes a planned switch it
        covers, else the last planned switch free (``wait``: a later tier of the same
        model may plan one there, so it is left to that tier); planned switches it
        covers that it does not stand for move to free U.

        Returns the device row per switch (-1: generated) and rack and U per switch.
        """
        arr = self.arr
        h = self.dev_h[cand].astype(np.int64)
        self._mark(arr.dev_rack[cand], arr.dev_u[cand], h, True)
        rack, u = self._plan_slots(n, tier, height, racks, targets)
        dev = np.full(n, -1, np.int64)
        span = int(self._occ.shape[1]) + 2
        key = rack * span + u
        order = np.argsort(key, kind="stable")
        want = arr.dev_rack[cand] * span + arr.dev_u[cand]
        at = np.minimum(np.searchsorted(key[order], want), max(n - 1, 0))
        exact = (n > 0) & (key[order][at] == want) & (h == height)
        exact_sw = order[at[exact]]
        _, first = np.unique(exact_sw, return_index=True)  # one switch per planned place
        took = np.flatnonzero(exact)[first]
        dev[order[at[took]]] = cand[took]
        rest = np.setdiff1d(np.arange(len(cand)), took)
        # planned switches overlapping an installed switch that stands for none of them
        lo = arr.dev_u[cand[rest]]
        over = (rack[None, :] == arr.dev_rack[cand[rest]][:, None]) & (rack >= 0)[None, :] & \
            (u[None, :] < (lo + h[rest])[:, None]) & (u[None, :] + height > lo[:, None]) & \
            (dev < 0)[None, :]
        if not wait:
            aside = []
            for j in range(len(rest)):  # installed off the plan: few, one by one
                hit = np.flatnonzero(over[j] & (dev < 0))
                if len(hit):
                    dev[hit[0]] = cand[rest[j]]
                else:
                    aside.append(j)
            free = np.flatnonzero(dev < 0)
            m = min(len(aside), len(free))
            if m:  # the last planned switches, in the installed ones' order
                dev[free[len(free) - m:]] = cand[rest[np.asarray(aside[:m], np.int64)]]
        self.consumed[cand] = False
        self.consumed[dev[dev >= 0]] = True  # the others are left to later tiers
        stood = dev >= 0
        moved = over.any(axis=0) & ~stood
        gone = stood | moved
        self._mark(rack[gone], u[gone], np.full(int(gone.sum()), height), True)
        self._mark(arr.dev_rack[cand], arr.dev_u[cand], h, False)  # they stand there
        rack = np.where(stood, arr.dev_rack[np.maximum(dev, 0)], rack)
        u = np.where(stood, arr.dev_u[np.maximum(dev, 0)], u)
        if moved.any():
            rack[moved], u[moved] = self.place(int(moved.sum()), height, racks,
                                               balance=tier > 0)
        return dev, rack, u

    def add_switches(self, fabric: int, tier: int, model: str, n: int, radix: int, height: int,
                     power_w: float, racks: list[int], fallback_rack: int,
                     targets: np.ndarray | None = None, planned: bool = False,
                     wait: bool = False) -> None:
        """Add ``n`` switches of one tier: installed ones first, then generated placements.

        With ``targets`` (a rack per switch), generated switches go to their target
        rack's free U first and to ``racks`` where it has none. With ``planned`` each
        installed switch takes the place of the switch planned where it stands (see
        :meth:`_keep_slots`; ``wait``: a later tier has the same model).
        """
        if model not in self.models:
            self.models.append(model)
        mi = self.models.index(model)
        where = racks
        if planned and targets is not None:  # top-of-rack switches stand in their racks
            where = [*racks, *(int(r) for r in np.unique(targets) if r >= 0 and r not in racks)]
        rows = self.installed(model, where, (1 << 30) if planned else n)
        k = len(rows)
        if planned and k:
            dev, all_rack, all_u = self._keep_slots(rows, n, tier, height, racks, targets, wait)
            self._add_tier(fabric, tier, mi, dev, all_rack, all_u, height, radix, power_w,
                           model, n, racks, fallback_rack)
            return
        if targets is not None:
            gen_rack, gen_u = self._plan_slots(n - k, tier, height, racks, targets[k:])
        else:
            gen_rack, gen_u = self._plan_slots(n - k, tier, height, racks, None)
        self._add_tier(fabric, tier, mi, np.concatenate([rows, np.full(n - k, -1, np.int64)]),
                       np.concatenate([self.arr.dev_rack[rows], gen_rack]),
                       np.concatenate([self.arr.dev_u[rows], gen_u]), height, radix, power_w,
                       model, n, racks, fallback_rack)

    def _add_tier(self, fabric: int, tier: int, mi: int, dev: np.ndarray, all_rack: np.ndarray,
                  all_u: np.ndarray, height: int, radix: int, power_w: float, model: str, n: int,
                  racks: list[int], fallback_rack: int) -> None:
        """Append one tier's switches (``dev``: device row of an installed one, else -1)."""
        gen = dev < 0
        gen_rack, gen_u = all_rack[gen], all_u[gen]
        roomless = gen_rack < 0
        unplaced = int(roomless.sum())
        if unplaced:
            where = ", ".join(self.arr.rack_ids[r] for r in racks[:3]) + \
                (" ..." if len(racks) > 3 else "") if racks else "the fabric's network racks " \
                "(it names none of the layout's racks)"
            # their power and heat still count, in the hall's IT load (in no rack); their
            # cables run from the rack that stands in for them
            self.problems.append(("FABRIC-NO-ROOM", "error",
                                  f"Fabric {self.layout.fabrics[fabric].id}: {unplaced} of {n} "
                                  f"{TIER_NAMES[tier]} switches ({model}, {height}U) find no "
                                  f"free U in {where}; their power is counted in the hall's IT "
                                  f"load, in no rack, and their cables run from "
                                  f"{self.arr.rack_ids[fallback_rack]}, until they have room",
                                  (self.layout.fabrics[fabric].id,
                                   *[self.arr.rack_ids[r] for r in racks[:8]])))
            gen_rack = np.where(gen_rack < 0, fallback_rack, gen_rack)
            gen_u = np.where(gen_u <= 0, np.maximum(self.arr.rack_height_u[gen_rack]
                                                    - height + 1, 1), gen_u)
        all_rack, all_u = all_rack.copy(), all_u.copy()
        all_rack[gen], all_u[gen] = gen_rack, gen_u
        room = np.zeros(n, np.int64)
        room[gen] = roomless
        s = self.sw
        s["fabric"].append(np.full(n, fabric, np.int64))
        s["tier"].append(np.full(n, tier, np.int64))
        s["model"].append(np.full(n, mi, np.int64))
        s["rack"].append(all_rack)
        s["u"].append(all_u)
        s["h"].append(np.full(n, height, np.int64))
        s["dev"].append(dev)
        s["radix"].append(np.full(n, radix, np.int64))
        s["power"].append(np.where(gen, float(power_w), 0.0))
        s["roomless"].append(room)
        self.n_sw += n

    def add_links(self, **cols) -> None:
        """Append link groups (columns of equal length)."""
        n = len(cols["count"])
        defaults = {"medium": np.full(n, "", object), "length": np.full(n, np.nan),
                    "link_id": np.full(n, "", object), "b_port": np.full(n, -1, np.int32)}
        for k in self.lk:
            self.lk[k].append(np.asarray(cols.get(k, defaults.get(k))))

    def switch_table(self) -> dict[str, np.ndarray]:
        """Return the switch columns concatenated so far."""
        dt = {"power": np.float64}
        return {k: (np.concatenate(v) if v else np.zeros(0, dt.get(k, np.int64)))
                for k, v in self.sw.items()}


def _rack_indices(ids: list[str], arr: LayoutArrays, fabric: Fabric, what: str,
                  problems: list) -> list[int]:
    """Return the rack indices of ``ids``, each rack once (where it first stands): a rack
    listed twice would give its network rack twice the room, or a member two places."""
    out = []
    seen: set[str] = set()
    twice: list[str] = []
    for rid in ids:
        ri = arr.rack_index.get(rid)
        if ri is None:
            problems.append(("FABRIC-UNKNOWN-RACK", "error",
                             f"Fabric {fabric.id}: {what} names rack {rid!r}, which does not exist",
                             (fabric.id,)))
        elif rid in seen:
            twice.append(rid)
        else:
            seen.add(rid)
            out.append(ri)
    if twice:
        names = ", ".join(dict.fromkeys(twice[:5])) + (" ..." if len(set(twice)) > 5 else "")
        problems.append(("FABRIC-DUPLICATE-RACK", "warning",
                         f"Fabric {fabric.id}: {what} lists {names} more than once; each counts "
                         "once, where it first stands", (fabric.id, *dict.fromkeys(twice[:5]))))
    return out


def _purpose_ports(catalog: Catalog, arr: LayoutArrays, purpose: str,
                   speed_gbps: float | None = None) -> np.ndarray:
    """Return ports of ``purpose`` per device type (scale-out uses the compiled table).

    With ``speed_gbps``, a device whose ports of that purpose run at several speeds
    counts those at that speed: an out-of-band management network at 1 GbE takes a
    DGX's 1 GbE BMC port, not its 10 GbE management port too [S01]; a device with none
    at that speed counts them all.
    """
    if purpose == "scale_out":
        return arr.types.scaleout_ports
    out = []
    for t in arr.types.ids:
        dev = catalog.devices.get(t)
        if dev is None:
            out.append(0)
            continue
        at = sum(p.count for p in dev.ports if p.purpose == purpose
                 and speed_gbps is not None and p.speed_gbps == speed_gbps)
        out.append(at or dev.port_count(purpose))
    return np.array(out, np.int64)


def fabric_node_count(rack, fabric: Fabric, catalog: Catalog) -> int:
    """Return how many of ``fabric``'s nodes ``rack`` holds (as the fabric counts them:
    GPU servers and rack-scale systems for a scale-out fabric, the devices with ports of
    its purpose for another).

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.model import MountedDevice, Rack
    >>> r = Rack(id="R", type="rack-800x1200", x_m=0, y_m=0,
    ...          devices=[MountedDevice(type="dgx-h100", u=3), MountedDevice(type="qm9700", u=40)])
    >>> fabric_node_count(r, Fabric(id="f"), load_catalog(user_dir=None))
    1
    """
    types = [d.type for d in rack.devices] + ([rack.system] if rack.system else [])
    devs = [catalog.devices[t] for t in types if t in catalog.devices]
    if not devs:
        return 0
    return int(_is_node(fabric.purpose, np.array([d.gpus for d in devs]),
                        np.array([ROLE_CODES[d.role] for d in devs]),
                        np.array([d.port_count(fabric.purpose) for d in devs])).sum())


def _is_node(purpose: str, gpus: np.ndarray, role: np.ndarray,
             purpose_ports: np.ndarray) -> np.ndarray:
    """Which devices are a fabric's nodes: GPU servers and rack-scale systems with GPUs
    for a scale-out fabric, the devices with ports of its purpose but switches for
    another (``role`` as :data:`engine.compile.ROLE_CODES`)."""
    if purpose == "scale_out":
        return (gpus > 0) & ((role == ROLE_CODES["gpu_server"])
                             | (role == ROLE_CODES["rack_system"]))
    return (purpose_ports > 0) & (role != ROLE_CODES["switch"])


def _member_nodes(b: _Builder, fi: int, f: Fabric) -> np.ndarray:
    """Return the fabric's node positions in fabric order: the device row of each member
    node, and -1 where a deleted rack's node position stays empty (``vacant_before``)."""
    arr, cat = b.arr, b.catalog
    tt = arr.types
    ports = _purpose_ports(cat, arr, f.purpose)[arr.dev_type] if f.purpose != "scale_out" \
        else None
    eligible = _is_node(f.purpose, tt.gpus[arr.dev_type], b.dev_role, ports)
    rank = np.full(arr.n_racks, -1, np.int64)
    vacant = np.zeros(0, np.int64)
    if f.members:
        idx = _rack_indices(f.members, arr, f, "members", b.problems)
        rank[np.asarray(idx, np.int64)[::-1]] = np.arange(len(idx))[::-1]
        if f.vacant_before and f.topology != "explicit":
            vacant = np.array([f.vacant_before.get(m, 0) for m in f.members
                               if m in arr.rack_index], np.int64)
            members = set(f.members)
            _stray_refs(b, f, "vacant_before", [m for m in f.vacant_before if m not in members],
                        "the empty node positions kept there are not kept")
    else:
        rank[:] = np.arange(arr.n_racks)
    rows = np.flatnonzero(eligible & (rank[arr.dev_rack] >= 0))
    rows = rows[np.lexsort((arr.dev_u[rows], rank[arr.dev_rack[rows]]))]
    tail = np.zeros(0, np.int64)
    if f.members and f.appended and f.topology != "explicit" and len(rows):
        rows, tail = _split_appended(b, f, rows)
    if not vacant.any() or not len(rows):
        return np.concatenate([rows, tail])
    # each member's empty positions, then its nodes (a member that came first in the list
    # and again later counts where it first stands, as its nodes do)
    r = rank[arr.dev_rack[rows]]
    per = np.bincount(r, minlength=len(vacant))
    start = np.cumsum(vacant + per) - per  # where each member's own nodes begin
    first = np.cumsum(per) - per
    slots = np.full(int((vacant + per).sum()), -1, np.int64)
    slots[start[r] + np.arange(len(rows)) - first[r]] = rows
    # empty positions after the last node hold nothing up: the fabric ends there (before
    # the nodes added later, which stand at its end)
    return np.concatenate([slots[:int(np.flatnonzero(slots >= 0)[-1]) + 1], tail])


def _stray_refs(b: _Builder, f: Fabric, field: str, stray: list[str], lost: str) -> None:
    """Warn (FABRIC-VACANT-REF) that ``field`` of fabric ``f`` names racks that are not
    among its members, and what is ``lost`` for them."""
    if stray:
        b.problems.append((
            "FABRIC-VACANT-REF", "warning",
            f"Fabric {f.id}: {field} names {', '.join(stray[:5])}"
            f"{' ...' if len(stray) > 5 else ''}, not among its members; {lost}", (f.id,)))


def _split_appended(b: _Builder, f: Fabric, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the fabric's nodes in their places and, apart, those added to member racks
    later (``Fabric.appended``: per entry, the next of that rack's highest nodes by U), in
    the order added."""
    arr = b.arr
    wanted = Counter(f.appended)
    members = set(f.members)
    stray = [m for m in wanted if m not in members or m not in arr.rack_index]
    _stray_refs(b, f, "appended", stray, "no node of theirs is put at the fabric's end")
    racks = arr.dev_rack[rows]
    own: dict[str, list[int]] = {}
    moved = np.zeros(len(rows), bool)
    for rid, n in wanted.items():
        if rid in stray:
            continue
        at = np.flatnonzero(racks == arr.rack_index[rid])  # in U order
        take = at[len(at) - min(n, len(at)):]
        moved[take] = True
        own[rid] = rows[take].tolist()
    tail = []
    used: Counter[str] = Counter()
    for rid in f.appended:
        got = own.get(rid, [])
        if used[rid] < len(got):
            tail.append(got[used[rid]])
            used[rid] += 1
    return rows[~moved], np.asarray(tail, np.int64)


def _even_out(cap: np.ndarray, n: int) -> np.ndarray:
    """Return how many of ``n`` items each bin takes so the free room left is as even as can be.

    Bins with the most room take first (water filling); ties go to the earlier bin.

    Examples
    --------
    >>> _even_out(np.array([4, 6, 6, 2]), 6).tolist()
    [1, 3, 2, 0]
    """
    cap = np.asarray(cap, np.int64)
    total = int(min(n, cap.sum()))
    if total == 0:
        return np.zeros(len(cap), np.int64)
    lo, hi = 0, int(cap.max())
    while lo < hi:  # the highest level whose room above it still holds every item
        mid = (lo + hi + 1) // 2
        if int(np.maximum(cap - mid, 0).sum()) >= total:
            lo = mid
        else:
            hi = mid - 1
    take = np.maximum(cap - (lo + 1), 0)
    rest = total - int(take.sum())
    extra = np.flatnonzero(cap - take > lo)[:rest]
    take[extra] += 1
    return take


def _leaf_home_racks(arr: LayoutArrays, nodes: np.ndarray, wiring: FabricWiring,
                     n_leaves: int) -> np.ndarray:
    """Return the rack of the first node each leaf serves (-1 for a leaf with none)."""
    n_ports = len(wiring.port_node)
    first = np.full(n_leaves, n_ports, np.int64)
    np.minimum.at(first, wiring.port_leaf, np.arange(n_ports))
    out = np.full(n_leaves, -1, np.int64)
    has = first < n_ports
    out[has] = arr.dev_rack[nodes[wiring.port_node[first[has]]]]
    return out


def _fallback_rack(arr: LayoutArrays, racks: list[int], members: np.ndarray) -> int:
    """Return the rack that stands in for switches no network rack could take."""
    if racks:
        return racks[-1]
    if len(members):
        mr = unique_sorted(members)
        cx, cy = arr.rack_x_m[mr].mean(), arr.rack_y_m[mr].mean()
        return int(mr[np.argmin((arr.rack_x_m[mr] - cx) ** 2 + (arr.rack_y_m[mr] - cy) ** 2)])
    return 0


#: the most switches the fabrics of one design may build, in all (a 1M-GPU SuperPOD of
#: QM9700 has about 80,000)
MAX_SWITCHES = 250_000


def _build_fabric(b: _Builder, fi: int, f: Fabric) -> FabricBuild:
    arr, cat = b.arr, b.catalog
    tt = arr.types
    net = _rack_indices(f.network_racks, arr, f, "network_racks", b.problems)
    # node positions (-1: a deleted rack's, kept empty) and the member nodes themselves;
    # the plan, the wiring and the links count positions, everything else the nodes
    slots = _member_nodes(b, fi, f)
    real = slots >= 0
    nodes = slots[real]
    dt = arr.dev_type[np.where(real, slots, 0)] if len(nodes) else np.zeros(0, np.int64)
    slots = slots if len(nodes) else nodes
    real = real if len(nodes) else np.zeros(0, bool)
    gpus = np.where(real, tt.gpus[dt], 0).astype(np.int64)
    if f.purpose == "scale_out":
        if f.ports_per_gpu > 0:
            node_ports = gpus * f.ports_per_gpu
        else:
            node_ports = np.where(real, tt.scaleout_ports[dt], 0).astype(np.int64)
        n_end = int(gpus.sum())
        ep_of_node = np.cumsum(gpus) - gpus
        ep_per_node = gpus
    else:
        node_ports = np.where(real, _purpose_ports(cat, arr, f.purpose, f.nic_speed_gbps)[dt],
                              0).astype(np.int64)
        n_end = len(nodes)
        ep_per_node = real.astype(np.int64)
        ep_of_node = np.cumsum(ep_per_node) - ep_per_node
    sw_start = b.n_sw
    tiers = {t.name: t for t in f.tiers}
    order = [t for t in TIER_NAMES if t in tiers]
    if len(order) != len(f.tiers) or (order and order != list(TIER_NAMES[:len(order)])):
        b.problems.append(("FABRIC-TIERS", "error",
                           f"Fabric {f.id}: tiers must be leaf, then spine, then core, once each",
                           (f.id,)))
        order = [t for t in TIER_NAMES[:len(order)] if t in tiers]
    # one fabric speaks one link layer: InfiniBand leaves under Ethernet spines pass no
    # traffic (gateways aside), whatever the port counts say
    kinds: dict[str, list[str]] = {}
    for name in order:
        dev = cat.devices.get(tiers[name].switch)
        if dev is not None and dev.protocol:
            kinds.setdefault(dev.protocol, []).append(f"{name} {dev.id}")
    if len(kinds) > 1:
        b.problems.append(("FABRIC-PROTOCOL", "error", f"Fabric {f.id}: its tiers mix "
                           + " and ".join(f"{k} ({', '.join(v)})"
                                          for k, v in sorted(kinds.items()))
                           + ": a fabric's switches speak one link layer", (f.id,)))
    elif "infiniband" in kinds and f.purpose in ("front_end", "management"):
        # servers reach their front-end and management networks over Ethernet ports
        b.problems.append(("FABRIC-PROTOCOL", "error", f"Fabric {f.id}: a "
                           f"{f.purpose.replace('_', '-')} network on InfiniBand switches "
                           f"({', '.join(kinds['infiniband'])}): its servers' ports of that "
                           "purpose are Ethernet", (f.id,)))
    # a link runs no faster than the ports at its ends: the fastest port of the purpose
    rate_gbps = float(f.nic_speed_gbps)
    if len(nodes):
        speeds = [cat.devices[tt.ids[k]].port_speed_gbps(f.purpose)
                  for k in unique_sorted(arr.dev_type[nodes]).tolist() if tt.ids[k] in cat.devices]
        fastest = max(speeds, default=0.0)
        if fastest and f.nic_speed_gbps > fastest + 1e-9:
            b.problems.append(("FABRIC-PORT-SPEED", "error", f"Fabric {f.id}: its links run at "
                               f"{f.nic_speed_gbps:g} Gb/s but its servers' "
                               f"{f.purpose.replace('_', '-')} ports reach {fastest:g} Gb/s; "
                               f"its bandwidth is counted at {fastest:g} Gb/s a link",
                               (f.id,)))
            # the switches are built for the declared speed, the links carry the ports'
            rate_gbps = float(fastest)
    specs = []
    for name in order:
        t = tiers[name]
        radix, height, power, prob = _link_speed_radix(cat, t.switch, t.radix, t.port_speed_gbps,
                                                       f.nic_speed_gbps)
        if prob or radix < 2:
            b.problems.append(("FABRIC-SWITCH-MODEL", "error", f"Fabric {f.id}: {name} tier: "
                               + (prob or f"{t.switch} has fewer than 2 ports at "
                                  f"{f.nic_speed_gbps:g} Gb/s"), (f.id,)))
            specs = []
            break
        if t.radix is not None and len(nodes):  # an empty fabric builds no switch
            # at the tier's port speed where it sets one (64 x 400G, not 128 broken out)
            have = ports_at_speed(cat.devices[t.switch], t.port_speed_gbps, f.nic_speed_gbps)
            if t.radix > have:
                b.problems.append(("FABRIC-RADIX", "warning", f"Fabric {f.id}: {name} tier uses "
                                   f"{t.radix} ports of {t.switch}, which has {have} at "
                                   f"{f.nic_speed_gbps:g} Gb/s: it stands in for a larger "
                                   "(modular) switch, with one box's power, weight and U",
                                   (f.id,)))
        specs.append((t, radix, height, power))
    plan = None
    wiring = None
    leaf_ports = np.zeros(0, np.int64)
    n_vertices = n_end
    edited = f.topology == "explicit"
    if f.topology != "explicit" and specs and len(nodes):
        # an empty node position keeps a node's worth of leaf ports (the most common
        # count) so the nodes after it stay on their leaves; rail-optimized wiring keeps
        # them by the position itself. Leaves in the member racks went with their rack:
        # the others stay with their own racks' nodes.
        slot_ports = node_ports
        if f.topology != "rail_optimized" and not real.all() and \
                specs[0][0].placement != "member_racks":
            slot_ports = np.where(real, node_ports,
                                  np.bincount(node_ports[real]).argmax()).astype(np.int64)
        plan = plan_fabric(slot_ports, topology=f.topology, rails=f.rails, su_nodes=f.su_nodes,
                           radix=tuple(s[1] for s in specs),
                           oversubscription=tuple(s[0].oversubscription for s in specs),
                           max_tiers=len(specs), collapse=f.collapse_tiers,
                           counts=tuple(s[0].count for s in specs),
                           pair_links=specs[1][0].links_per_pair if len(specs) > 1 else None)
        edited = plan.is_edited
        for p in plan.problems:
            code = "FABRIC-NO-PORT" if ("exceed" in p or "not connected" in p) else \
                "FABRIC-RAILS" if "rails do not divide" in p else "FABRIC-COUNT"
            b.problems.append((code, {"FABRIC-NO-PORT": "error", "FABRIC-RAILS": "warning"}
                               .get(code, "info"),
                               f"Fabric {f.id}: {p}", (f.id,)))
        asked = plan.leaves + plan.spines + plan.cores
        if b.n_sw + asked > MAX_SWITCHES:
            # a forced tier count far past any hall (a million spines): said, not built
            b.problems.append(("FABRIC-COUNT", "error",
                               f"Fabric {f.id}: {asked:,} switches ({plan.leaves:,} leaves, "
                               f"{plan.spines:,} spines, {plan.cores:,} cores) take the "
                               f"design past {MAX_SWITCHES:,} switches in all: it is not "
                               "built; check the tiers' count", (f.id,)))
            plan = None
    if plan is not None:
        wiring = wire_fabric(plan, node_ports, slot_ports)
        fallback = _fallback_rack(arr, net, arr.dev_rack[nodes])
        counts = (plan.leaves, plan.spines, plan.cores)
        models = [specs[min(ti, len(specs) - 1)][0].switch for ti in range(plan.tiers)]
        for ti in range(plan.tiers):
            t, radix, height, power = specs[min(ti, len(specs) - 1)]
            targets = None
            if ti == 0 and t.placement == "member_racks":
                targets = _leaf_home_racks(arr, slots, wiring, plan.leaves)
            # a real switch installed where a planned one stands takes its place
            b.add_switches(fi, ti, t.switch, counts[ti], radix, height, power, net, fallback,
                           targets=targets, planned=True, wait=t.switch in models[ti + 1:])
        leaf_ports = wiring.leaf_ports(plan.leaves)
        _add_fabric_links(b, fi, f, plan, wiring, slots, node_ports, gpus, ep_of_node,
                          ep_per_node, n_end, sw_start)
        n_vertices = n_end + b.n_sw - sw_start
    elif f.topology != "explicit" and specs and len(nodes):
        pass  # planned too large to build: said above
    elif f.topology != "explicit" and not specs and not any(
            p[0] == "FABRIC-SWITCH-MODEL" and f.id in p[3] for p in b.problems):
        b.problems.append(("FABRIC-NO-TIERS", "error",
                           f"Fabric {f.id}: no switch tiers declared", (f.id,)))
    elif f.topology == "explicit":
        # an explicit fabric owns the switches installed in its network racks
        for ti, name in enumerate(order):
            t = tiers[name]
            rows = b.installed(t.switch, net, 1 << 30)
            radix, height, power, _ = _link_speed_radix(cat, t.switch, t.radix,
                                                        t.port_speed_gbps, f.nic_speed_gbps)
            if rows.size:
                b.consumed[rows] = False  # counted here, taken by add_switches below
                b.add_switches(fi, ti, t.switch, len(rows), radix, height, power, net, 0)
        n_vertices = n_end + b.n_sw - sw_start
    if not len(nodes):
        b.problems.append(("FABRIC-EMPTY", "warning", f"Fabric {f.id} has no member nodes",
                           (f.id,)))
    return FabricBuild(index=fi, id=f.id, name=f.name, purpose=f.purpose, topology=f.topology,
                       link_gbps=rate_gbps, plan=plan, node_dev=nodes,
                       n_gpus=int(gpus.sum()), n_endpoints=n_end, n_vertices=n_vertices,
                       sw_start=sw_start, sw_stop=b.n_sw, leaf_ports=leaf_ports,
                       is_edited=edited, network_racks=net, ep_first=ep_of_node[real],
                       wiring=wiring)


def _add_fabric_links(b: _Builder, fi: int, f: Fabric, plan: FabricPlan, w: FabricWiring,
                      nodes: np.ndarray, node_ports: np.ndarray, gpus: np.ndarray,
                      ep_of_node: np.ndarray, ep_per_node: np.ndarray, n_end: int,
                      sw_start: int) -> None:
    arr = b.arr
    sw = b.switch_table()
    sw_rack, sw_u, sw_h = sw["rack"], sw["u"], sw["h"]
    sw_mid = sw_u - 1 + sw_h / 2.0
    leaf0, spine0 = sw_start, sw_start + plan.leaves
    core0 = spine0 + plan.spines
    gbps = float(f.nic_speed_gbps)
    # node -> leaf: one link per port; the endpoint is the GPU that owns the port
    dev = nodes[w.port_node]
    k = node_ports[w.port_node]
    ep = ep_of_node[w.port_node] + (w.port_index * ep_per_node[w.port_node]) // np.maximum(k, 1)
    lsw = leaf0 + w.port_leaf
    n = len(dev)
    b.add_links(fabric=np.full(n, fi), tier=np.zeros(n, np.int64), count=np.ones(n, np.int64),
                gbps=np.full(n, gbps), a_rack=arr.dev_rack[dev], b_rack=sw_rack[lsw],
                a_u=b.dev_mid_u[dev], b_u=sw_mid[lsw], a_vtx=ep,
                b_vtx=n_end + (lsw - sw_start), a_ref=dev, b_ref=-(lsw + 1),
                b_port=w.port_pos.astype(np.int32))
    for tier, (sa, sb, cnt) in ((1, (leaf0 + w.ls_leaf, spine0 + w.ls_spine, w.ls_count)),
                               (2, (spine0 + w.sc_spine, core0 + w.sc_core, w.sc_count))):
        m = len(sa)
        if not m:
            continue
        b.add_links(fabric=np.full(m, fi), tier=np.full(m, tier), count=cnt,
                    gbps=np.full(m, gbps), a_rack=sw_rack[sa], b_rack=sw_rack[sb],
                    a_u=sw_mid[sa], b_u=sw_mid[sb], a_vtx=n_end + (sa - sw_start),
                    b_vtx=n_end + (sb - sw_start), a_ref=-(sa + 1), b_ref=-(sb + 1))


_PORT_NUM = re.compile(r"(\d+)\s*$")


def _explicit_links(b: _Builder, builds: list[FabricBuild]) -> None:
    """Resolve the user's explicit links and attach them to fabrics and cabling."""
    layout, arr = b.layout, b.arr
    links = layout.links
    if not links:
        return
    sw = b.switch_table()
    fab_index = {f.id: i for i, f in enumerate(layout.fabrics)}
    # device lookup by (rack, U): rows sorted by rack then U
    key_dev = arr.dev_rack * 128 + arr.dev_u
    order = np.argsort(key_dev, kind="stable")
    skey = key_dev[order]
    gen = np.flatnonzero(sw["dev"] < 0)
    key_gen = sw["rack"][gen] * 128 + sw["u"][gen]
    gorder = np.argsort(key_gen, kind="stable")
    gkey = key_gen[gorder]
    node_of = {}
    for fb in builds:
        lookup = np.full(len(arr.dev_rack), -1, np.int64)
        lookup[fb.node_dev] = np.arange(len(fb.node_dev))
        node_of[fb.index] = lookup
    sw_of_dev = np.full(len(arr.dev_rack), -1, np.int64)
    inst = np.flatnonzero(sw["dev"] >= 0)
    sw_of_dev[sw["dev"][inst]] = inst
    extra: dict[tuple[int, int], int] = {}
    vcount = {fb.index: fb.n_vertices for fb in builds}
    round_robin_use: dict[tuple[int, int], int] = {}

    def resolve(ep, where):
        ri = arr.rack_index.get(ep.rack)
        if ri is None:
            return None, f"{where} names rack {ep.rack!r}, which does not exist"
        if ep.u is None:
            lo = int(np.searchsorted(arr.dev_rack, ri, side="left"))
            hi = int(np.searchsorted(arr.dev_rack, ri, side="right"))
            if hi - lo == 1:
                return ("dev", lo, ri), ""
            in_rack = gen[sw["rack"][gen] == ri]
            placed = sorted(int(u) for u in sw["u"][in_rack])
            if hi == lo and len(in_rack) == 1:
                return ("sw", int(in_rack[0]), ri), ""
            if hi == lo and placed:
                shown = ", ".join(f"U{u}" for u in placed[:6]) + (", ..." if len(placed) > 6
                                                                    else "")
                return None, (f"{where} needs a U: rack {ep.rack} has no installed device, and "
                              f"the fabric placed {len(placed)} switches there ({shown})")
            return None, f"{where} needs a U: rack {ep.rack} holds {hi - lo} devices"
        q = ri * 128 + ep.u
        j = int(np.searchsorted(skey, q, side="right")) - 1
        if j >= 0:
            d = int(order[j])
            if arr.dev_rack[d] == ri and ep.u <= arr.dev_u[d] + max(int(b.dev_h[d]), 1) - 1:
                s = int(sw_of_dev[d])
                return (("sw", s, ri) if s >= 0 else ("dev", d, ri)), ""
        j = int(np.searchsorted(gkey, q, side="right")) - 1
        if j >= 0:
            s = int(gen[gorder[j]])
            if sw["rack"][s] == ri and ep.u <= sw["u"][s] + sw["h"][s] - 1:
                return ("sw", s, ri), ""
        return None, f"{where}: nothing is mounted at U{ep.u} of rack {ep.rack}"

    cols = {k: [] for k in ("fabric", "tier", "count", "gbps", "a_rack", "b_rack", "a_u", "b_u",
                            "a_vtx", "b_vtx", "a_ref", "b_ref", "medium", "length", "link_id")}
    for lk in links:
        ends = []
        bad = ""
        for side, ep in (("a", lk.a), ("b", lk.b)):
            res, msg = resolve(ep, f"link {lk.id} end {side}")
            if res is None:
                bad = msg
                break
            ends.append((res, ep))
        if not bad and ends[0][0][:2] == ends[1][0][:2] and (
                lk.a.port is None or lk.a.port == lk.b.port):
            # both ends on one device (and port): a cable from a device to itself joins
            # nothing and would count in the bisection as a loop
            bad = (f"link {lk.id} runs from {lk.a.rack} U{lk.a.u or '–'} to itself: its ends "
                   "must be two devices, or two ports of one")
        if bad:
            b.problems.append(("LINK-ENDPOINT", "error", bad[:1].upper() + bad[1:], (lk.id,)))
            continue
        fi = -1
        if lk.fabric is not None:
            fi = fab_index.get(lk.fabric, -1)
            if fi < 0:
                b.problems.append(("LINK-FABRIC", "error", f"Link {lk.id} names fabric "
                                   f"{lk.fabric!r}, which does not exist", (lk.id,)))
        if fi < 0:
            for (kind, i, _), _ep in ends:
                if kind == "sw":
                    fi = int(sw["fabric"][i])
                    break
                for fb in builds:
                    if node_of[fb.index][i] >= 0:
                        fi = fb.index
                        break
                if fi >= 0:
                    break
        fb = builds[fi] if fi >= 0 else None
        row = {}
        for side, ((kind, i, ri), ep) in zip("ab", ends, strict=True):
            if kind == "sw":
                upos = float(sw["u"][i] - 1 + sw["h"][i] / 2.0)
                ref = -(i + 1)
                vtx = (fb.n_endpoints + i - fb.sw_start) if (
                    fb is not None and fb.sw_start <= i < fb.sw_stop) else -1
            else:
                upos = float(b.dev_mid_u[i])
                ref = i
                vtx = -1
                if fb is not None:
                    node = int(node_of[fb.index][i])
                    if node >= 0 and fb.purpose == "scale_out":
                        g = int(arr.types.gpus[arr.dev_type[i]])
                        m = _PORT_NUM.search(ep.port or "")
                        if m:
                            gi = int(m.group(1)) % max(g, 1)
                        else:
                            gi = round_robin_use.get((fb.index, i), 0)
                            round_robin_use[(fb.index, i)] = gi + 1
                            gi %= max(g, 1)
                        vtx = int(fb.ep_first[node]) + gi
                    elif node >= 0:
                        vtx = node
                if fb is not None and vtx < 0:
                    kk = (fb.index, i if kind == "dev" else -(i + 1))
                    if kk not in extra:
                        extra[kk] = vcount[fb.index]
                        vcount[fb.index] += 1
                    vtx = extra[kk]
            row[side] = (ri, upos, vtx, ref)
        cols["fabric"].append(fi)
        cols["tier"].append(3)
        cols["count"].append(lk.count)
        cols["gbps"].append(float(lk.speed_gbps))
        for side in "ab":
            ri, upos, vtx, ref = row[side]
            cols[f"{side}_rack"].append(ri)
            cols[f"{side}_u"].append(upos)
            cols[f"{side}_vtx"].append(vtx)
            cols[f"{side}_ref"].append(ref)
        cols["medium"].append(lk.medium or "")
        cols["length"].append(lk.length_m if lk.length_m is not None else np.nan)
        cols["link_id"].append(lk.id)
        if fb is not None:
            fb.is_edited = True
    if cols["count"]:
        b.add_links(**{k: (np.asarray(v, object) if k in ("medium", "link_id") else np.asarray(v))
                       for k, v in cols.items()})
    for fb in builds:
        fb.n_vertices = vcount[fb.index]


def _unlinked_members(problems: list, builds: list[FabricBuild], lk_fabric: np.ndarray,
                      lk_a: np.ndarray, lk_b: np.ndarray) -> None:
    """Warn about explicit fabrics whose member nodes no drawn link reaches.

    An explicit fabric is only the links the user draws: a member with none of them
    is in the fabric by name only, and its GPUs count for nothing in the bisection.
    """
    for fb in builds:
        if fb.topology != "explicit" or not len(fb.node_dev):
            continue
        on = lk_fabric == fb.index
        ends = np.concatenate([lk_a[on], lk_b[on]])
        ends = ends[(ends >= 0) & (ends < fb.n_endpoints)]
        # endpoint -> member node (a scale-out fabric numbers GPUs, the others nodes)
        node = np.searchsorted(fb.ep_first, ends, side="right") - 1
        reached = np.zeros(len(fb.node_dev), bool)
        reached[node] = True
        missing = int(np.sum(~reached))
        if not missing:
            continue
        what = ("no link is drawn to any of its" if missing == len(fb.node_dev) else
                f"no link is drawn to {missing:,} of its")
        problems.append(("FABRIC-UNLINKED", "warning",
                         f"Fabric {fb.id} is explicit (only drawn links connect it) and "
                         f"{what} {len(fb.node_dev):,} member nodes: they reach no other "
                         "GPU through it", (fb.id,)))


def build_topology(layout: Layout, catalog: Catalog, arr: LayoutArrays,
                   key: str | None = None) -> Topology:
    """Build every fabric switch and link of the layout (no positions involved).

    Switches of each tier take the unused installed switches of the tier's
    model in the fabric's network racks first, then generated placements in
    the racks' free U; the layout itself is never changed.

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> from engine.compile import compile_layout
    >>> from engine.model import Fabric, FabricTier, Hall, MountedDevice, Rack
    >>> cat = load_catalog(user_dir=None)
    >>> racks = [Rack(id=f"G{i}", type="rack-800x1200", x_m=1 + 0.8 * i, y_m=2,
    ...               devices=[MountedDevice(type="dgx-h100", u=1 + 9 * k) for k in range(4)])
    ...          for i in range(8)] + [Rack(id="N1", type="rack-800x1200", x_m=9, y_m=2)]
    >>> fab = Fabric(id="ib", members=[f"G{i}" for i in range(8)], network_racks=["N1"],
    ...              tiers=[FabricTier(name="leaf", switch="qm9700"),
    ...                     FabricTier(name="spine", switch="qm9700")])
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 5), (0, 5)]), racks=racks,
    ...              fabrics=[fab])
    >>> topo = build_topology(lay, cat, compile_layout(lay, cat))
    >>> np.bincount(topo.sw_tier).tolist(), int(topo.lk_count.sum())
    ([8, 4], 512)
    """
    b = _Builder(layout, catalog, arr)
    in_rack = any(t.placement == "member_racks" for f in layout.fabrics for t in f.tiers)
    b.prepare_racks(np.arange(arr.n_racks) if in_rack else
                    np.array([arr.rack_index[r] for f in layout.fabrics for r in f.network_racks
                              if r in arr.rack_index], np.int64))
    builds = [_build_fabric(b, fi, f) for fi, f in enumerate(layout.fabrics)]
    _explicit_links(b, builds)
    sw = b.switch_table()
    lk = b.lk

    def cat_(k, dt):
        return np.concatenate(lk[k]).astype(dt) if lk[k] else np.zeros(0, dt)

    _unlinked_members(b.problems, builds, cat_("fabric", np.int64),
                      cat_("a_vtx", np.int64), cat_("b_vtx", np.int64))

    tt = arr.types
    is_switch = tt.role[arr.dev_type] == ROLE_CODES["switch"]
    a_ref, b_ref = cat_("a_ref", np.int64), cat_("b_ref", np.int64)
    # per link end: what its device or switch model says about optics power, lane rate and
    # cages; one table of device rows then switches, gathered once per end
    n_dev = len(arr.dev_type)
    ia = np.where(a_ref >= 0, a_ref, n_dev - a_ref - 1)
    ib = np.where(b_ref >= 0, b_ref, n_dev - b_ref - 1)
    models = [catalog.devices.get(m) for m in b.models]

    def per_end(by_type: np.ndarray, by_model: list, dtype) -> np.ndarray:
        sw_vals = np.asarray(by_model, dtype)[sw["model"]] if len(sw["model"]) else \
            np.zeros(0, dtype)
        dev_vals = by_type[arr.dev_type] if n_dev else np.zeros(0, dtype)
        return np.concatenate([dev_vals.astype(dtype), sw_vals])

    incl = per_end(tt.power_includes_optics,
                   [d is not None and d.power_counts_optics for d in models], np.int64)
    lane = per_end(tt.lane_gbps, [d.lane_gbps if d is not None else 100 for d in models],
                   np.float64)
    cage = per_end(tt.ports_per_cage, [d.ports_per_cage if d is not None else 1
                                       for d in models], np.float64)
    port = per_end(np.where(tt.switch_port_gbps > 0, tt.switch_port_gbps, tt.scaleout_gbps),
                   [d.switch_port_speed_gbps if d is not None else 0.0 for d in models],
                   np.float64)
    # a tier that sets its switches' port speed runs their cages at it (64 x 400G on an
    # 800G switch, not 128 broken out): its ends take one module per cage's port, as its
    # port count says (ports_at_speed)
    for fb in builds:
        f = layout.fabrics[fb.index]
        for k, name in enumerate(TIER_NAMES):
            t = next((x for x in f.tiers if x.name == name), None)
            if t is not None and t.port_speed_gbps:
                sel = np.flatnonzero((sw["fabric"] == fb.index) & (sw["tier"] == k))
                port[n_dev + sel] = float(t.port_speed_gbps)
    gbps = cat_("gbps", np.float64)

    # a server's port carries more than one link only when the fabric brings it more links
    # than it has ports of that purpose: a Vera Rubin tray's 1.6T port two 800G links
    # [S48c], a DGX H100's eight 400G NICs on a 100G fabric one 100G link each (four
    # twin-port cages, not one); a switch breaks its ports out as the links ask
    fab = cat_("fabric", np.int64)
    purposes = [f.purpose for f in layout.fabrics] + ["scale_out"]  # explicit links: -1
    fab_k = np.where(fab >= 0, fab, len(purposes) - 1)
    purpose_k = {p: k for k, p in enumerate(dict.fromkeys(purposes))}
    fab_purpose = np.array([purpose_k[p] for p in purposes], np.int64)[fab_k]
    have_ports = np.array([[d.port_count(p) if d is not None else 0 for p in purpose_k]
                           for d in (catalog.devices.get(t) for t in tt.ids)],
                          np.float64).reshape(len(tt.ids), len(purpose_k))
    n_links = cat_("count", np.int64)
    nf = len(purposes)
    per_port = []
    for ref_ in (a_ref, b_ref):
        dev = np.maximum(ref_, 0)
        slot = dev * nf + fab_k
        links = np.bincount(slot[ref_ >= 0], weights=n_links[ref_ >= 0],
                            minlength=max(n_dev, 1) * nf)
        have = have_ports[arr.dev_type[dev], fab_purpose] if n_dev else np.zeros(len(dev))
        per_port.append(np.where((ref_ >= 0) & (have > 0),
                                 np.ceil(links[slot] / np.maximum(have, 1.0)), 1.0))
    breaks_out = np.concatenate([is_switch, np.ones(b.n_sw, bool)])

    def links_per_module(i: np.ndarray, side: int) -> np.ndarray:
        # one module per cage; a cage serves ports_per_cage ports, each broken out into
        # port / link links when the link is slower (a 7060X6's 800G cage: two 400G links)
        split = np.maximum(np.round(port[i] / np.maximum(gbps, 1.0)), 1.0)
        split = np.where(breaks_out[i], split, np.clip(per_port[side], 1.0, split))
        return (cage[i] * split).astype(np.int64)

    # a switch's ports set the signalling; a server's NIC follows the switch it plugs into
    lanes = np.maximum(lane[ia], lane[ib])
    leaf_down = np.zeros(b.n_sw, np.int32)  # a fabric's leaves come first among its switches
    for fb in builds:
        if fb.plan is not None and fb.plan.leaves:
            leaf_down[fb.sw_start:fb.sw_start + fb.plan.leaves] = fb.plan.down[0]
    return Topology(
        key=key or topology_key(layout, arr), models=b.models,
        sw_fabric=sw["fabric"], sw_tier=sw["tier"], sw_model=sw["model"], sw_rack=sw["rack"],
        sw_u=sw["u"], sw_height_u=sw["h"], sw_dev=sw["dev"], sw_radix=sw["radix"],
        sw_power_w=sw["power"].astype(np.float64), sw_roomless=sw["roomless"].astype(bool),
        lk_fabric=cat_("fabric", np.int64), lk_tier=cat_("tier", np.int64),
        lk_count=cat_("count", np.int64), lk_gbps=gbps,
        lk_a_rack=cat_("a_rack", np.int64), lk_b_rack=cat_("b_rack", np.int64),
        lk_a_u=cat_("a_u", np.float64), lk_b_u=cat_("b_u", np.float64),
        lk_a_vtx=cat_("a_vtx", np.int64), lk_b_vtx=cat_("b_vtx", np.int64),
        lk_a_ref=a_ref, lk_b_ref=b_ref, lk_lane_gbps=lanes,
        lk_a_cage=links_per_module(ia, 0), lk_b_cage=links_per_module(ib, 1),
        lk_a_paid=incl[ia] == 0, lk_b_paid=incl[ib] == 0,
        lk_medium=cat_("medium", object), lk_length_m=cat_("length", np.float64),
        lk_link_id=cat_("link_id", object), lk_b_port=cat_("b_port", np.int32),
        sw_down_ports=leaf_down, fabrics=builds, problems=b.problems,
        idle_switch_rows=np.flatnonzero(is_switch & ~b.consumed),
        lk_port_names={lk.id: (lk.a.port, lk.b.port) for lk in layout.links
                       if lk.a.port or lk.b.port})
