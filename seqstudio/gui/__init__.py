"""The seqstudio desktop application (the only package that imports Qt).

Start it with :func:`seqstudio.gui.app.run_app`, or ``seqstudio`` with no arguments.
"""
