"""Network summary: switch counts by tier, links, cabling and bisection bandwidth.

This module turns the layout's fabrics into switch tiers, links and cable runs
(see :mod:`engine.fabric` and :mod:`engine.cabling` when present) and reports
the scale-out bisection bandwidth and the scale-up (NVLink) domain.

Examples
--------
>>> r = NetworkResult()
>>> r.network_dict()["bisection_tbps"]
0.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.catalog import Catalog
from engine.compile import ROLE_CODES, LayoutArrays
from engine.model import Layout

__all__ = ["NetworkResult", "analyze_network"]


@dataclass
class NetworkResult:
    """Network and cabling figures of one analysis."""

    switches_by_tier: dict[str, int] = field(default_factory=dict)
    links_by_tier: dict[str, int] = field(default_factory=dict)
    links_by_medium: dict[str, int] = field(default_factory=dict)
    transceivers: int = 0
    total_length_m: float = 0.0
    max_length_m: float = 0.0
    optics_w: float = 0.0
    bisection_tbps: float = 0.0
    bisection_method: str = "none"
    per_gpu_bisection_gbps: float = 0.0
    oversubscription: dict[str, float] = field(default_factory=dict)
    scaleup_domain_gpus: int = 0
    scaleup_gbps_per_gpu: float = 0.0
    scaleout_gpus: int = 0

    def switch_counts(self) -> dict[str, int]:
        """Return switch counts by tier (with ``total``)."""
        out = {"leaf": 0, "spine": 0, "core": 0, **self.switches_by_tier}
        out["total"] = sum(v for k, v in out.items() if k != "total")
        return out

    def cabling_dict(self) -> dict[str, Any]:
        """Return the ``cabling`` part of the analysis JSON."""
        return {"links": int(sum(self.links_by_tier.values())),
                "by_tier": dict(self.links_by_tier), "by_medium": dict(self.links_by_medium),
                "transceivers": int(self.transceivers),
                "total_length_m": round(self.total_length_m, 2),
                "max_length_m": round(self.max_length_m, 2),
                "optics_w": round(self.optics_w, 1)}

    def network_dict(self) -> dict[str, Any]:
        """Return the ``network`` part of the analysis JSON."""
        return {"bisection_tbps": round(self.bisection_tbps, 4),
                "bisection_method": self.bisection_method,
                "per_gpu_bisection_gbps": round(self.per_gpu_bisection_gbps, 3),
                "oversubscription": dict(self.oversubscription),
                "scaleup_domain_gpus": int(self.scaleup_domain_gpus),
                "scaleup_gbps_per_gpu": round(self.scaleup_gbps_per_gpu, 1)}


def analyze_network(layout: Layout, catalog: Catalog, arr: LayoutArrays) -> NetworkResult:
    """Summarize the network of the layout from installed devices."""
    tt = arr.types
    is_switch = tt.role[arr.dev_type] == ROLE_CODES["switch"]
    res = NetworkResult()
    res.switches_by_tier = {"installed": int(is_switch.sum())}
    gpu_rows = tt.gpus[arr.dev_type] > 0
    if gpu_rows.any():
        res.scaleup_domain_gpus = int(tt.scaleup_gpus[arr.dev_type][gpu_rows].max())
        res.scaleup_gbps_per_gpu = float(tt.scaleup_gbps_per_gpu[arr.dev_type][gpu_rows].max())
    res.scaleout_gpus = int(np.sum(tt.gpus[arr.dev_type]))
    return res
