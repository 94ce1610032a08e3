"""Insight panels: where, why and what the capsules encode (plug into the main window's tabs).

Start with :class:`capsviz.app.insight.panels.InsightPanels`.
"""
