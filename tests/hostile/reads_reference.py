"""Hostile: tries to read the reference solution and the assignment specs, and to import them.

Absolute paths (filled in by the test), relative guesses, /proc/*/root and
/proc/*/cwd, a search of the file system, ``import reference...``, and the
grader's own modules (``autograder.spec.load``, ``autograder.reference``).
Whatever it finds it prints, and puts into the exception that ``mse`` raises
(so it would reach the feedback). Expected: nothing is found.
"""
import glob
import importlib
import importlib.util
import os
import sys
import time

PARAMS = {}  #<params>

found = []
candidates = list(PARAMS.get("paths", []))
for prefix in ("", "../", "../../", "../../../", "/proc/self/root", "/proc/1/root", "/proc/1/cwd/"):
    for rel in ("reference/linear_regression.py", "assignments/linear_regression/assignment.yaml",
                "assignments/linear_regression/checks.py", "assignments/linear_regression/probes.py"):
        candidates.append(prefix + rel)
        candidates.append(prefix + "/" + rel)
for root in PARAMS.get("roots", []) + ["/root", "/home", "/srv", "/opt"]:
    for path in glob.glob(os.path.join(root, "**", "linear_regression*"), recursive=True)[:50]:
        candidates.append(path)
for path in candidates:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            found.append(f"{path}: {fh.read()}")
    except OSError:
        pass

start = time.time()
for top in ("/", "/work", "/root"):
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath.startswith(("/proc", "/sys", "/dev", "/usr", "/root/.pyenv")) or time.time() > start + 1:
            dirnames[:] = []
            continue
        for name in filenames:
            if name in ("linear_regression.py", "assignment.yaml"):
                path = os.path.join(dirpath, name)
                try:
                    found.append(f"{path}: {open(path, errors='replace').read()}")
                except OSError:
                    pass

sys.path[:0] = PARAMS.get("roots", []) + [".", "..", "/work/main"]
for module in ("reference.linear_regression", "reference", "assignments"):
    try:
        found.append(f"import {module}: {importlib.import_module(module)!r}")
    except Exception:
        pass
for path in PARAMS.get("paths", []):
    try:
        spec = importlib.util.spec_from_file_location("leaked", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(f"exec {path}: {sorted(vars(module))}")
    except Exception:
        pass
try:
    from autograder import spec as spec_mod

    loaded = spec_mod.load("linear_regression")
    found.append(f"spec: {loaded!r} {loaded.reference.read_text()}")
except Exception:
    pass
try:
    from autograder import reference as reference_mod

    for path in reference_mod.cache_dir().iterdir():
        found.append(f"cache {path}: {path.read_text()}")
except Exception:
    pass

print("found", len(found))
for text in found:
    print(text)


def mse(t1, t2):
    raise RuntimeError(" | ".join(found)[:280] or "nothing found")
