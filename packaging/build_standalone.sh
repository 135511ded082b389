#!/usr/bin/env bash
# Build the one-folder standalone seqstudio with PyInstaller:
#   bash packaging/build_standalone.sh        -> dist/seqstudio/seqstudio
# Environment: PYTHON (interpreter for the build venv, 3.10-3.12; default python3),
# VENV (default build/standalone-venv), DIST (default dist), WORK (default build/pyinstaller).
# Needs PyPI access.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/build/standalone-venv}
DIST=${DIST:-$ROOT/dist}
WORK=${WORK:-$ROOT/build/pyinstaller}

start=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$ROOT" "pyinstaller>=6.3,<7"

# Run from packaging/ so that the checkout's seqstudio/ is not what gets analysed.
cd "$ROOT/packaging"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" seqstudio.spec

# Launcher files for packagers, next to the app.
mkdir -p "$DIST/seqstudio/share"
cp "$ROOT/packaging/seqstudio.desktop" "$ROOT/packaging/io.github.seqstudio.metainfo.xml" \
    "$DIST/seqstudio/share/"

# Smoke test the result, away from the checkout and the build venv.
APP="$DIST/seqstudio/seqstudio"
SMOKE=$(mktemp -d)
trap 'rm -rf "$SMOKE"' EXIT
(
    cd "$SMOKE"
    env -u PYTHONPATH "$APP" --version
    env -u PYTHONPATH "$APP" generate -o smoke.png
    env -u PYTHONPATH HOME="$SMOKE" XDG_DATA_HOME="$SMOKE/data" XDG_CONFIG_HOME="$SMOKE/config" \
        "$APP" data info | head -3
)
echo "built $APP ($(du -sh "$DIST/seqstudio" | cut -f1)) in $(( $(date +%s) - start )) s"
