"""``python -m torchlint.witness.runner RULE RECORD SCRIPT [ARGS...]``

Installs the rule's instrumentation, runs SCRIPT as ``__main__`` and writes
what the instrumentation recorded (plus any exception the script raised) to
RECORD as JSON, whatever happens.
"""
from __future__ import annotations

import importlib
import json
import runpy
import sys
import traceback


def main(argv) -> int:
    rule, record_path, script, *args = argv
    record = {"script": script, "argv": args}
    module = importlib.import_module(f"torchlint.witness.{rule}")
    code = 0
    try:
        module.instrument(record)
        sys.argv = [script, *args]
        sys.path.insert(0, __import__("os").path.dirname(script))
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # the hazard itself may be an exception
        record["exception"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
        traceback.print_exc()
        code = 1
    finally:
        finish = getattr(module, "finish", None)
        if finish is not None:
            finish(record)
        with open(record_path, "w") as fh:
            json.dump(record, fh, default=str)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
