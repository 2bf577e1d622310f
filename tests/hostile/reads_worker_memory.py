"""Hostile: searches its own memory, inherited from the warm worker, for the reference solution.

If the worker that forked this sandbox had earlier run the reference (to compute
the expected facts), the reference's source may still lie in freed memory.
Prints the text around every ``def linear_model(``, ``def gd_step(``... that is
not its own source. Expected: none of the reference's text comes back.
"""
import ctypes
import os

print("sandbox-uid", os.getuid())
own = open(os.path.join(os.getcwd(), "submission.py.txt"), errors="replace").read()
anchors = [b"def " + name + b"(" for name in (b"linear_model", b"mse", b"gd_step", b"fit")]
found = {}
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
for parts in regions:
    if not parts[1].startswith("rw") or (len(parts) > 5 and not parts[5].startswith("[heap")):
        continue
    lo, hi = (int(x, 16) for x in parts[0].split("-"))
    if hi - lo > 256 << 20:
        continue
    data = ctypes.string_at(lo, hi - lo)
    for anchor in anchors:
        at = data.find(anchor)
        while at >= 0 and len(found) < 30:
            text = data[max(0, at - 1500):at + 500].decode("ascii", errors="ignore")
            key = data[at:at + 80]
            if key.decode("ascii", errors="ignore") not in own:
                found[key] = text
            at = data.find(anchor, at + 1)
for text in found.values():
    print("MEMORY:", text)
