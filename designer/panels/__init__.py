"""The designer's side panels, each a QWidget built as ``Panel(document, parent=None)``.

- :class:`PalettePanel` — the catalog by generation and category; drag entries out.
- :class:`InspectorPanel` — properties of the selection (or the hall), edited via the document.
- :class:`RackElevationPanel` — the selected rack by U; drag devices, drop servers in.
- :class:`DashboardPanel` — live totals and charts of the latest analysis.
- :class:`RulePanel` — rule violations by severity; click to select and zoom.
"""

from __future__ import annotations

from designer.panels.common import MIME_CATALOG
from designer.panels.dashboard import DashboardPanel
from designer.panels.elevation import RackElevationPanel
from designer.panels.inspector import InspectorPanel
from designer.panels.palette import PalettePanel
from designer.panels.rules_panel import RulePanel

__all__ = ["MIME_CATALOG", "PalettePanel", "InspectorPanel", "RackElevationPanel",
           "DashboardPanel", "RulePanel"]
