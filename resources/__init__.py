"""Data files bundled with seqstudio (installed as the ``seqstudio.resources`` package)."""
