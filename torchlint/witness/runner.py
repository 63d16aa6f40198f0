"""``python -m torchlint.witness.runner RULE RECORD SCRIPT [ARGS...]``

Installs the rule's instrumentation (``RULE`` ``-``: none, a plain run), runs
SCRIPT as ``__main__`` and writes what the instrumentation recorded (plus any
exception the script raised) to RECORD as JSON, whatever happens. The fork
server (:mod:`torchlint.witness.forkserver`) calls :func:`execute` in each child.
"""
from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
import traceback
from typing import Optional, Sequence

PLAIN = "-"


def execute(rule: Optional[str], record_path: str, script: str, args: Sequence[str]) -> int:
    record = {"script": script, "argv": list(args), "rule": rule or PLAIN}
    module = None if rule in (None, PLAIN) else importlib.import_module(f"torchlint.witness.{rule}")
    code = 0
    run_path = runpy.run_path
    from torchlint.witness.lightning_support import alias_unified_package

    alias_unified_package()  # the environment of every run, not instrumentation
    try:
        if module is not None:
            module.instrument(record)
            run_path = getattr(module, "run_path", run_path)
    except Exception as exc:  # the witness broke before the script ran
        record["witness_error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
        module, code = None, 1
    try:
        if code == 0:
            sys.argv = [script, *args]
            sys.path.insert(0, os.path.dirname(script))
            run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # the hazard itself may be an exception
        record["exception"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
        traceback.print_exc()
        code = 1
    finally:
        finish = getattr(module, "finish", None)
        if finish is not None:
            try:
                finish(record)
            except Exception as exc:  # a witness bug must surface, not hide the record
                record["witness_error"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
        with open(record_path, "w") as fh:
            json.dump(record, fh, default=str)
    return code


def main(argv) -> int:
    rule, record_path, script, *args = argv
    return execute(rule, record_path, script, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
