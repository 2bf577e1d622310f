"""Hostile: ``fit`` sleeps for minutes and swallows interrupts; the rest is correct.

Expected: only linreg.fit is lost (an error: timed out); the other items pass.
"""
import time

#<correct.py>


def fit(num_epochs, model, loss_fn, opt, train_dl):
    start = time.time()
    while time.time() < start + 600:  # bounded
        try:
            time.sleep(1)
        except BaseException:
            pass
