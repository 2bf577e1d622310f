"""Hostile: holds memory in several processes at once, each under the per-process cap.

Eight children each allocate and touch 300 MB (2.4 GB in all, bounded), report
through a pipe, and hold it until every one has reported. Prints the total held
at once. Expected: the sandbox as a whole cannot hold more than memory_mb.
"""
import os
import time

print("sandbox-uid", os.getuid())
start = time.time()
report_r, report_w = os.pipe()
release_r, release_w = os.pipe()
children = []
for _ in range(8):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            block = bytearray(300 << 20)  # zero-filled: resident
            os.write(report_w, b"1")
            os.read(release_r, 1)  # hold it until released (or the parent is gone)
        except MemoryError:
            os.write(report_w, b"0")
        finally:
            os._exit(0)
    children.append(pid)
os.close(report_w)
held = reports = 0
while reports < len(children):
    reports += 1
    held += os.read(report_r, 1) == b"1"
print(f"held {held * 300} MB at once in {held} processes")
os.write(release_w, b"x" * len(children))
for pid in children:
    os.waitpid(pid, 0)
