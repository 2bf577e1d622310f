"""Hostile: starts 200 busy threads at import (bounded to a minute).

Expected: the process limit stops it at a few dozen (small stacks, so that it is
the process limit and not the address-space limit that stops it); the threads
cannot be stopped, so they hold the process limit and the items cannot start:
every item is an error that says so. Grading returns within its limits.
"""
import threading
import time

threading.stack_size(256 * 1024)
stop = time.time() + 60  # bounded
go = threading.Event()


def spin():
    go.wait()  # start them all first, then spin
    while time.time() < stop:
        pass


started = 0
for _ in range(200):
    try:
        threading.Thread(target=spin, daemon=True).start()
        started += 1
    except RuntimeError:
        break
go.set()
print("started", started, "threads")

#<correct.py>
