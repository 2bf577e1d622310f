"""Hostile: writes up to 100 MB of files everywhere it might be able to.

Then leaves a small file in each folder. Expected: the file-size limit, the
size-capped scratch space and the read-only file systems stop it; nothing
appears outside the sandbox; the correct code still earns every item.
"""
import os
import tempfile

FOLDERS = [os.getcwd(), tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm",
           os.path.expanduser("~"), "/run/lock", "/var/lock", "/", "/root"]
MB = b"\0" * (1 << 20)


def fill(total_mb=100):
    written, made = 0, []
    for folder in FOLDERS:
        for i in range(total_mb):
            path = os.path.join(folder, f"autograder-hostile-fill-{i}.bin")
            try:
                with open(path, "wb") as fh:
                    made.append(path)
                    for _ in range(16):
                        if written >= total_mb:
                            return written, made
                        fh.write(MB)
                        written += 1
            except OSError:
                break
    return written, made


written, made = fill()
print("wrote", written, "MB")
for folder in FOLDERS:  # a small file meant to outlive grading (the test removes any it finds)
    try:
        with open(os.path.join(folder, "autograder-hostile-left-behind"), "w") as fh:
            fh.write("left behind by a graded submission\n")
    except OSError:
        pass
for path in made:  # tidy up, in case this ever runs outside the sandbox
    try:
        os.remove(path)
    except OSError:
        pass

#<correct.py>
