"""The dataset inspector: statistics, plots, sample gallery and problems of a folder."""

from seqstudio.gui.inspector.inspector_panel import InspectorPanel, InspectorWindow

__all__ = ["InspectorPanel", "InspectorWindow"]
