#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image; the zip is
# unpacked in /autograder/source. Written by `autograder gradescope build` (autograder
# @HARNESS_VERSION@) for the assignment @ASSIGNMENT@: rebuild the zip rather than editing this.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# Where the reference's facts are cached; run_autograder reads the same folder.
export AUTOGRADER_CACHE="${AUTOGRADER_CACHE:-$SOURCE/cache}"
# A throwaway image: install into the system Python (newer Ubuntu images refuse that by default).
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$SOURCE"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup.sh: this autograder needs Python 3.11 or newer, and python3 here is" \
         "$(python3 --version 2>&1 || echo missing): choose a newer base image (e.g. Ubuntu 24.04)" \
         "in the assignment's autograder settings" >&2
    exit 1
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3-pip
fi

# torch first, the CPU build pinned to the version the harness was built and tested with,
# from PyTorch's CPU index: a plain `pip install torch` pulls a CUDA build of several GB.
python3 -m pip install --index-url @TORCH_INDEX@ "torch==@TORCH_VERSION@"
# The harness, from the wheel in this zip (its other dependencies come from PyPI; torch is
# already satisfied).
python3 -m pip install "wheel/@WHEEL@"
# The reference's facts, computed once into the image, so no submission recomputes them
# (and a reference that fails is reported now, while you upload, not at every submission).
autograder gradescope prepare --assignment "$SOURCE/course/assignments/@ASSIGNMENT@"

# Inside Docker the sandbox may get no mount namespace: keep references and specs private to root.
chmod -R go-rwx "$SOURCE"
