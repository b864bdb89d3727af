"""The floor plan canvas: scene, view, items and overlays.

``FloorPlanScene`` keeps one item per model object of a
:class:`designer.document.LayoutDocument`; ``FloorPlanView`` zooms, pans and
takes palette drops. See :mod:`designer.canvas.scene` for the gestures.
"""

from designer.canvas.items import (
    ITEM_CLASSES,
    CoolingUnitItem,
    FeedItem,
    FloorItem,
    ModelItem,
    ObstacleItem,
    RackItem,
    TrayItem,
)
from designer.canvas.overlays import (
    OVERLAY_CLASSES,
    AirflowOverlay,
    CablesOverlay,
    CoolingOverlay,
    HeatmapOverlay,
    ViolationsOverlay,
)
from designer.canvas.render import render_plan
from designer.canvas.scene import FloorPlanScene
from designer.canvas.style import METRICS
from designer.canvas.view import MIME_ITEMS, FloorPlanView

__all__ = [
    "FloorPlanScene", "FloorPlanView", "ModelItem", "RackItem", "CoolingUnitItem", "FeedItem",
    "TrayItem", "ObstacleItem", "FloorItem", "ITEM_CLASSES", "OVERLAY_CLASSES", "HeatmapOverlay",
    "CoolingOverlay", "AirflowOverlay", "CablesOverlay", "ViolationsOverlay", "METRICS",
    "MIME_ITEMS", "render_plan",
]
