"""The words the inspector's forms give each layout field (with its unit), shared with the
undo texts and status notes, which say an edit in the same words: "Set PUE override to 1.5",
not "Set pue to 1.5". Free of Qt, so the command texts can be built anywhere."""

from __future__ import annotations

__all__ = ["FIELD_LABELS", "NONE_TEXT", "none_text"]

import re

FIELD_LABELS: dict[str, str] = {
    "id": "Id", "name": "Name", "row": "Row", "type": "Rack type", "model": "Model",
    "x_m": "X (m)", "y_m": "Y (m)", "rotation_deg": "Rotation (°)", "feeds": "Feeds",
    "cdu": "CDU", "crah": "CRAH", "kind": "Kind", "capacity_kw": "Capacity (kW)",
    "flow_lpm": "Rated flow (L/min)", "group": "N+1 group", "width_m": "Width (m)",
    "depth_m": "Depth (m)", "rack": "Rack (rear door)", "side": "Side",
    "voltage_v": "Voltage (V)", "phases": "Phases", "amps": "Current (A)",
    "power_factor": "Power factor", "elevation_m": "Elevation (m)",
    "floor_rating_kg_m2": "Floor rating (kg/m²)", "tile_m": "Floor tile (m)",
    "raised_floor": "Raised floor", "ceiling_height_m": "Ceiling height (m)",
    "delta_t_air_k": "Air ΔT (K)", "delta_t_coolant_k": "Coolant ΔT (K)",
    "continuous_derating": "Continuous-load factor", "air_limit_kw_per_rack":
    "Air limit per rack (kW)", "pue": "PUE override", "pue_overhead_fixed":
    "PUE overhead, fixed", "pue_overhead_air": "PUE overhead, air",
    "pue_overhead_liquid": "PUE overhead, liquid", "utilization_factor": "Utilization factor",
    "cable_slack_m": "Cable slack (m)", "in_rack_slack_m": "In-rack cable slack (m)",
    "aisle_clearance_m": "Aisle clearance (m)",
    "tray_elevation_m": "Tray elevation (m)", "u_height_m": "U height (m)",
    "cabling.allow_aoc": "Allow AOC", "cabling.allow_copper": "Allow copper (DAC/ACC)",
    "cabling.optics_above_m": "Optics above (m)",
    "cabling.prefer_single_mode": "Prefer single-mode", "author": "Author",
    "generation": "Generation", "return_xy_m": "Draws air at (x, y m)",
    # explicit links
    "speed_gbps": "Speed (Gb/s)", "count": "Count", "medium": "Medium",
    "length_m": "Length (m)", "fabric": "Fabric",
    "a.rack": "A end: rack", "a.u": "A end: U", "a.port": "A end: port",
    "b.rack": "B end: rack", "b.u": "B end: U", "b.port": "B end: port",
    # fabrics and their tiers
    "purpose": "Purpose", "topology": "Topology", "nic_speed_gbps": "Link speed (Gb/s)",
    "ports_per_gpu": "Ports per GPU", "rails": "Rails", "su_nodes": "Nodes per SU",
    "members": "Member racks", "network_racks": "Network racks",
    "collapse_tiers": "Collapse tiers", "switch": "Switch model", "placement": "Placement",
    "oversubscription": "Oversubscription", "radix": "Radix (ports used)",
    "port_speed_gbps": "Port speed (Gb/s)", "links_per_pair": "Links per leaf-spine pair",
}

#: what an optional field's ``None`` reads as, in its form and in the undo text ("Set
#: PUE override to model", not "to none")
NONE_TEXT: dict[str, str] = {
    "pue": "model", "tile_m": "none", "flow_lpm": "not rated",
    "cabling.optics_above_m": "policy default", "length_m": "routed",
    "a.u": "its system or first device", "b.u": "its system or first device", "count": "auto",
    "radix": "all ports", "port_speed_gbps": "catalog",
    "links_per_pair": "auto", "group": "by kind (crah, cdu)"}


def none_text(field: str) -> str:
    """Return what ``None`` reads as for ``field`` (``hall.``, ``assumptions.`` and a
    tier's ``tiers.N.`` left out): ``none_text("assumptions.pue") == "model"``."""
    return NONE_TEXT.get(re.sub(r"^(hall\.|assumptions\.|tiers\.\d+\.)", "", field), "none")
