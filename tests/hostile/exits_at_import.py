"""Hostile: sys.exit(0), exit(), quit() and raise SystemExit at import.

Expected: each is ignored (with a note) and the rest of the file runs, so the
correct code earns every item.
"""
import sys

sys.exit(0)
exit()
quit()
raise SystemExit(3)

#<correct.py>
