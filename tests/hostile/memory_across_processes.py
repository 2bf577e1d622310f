"""Hostile: holds memory in several processes at once, each under the per-process cap.

At import, eight children each allocate and touch 300 MB (2.4 GB in all,
bounded), report through a pipe, and hold it until released. The parent
collects the reports over a few statements (each under the per-statement
budget), prints the total held at once, and releases them. It defines nothing.
Expected: the sandbox as a whole cannot hold more than memory_mb.
"""
import os
import select
import time

CHILDREN, MB = 8, 300
print("sandbox-uid", os.getuid())
report_r, report_w = os.pipe()
release_r, release_w = os.pipe()
reports = []


def start_children():
    for _ in range(CHILDREN):
        try:
            if os.fork() == 0:
                try:
                    block = bytearray(MB << 20)  # zero-filled: resident
                    os.write(report_w, b"1")
                    os.read(release_r, 1)  # hold it until released (or the parent is gone)
                except MemoryError:
                    os.write(report_w, b"0")
                finally:
                    os._exit(0)
        except OSError:
            break


def collect(seconds=1.5):
    stop = time.time() + seconds
    while len(reports) < CHILDREN and select.select([report_r], [], [], max(0, stop - time.time()))[0]:
        reports.extend(os.read(report_r, CHILDREN))


start_children()
collect()
collect()
collect()
collect()
held = reports.count(ord("1"))
print(f"held {held * MB} MB at once in {held} processes")
os.write(release_w, b"x" * CHILDREN)
