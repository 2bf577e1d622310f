"""Hostile: os._exit(0) at import, after the (correct) definitions.

Expected: the sandbox dies; every item is an error; grading carries on.
"""
import os

#<correct.py>

os._exit(0)
