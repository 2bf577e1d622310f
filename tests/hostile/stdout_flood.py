"""Hostile: prints 200 MB to stdout and 20 MB to stderr.

Expected: only the head and tail of the output are kept (output_kb); the
correct code still earns every item.
"""
import sys

chunk = "x" * (1 << 20) + "\n"
for _ in range(20):
    sys.stderr.write(chunk)
for _ in range(200):
    sys.stdout.write(chunk)
print("FLOOD-END")

#<correct.py>
