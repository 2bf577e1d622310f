"""Hostile: text that cannot be printed or saved: lone surrogates, NUL, terminal escapes,
and bytes that are not UTF-8, in its output, its notes and its exception messages.

Expected: every report (results JSON, Gradescope JSON, the terminal report of
``check``) is still written; the text is replaced, not trusted.
"""
import os
import sys

os.write(1, b"not utf-8: \xff\xfe\xc3\x28 and an escape: \x1b]0;owned\x07 \x1b[2J\n")
sys.stdout.write("lone surrogate: \udc80\n")
raise RuntimeError("a note with a lone \ud800 surrogate, a \x00 NUL and \x1b[31m colour")


def mse(t1, t2):
    raise ValueError("lone \ud800 surrogate \udfff, \x00 NUL, \x1b]0;owned\x07 escape")
