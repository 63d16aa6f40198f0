#!/usr/bin/env bash
# The GPU evidence in one command (issue 17). From the repository root, on a
# machine with a CUDA build of torch and pytest (flake8 is not needed):
#
#     bash tests/gpu/run_on_gpu.sh
#
# Prints the date, the GPU, the driver and the versions, then runs every
# `gpu`-marked test. Exits non-zero when CUDA is missing, when nothing was
# collected, when any test failed, or when any test was skipped instead of run:
# a skipped gpu test is not evidence. Reports (junit XML, the log) go to $OUT
# when set (the device tool brings that folder back), else to a temp folder.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
OUT_DIR=${OUT:-$(mktemp -d)}
mkdir -p "$OUT_DIR"
# the witness scripts import torchlint from this tree, installed or not
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
if ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; then
    echo "run_on_gpu: nvidia-smi failed: this is not a GPU machine" >&2
    exit 3
fi
"$PY" - <<'PYEOF' || { echo "run_on_gpu: torch sees no CUDA device: the gpu tests would only skip" >&2; exit 3; }
import importlib, sys
import torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| CUDA", torch.version.cuda,
      "| cuDNN", torch.backends.cudnn.version())
for name in ("pytest", "xdist", "lightning", "pytorch_lightning", "flake8"):
    try:
        print(f"  {name} {getattr(importlib.import_module(name), '__version__', '?')}")
    except ImportError:
        print(f"  {name} absent")
if not torch.cuda.is_available():
    sys.exit(1)
print("devices:", ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())))
PYEOF

# -o addopts= drops setup.cfg's xdist options: one process, output in order
echo "== $PY -m pytest -m gpu -q -rA -o addopts= -p no:cacheprovider"
"$PY" -m pytest -m gpu -q -rA -o addopts= -p no:cacheprovider \
    --junitxml="$OUT_DIR/gpu-junit.xml" 2>&1 | tee "$OUT_DIR/gpu-pytest.log"
rc=${PIPESTATUS[0]}

"$PY" - "$OUT_DIR/gpu-junit.xml" "$rc" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
path, rc = sys.argv[1], int(sys.argv[2])
try:
    suites = ET.parse(path).getroot()
except (OSError, ET.ParseError) as exc:
    sys.exit(f"run_on_gpu: no junit report ({exc}); pytest exit {rc}")
suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
n = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
print(f"run_on_gpu: {n['tests']} gpu tests, {n['failures']} failed, {n['errors']} errors, "
      f"{n['skipped']} skipped; pytest exit {rc}")
if n["tests"] == 0:
    sys.exit("run_on_gpu: FAIL: no gpu tests were collected")
if n["skipped"]:
    skipped = [c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None]
    sys.exit("run_on_gpu: FAIL: skipped instead of run: " + ", ".join(skipped))
if rc or n["failures"] or n["errors"]:
    sys.exit("run_on_gpu: FAIL")
print("run_on_gpu: PASS")
PYEOF
