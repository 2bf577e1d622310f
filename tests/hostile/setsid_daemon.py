"""Hostile: a double-forked, setsid daemon that writes a file once grading should be over.

The daemon waits ``PARAMS["delay"]`` seconds, then tries for a minute to write
``PARAMS["path"]`` (a folder of the test's), /run/lock and /var/tmp files.
Expected: it dies with the sandbox; the file never appears; the correct code
earns every item.
"""
import os
import time

PARAMS = {}  #<params>

start = time.time()


def daemonize():
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    os.chdir("/")
    while time.time() < start + PARAMS["delay"]:
        time.sleep(0.1)
    while time.time() < start + PARAMS["delay"] + 60:  # bounded
        for path in (PARAMS["path"], "/run/lock/autograder-hostile-daemon",
                     "/var/tmp/autograder-hostile-daemon"):
            try:
                with open(path, "w") as fh:
                    fh.write(f"written by a daemon of a graded submission, pid {os.getpid()}\n")
            except OSError:
                pass
        time.sleep(0.5)
    os._exit(0)


daemonize()

#<correct.py>
