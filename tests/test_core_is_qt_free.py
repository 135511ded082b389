"""The core and the CLI's generate path never import Qt."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_and_generate_import_no_qt():
    code = (
        "import sys, seqstudio\n"
        "from seqstudio.core.generator import SequenceGenerator\n"
        "from seqstudio.core.spec import GenerationSpec\n"
        "import seqstudio.cli.generate_cmd\n"
        "SequenceGenerator(GenerationSpec()).generate(0)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
