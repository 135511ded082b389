"""``python -m seqstudio``: the same as the ``seqstudio`` command."""

import sys

from seqstudio.cli import main

sys.exit(main())
