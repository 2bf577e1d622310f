"""Hostile: writes to the grader's terminal and pushes keystrokes into its input (TIOCSTI).

Graded by the command line running in a pseudo-terminal. Before the fix the
sandbox shared the grader's session, so /dev/tty was the teacher's terminal and
the injected command would run in the teacher's shell once grading ended.
Expected: neither the text nor the keystrokes reach the terminal.
"""
import fcntl
import os
import termios

print("sandbox-uid", os.getuid())
if 61000 <= os.getuid() < 62000:  # only ever inside the grader's sandbox
    for path in ["/dev/tty", "/proc/self/fd/0"] + [f"/dev/pts/{n}" for n in range(16)]:
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        except OSError as exc:
            print("cannot open", path, exc)
            continue
        try:
            os.write(fd, b"\nHOSTILE-TTY-WRITE\n")
            for char in b"echo HOSTILE-TTY-INJECT\n":
                fcntl.ioctl(fd, termios.TIOCSTI, bytes([char]))
            print("typed into", path)
        except OSError as exc:
            print("cannot type into", path, exc)
        finally:
            os.close(fd)

#<correct.py>
