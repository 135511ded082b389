"""Parameter panels: thin views of :class:`~seqstudio.gui.model.GeneratorModel`, one per file."""
