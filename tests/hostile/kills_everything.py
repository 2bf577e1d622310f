"""Hostile: kills its parent, pid 1, its process group, -1 and every pid it can see or guess.

At import and again inside ``linear_model``. Expected: nothing outside the
sandbox can be reached; the runner (init of the sandbox's PID namespace) is
immune; only linreg.model is lost, because its own process group includes the
item process itself.
"""
import os
import signal


def kill_everything():
    if not 61000 <= os.getuid() < 62000:
        return  # only ever inside the grader's sandbox
    me = os.getpid()
    for target in (os.getppid(), 1, -1, 0):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    seen = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    for pid in seen + list(range(2, 70000)):
        if pid != me:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


kill_everything()

#<correct.py>

_linear_model = linear_model


def linear_model(x, w, b):
    kill_everything()
    return _linear_model(x, w, b)
