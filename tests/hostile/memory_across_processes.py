"""Hostile: holds memory in several processes at once, each under the per-process cap.

At import, eight children each allocate and touch 300 MB (2.4 GB in all,
bounded), report through a pipe, and hold it until released. The parent
collects the reports over a few statements (each under the per-statement
budget), prints the total held at once by the children still alive, and releases them. It defines nothing.
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
children = []


def start_children():
    for _ in range(CHILDREN):
        try:
            pid = os.fork()
            if pid:
                children.append(pid)
            if pid == 0:
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
# A child that reported may since have been killed (e.g. by an OOM killer): count the living.
alive = [pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)]
held = min(reports.count(ord("1")), len(alive))
print(f"held {held * MB} MB at once in {held} processes")
os.write(release_w, b"x" * CHILDREN)
