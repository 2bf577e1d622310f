"""Attack: searches its whole memory, inherited from the warm worker, for the reference helpers.

The worker hands poly.grad and the fits the reference's ``poly_predict`` and
``poly_grad``; earlier submissions graded by the same worker were handed
them too. This file reads every writable region of its own memory and counts
a line only the reference's ``poly_grad`` holds, and, built the same way, a
line that exists nowhere (the search strings are assembled at run time, so
each accounts for its own hits). It prints ``helper lines found: N, control
lines found: M``. Expected: N == M: no copy of a helper is in the memory a
submission loads in.
"""
import ctypes
import re

NEEDLE = bytes(reversed(b")y - derp_y( * 0.2 = derp_y_darg"))  # reversed: not in this file as such
CONTROL = bytes(reversed(b")z - derp_z( * 0.3 = derp_z_darg"))  # the same shape, in no file


CHUNK = 1 << 20
BUFFER = ctypes.create_string_buffer(CHUNK + 64)  # one reused window, zeroed after each use


def count_in_memory(needle):
    """Occurrences of ``needle`` in every writable region, read through one zeroed window and
    searched in place (``re`` on a memoryview): the scan leaves no copy of what it read behind
    to be found again, so the helper's count and the control's differ only by a real copy."""
    found = 0
    pattern = re.compile(re.escape(needle))
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for region in regions:
        if not region[1].startswith("rw"):
            continue
        low, high = (int(x, 16) for x in region[0].split("-"))
        if high - low > 1 << 30:
            continue
        position = low
        while position < high:
            size = min(CHUNK + len(needle) - 1, high - position)
            try:
                ctypes.memmove(BUFFER, position, size)
                found += sum(1 for _ in pattern.finditer(memoryview(BUFFER)[:size]))
            except Exception:
                pass
            finally:
                ctypes.memset(BUFFER, 0, size)
            position += CHUNK
    return found


helper, control = count_in_memory(NEEDLE), count_in_memory(CONTROL)
print(f"helper lines found: {helper}, control lines found: {control}", flush=True)
