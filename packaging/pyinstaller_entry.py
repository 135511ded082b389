"""Entry point of the standalone (PyInstaller) build: the ``seqstudio`` command.

``freeze_support`` lets the export's process pool (spawn) re-enter this executable.
"""

import multiprocessing
import sys

from seqstudio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
