"""Hostile: a loop at import that ignores SIGALRM and swallows every interrupt.

Expected: the per-cell budget cannot stop it, the submission's wall-clock limit
does: grading returns, every item is an error, nothing survives.
"""
import signal
import time


def stubborn():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    start = time.time()
    while time.time() < start + 600:  # bounded
        try:
            time.sleep(0.05)
        except BaseException:
            pass


stubborn()

#<correct.py>
