"""Hostile: allocates (and touches) memory in 512 MB chunks, at import and inside ``mse``.

Bounded to 6 GB in total. Expected: the address-space limit stops it with a
MemoryError; the correct code still earns every item.
"""
import torch

hoard = []


def grab(gigabytes=6):
    try:
        for _ in range(2 * gigabytes):
            hoard.append(bytearray(512 << 20))  # zero-filled, so really resident
    except MemoryError:
        pass
    try:
        hoard.append(torch.ones(1 << 31))  # 8 GB of float32
    except (MemoryError, RuntimeError):
        pass
    return len(hoard)


print("grabbed", grab(), "chunks at import")
hoard.clear()

#<correct.py>


def mse(t1, t2):
    grab()
    hoard.clear()
    return torch.mean((t1 - t2) ** 2)
