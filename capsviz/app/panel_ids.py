"""The one registry of the right-hand column's panels: the id each is known by, and its tab title.

``--screenshot --panel ID``, ``MainWindow.show_panel(ID)`` and the analysis
panels all read it; nothing finds a tab by its title. Qt-free, so the command
line can list the ids without starting Qt.
"""

from __future__ import annotations

PANEL_TITLES: dict[str, str] = {
    "routing": "Routing",
    "overview": "Overview",
    "where": "Where",
    "why": "Why",
    "what": "What",
    "counterfactuals": "Counterfactuals",
    "invariance": "Invariance",
    "compare": "Compare & keep",
    "gallery": "Gallery",
    "two-digits": "Two digits",
}
PANEL_IDS = tuple(PANEL_TITLES)
ROUTING_PANEL = "routing"  # the window's own; the others come with the analysis panels
OVERVIEW_PANEL = "overview"  # the network at a glance, installed beside them
INSIGHT_PANEL_IDS = tuple(panel for panel in PANEL_IDS if panel not in (ROUTING_PANEL, OVERVIEW_PANEL))
