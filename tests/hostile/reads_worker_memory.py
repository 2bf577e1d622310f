"""Hostile: searches its own memory, inherited from the warm worker, for the reference solution.

If the worker that forked this sandbox had earlier run the reference (to compute
the expected facts), the reference's source may still lie in freed memory.
Prints the text around every ``def linear_model(``, ``def gd_step(``... that is
not its own source. The search is spread over several statements, each under
the per-statement time budget. Expected: none of the reference's text comes back.
"""
import ctypes
import os
import time

print("sandbox-uid", os.getuid())
own = open(os.path.join(os.getcwd(), "submission.py.txt"), errors="replace").read()
anchors = [b"def " + name + b"(" for name in (b"linear_model", b"mse", b"gd_step", b"fit")]
found = {}
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
regions = [p for p in regions if p[1].startswith("rw") and (len(p) < 6 or p[5].startswith("[heap"))]


def search(seconds=1.2):
    stop = time.time() + seconds
    try:
        while regions and time.time() < stop:
            lo, hi = (int(x, 16) for x in regions.pop(0)[0].split("-"))
            if hi - lo > 256 << 20:
                continue
            data = ctypes.string_at(lo, hi - lo)
            for anchor in anchors:
                at = data.find(anchor)
                while at >= 0 and len(found) < 30:
                    key = data[at:at + 80]
                    if key.decode("ascii", errors="ignore") not in own:
                        found[key] = data[max(0, at - 1500):at + 500].decode("ascii", errors="ignore")
                    at = data.find(anchor, at + 1)
    except KeyboardInterrupt:  # the statement's time budget: carry on in the next statement
        pass


search()
search()
search()
search()
search()
print("regions left unsearched:", len(regions))
for text in found.values():
    print("MEMORY:", text)
