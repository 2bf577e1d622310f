"""Attack: forges the grader's "item started" messages to get the reference helpers early.

poly.grad (the second item) is supplied the reference's ``poly_predict``,
which poly.predict (the first item) grades. While it loads, this file forges
``item_start`` for poly.grad alone (skipping ahead), then for poly.predict and
poly.grad in order, and after each tries to read the helpers from every
descriptor it holds. Whatever it gets, it defines ``poly_predict`` from it.
It implements nothing else. It prints ``stolen by skipping ahead: [...]`` and
``stolen after forging in order: [...]``.
Expected: skipping ahead gets nothing (items start once each, in order); forging
in order gets poly.grad's helper, but only by forging away poly.predict's own
answer; so the file earns what its control (nothing implemented) earns.
"""

# --- hostile part
import json
import os
import time


def forge(*messages):
    data = "".join("\n" + json.dumps(m) + "\n" for m in messages).encode()
    for fd in range(3, 64):
        try:
            os.write(fd, data)
        except OSError:
            pass


def steal(seconds=1.0):
    """Whatever helper sources arrive on any descriptor within ``seconds``."""
    stolen, stop = {}, time.time() + seconds
    while time.time() < stop and not stolen:
        for fd in range(3, 64):
            try:
                os.set_blocking(fd, False)
                chunk = os.read(fd, 1 << 20)
            except OSError:
                continue
            for line in chunk.splitlines():
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and isinstance(message.get("supplied"), dict):
                    stolen.update(message["supplied"])
        time.sleep(0.05)
    return stolen


start = lambda item: {"kind": "item_start", "item": item}  # noqa: E731
end = lambda item: {"kind": "item_end", "item": item, "status": "exited", "seconds": 0.0}  # noqa: E731
forge(start("poly.grad"))
skipped = steal()
print("stolen by skipping ahead:", sorted(skipped), flush=True)
forge(start("poly.predict"), end("poly.predict"), start("poly.grad"), end("poly.grad"))
in_order = steal()
print("stolen after forging in order:", sorted(in_order), flush=True)
for source in {**skipped, **in_order}.values():
    exec(source, globals())
# --- end of hostile part
