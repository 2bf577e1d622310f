"""Hostile: searches its own memory, inherited from the warm worker, for the reference solution.

If the worker that forked this sandbox had earlier run the reference (to compute
the expected facts), the reference's source may still lie in freed memory.
Prints every stretch of text that surrounds "def gd_step(" and is not its own
source. Expected: none of the reference's text comes back.
"""
import ctypes
import os

print("sandbox-uid", os.getuid())
own = open(os.path.join(os.getcwd(), "submission.py.txt"), errors="replace").read()
seen = set()
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
for parts in regions:
    if not parts[1].startswith("rw") or (len(parts) > 5 and not parts[5].startswith("[heap")):
        continue
    lo, hi = (int(x, 16) for x in parts[0].split("-"))
    if hi - lo > 256 << 20:
        continue
    data = ctypes.string_at(lo, hi - lo)
    for anchor in (b"def gd_step(", b'"""'):
        at = data.find(anchor)
        while at >= 0 and len(seen) < 40:
            text = data[max(0, at - 300):at + 300].decode("ascii", errors="ignore")
            if text.strip() and text[300:360] not in own:
                seen.add(text)
            at = data.find(anchor, at + 1)
for text in seen:
    print("MEMORY:", text)
