"""Hostile: sleeps at import, swallowing interrupts, with a setsid daemon beside it.

Used by the test that kills the grading command itself: when the grader dies,
nothing of this submission may survive it.
"""
import os
import signal
import time

print("sandbox-uid", os.getuid(), flush=True)
start = time.time()
if os.fork() == 0:
    os.setsid()
    while time.time() < start + 120:  # bounded
        time.sleep(0.2)
    os._exit(0)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while time.time() < start + 120:  # bounded
    try:
        time.sleep(0.2)
    except BaseException:
        pass
