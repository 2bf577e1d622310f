"""Attack: 31 busy processes in every item, next to a correct neighbour in a ``--jobs 2`` batch.

``XOR`` is correct, but building one starts 31 small processes that spin for
up to a minute (once per process), and ``train_xor`` spins too, so the items that
train run out of time. In a batch graded two at a time on a 2-core machine
the busy processes once took the neighbour's CPU: a correct submission
graded next to this file dropped from 10/10 to 7/10, its items timing out on
the wall clock.
Expected: this file earns what its control (without the busy processes) earns;
the neighbour's result is exactly its result when graded alone.
"""
import os
import time

from torch import nn

# --- hostile part
import sys

SPAWNED = None
SPIN = "import time\nstop = time.time() + 60\nwhile time.time() < stop:\n    pass\n"  # bounded


def spawn_busy(count=31):
    """Start ``count`` small processes, each in its own session, that spin for up to a minute."""
    global SPAWNED
    if SPAWNED == os.getpid():
        return
    SPAWNED = os.getpid()
    for _ in range(count):
        try:
            # each in a session of its own: the scheduler's autogroups would treat each as a user
            os.posix_spawn(sys.executable, [sys.executable, "-S", "-c", SPIN], dict(os.environ),
                           setsid=True)
        except OSError:
            break
# --- end of hostile part


class XOR(nn.Module):
    def __init__(self, n_hidden=8):
        super().__init__()
        # --- hostile part
        spawn_busy()
        # --- end of hostile part
        self.layers = nn.Sequential(nn.Linear(2, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, 1))

    def forward(self, x):
        return self.layers(x)


def train_xor(model, X, y, epochs=300, lr=0.2):
    # --- hostile part
    spawn_busy()
    # --- end of hostile part
    stop = time.time() + 60  # bounded: spins until the item's time is up
    while time.time() < stop:
        pass
    return [1.0] * epochs
