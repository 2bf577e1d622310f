"""Hostile: an endless loop at import, before the definitions.

Expected: the statement is stopped after cell_seconds; the definitions after it
still load and every item passes.
"""
import time

start = time.time()
while time.time() < start + 600:  # bounded, in case this file is ever run by hand
    pass

#<correct.py>
