"""Hostile: forks as many sleeping children as it can (at most 200), at import and in an item.

Expected: the process limit stops it; the children are killed before the items
run, so the correct code still earns every item; no child survives grading.
"""
import os
import time

start = time.time()


def bomb(limit=200):
    born = 0
    for _ in range(limit):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            while time.time() < start + 120:  # bounded
                time.sleep(0.2)
            os._exit(0)
        born += 1
    return born


print("forked", bomb(), "children at import")

#<correct.py>

_linear_model = linear_model


def linear_model(x, w, b):
    bomb()
    return _linear_model(x, w, b)
