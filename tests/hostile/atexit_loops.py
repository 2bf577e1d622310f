"""Hostile: exit handlers that loop forever, at import and inside an item.

atexit, threading's exit hooks, a weakref finalizer and a non-daemon thread
that never ends. Expected: the sandbox never runs them (it leaves with
os._exit); the correct code earns every item.
"""
import atexit
import threading
import time
import weakref


def forever(*args):
    start = time.time()
    while time.time() < start + 600:  # bounded
        try:
            time.sleep(0.1)
        except BaseException:
            pass


class Anchor:
    pass


anchor = Anchor()
atexit.register(forever)
threading._register_atexit(forever)
weakref.finalize(anchor, forever).atexit = True
threading.Thread(target=forever).start()

#<correct.py>

_mse = mse


def mse(t1, t2):
    atexit.register(forever)
    return _mse(t1, t2)
