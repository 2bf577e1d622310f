"""Isolation layers for the sandbox process: namespaces, mounts, limits, identity.

Each layer is applied independently and recorded, so a machine that refuses
one (a Docker container without CAP_SYS_ADMIN, a non-root user) still gets
the others, and the results JSON says which were active:

=============  ==============================================================
layer          what it does
=============  ==============================================================
``pid_ns``     new PID namespace: when grading ends, the kernel kills every
               process the submission started, setsid daemons included
``net_ns``     new network namespace with no interface up: no network at all
``mount_ns``   private mounts: empty read-only tmpfs over the course folder,
               the batch's other submissions, outputs and caches, and every
               top-level folder outside SYSTEM_DIRS (the Python installation
               is bound back read-only); fresh
               size-capped tmpfs for /tmp, /var/tmp, /dev/shm; every other
               file system read-only; a /proc that only shows the sandbox's
               own processes
``uid``        runs as a dedicated unprivileged uid (one per worker slot), so
               DAC protects everything else and a leftover-process sweep can
               kill exactly what the submission left behind
``rlimits``    address space, CPU time, processes, file size, open files, no
               core dumps
``no_new_privs`` setuid programs cannot regain privileges
``memory_cgroup`` one memory cgroup per worker slot caps the sandbox's total
               memory (rlimits only cap each process)
``cpu_cgroup`` one CPU cgroup per worker slot: at most one CPU and an equal
               share, so a submission's busy processes slow only itself; item
               budgets are judged on the CPU time the slot used
``env``        environment scrubbed to a few harmless variables
=============  ==============================================================

Python 3.11 has no ``os.unshare``; we call libc through ctypes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import resource
import signal
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REMOUNT = 32
MS_REC = 16384
MS_PRIVATE = 1 << 18
ST_NOATIME = 1024  # statvfs f_flag bits, the same values as the MS_ mount flags
ST_NODIRATIME = 2048
ST_RELATIME = 1 << 21

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

SANDBOX_UID_BASE = 61000
SCRUBBED_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), "prctl")


def enter_namespaces(wanted: bool) -> dict[str, Any]:
    """Called in the sandbox's first process: unshare what the machine allows.

    As root we need no user namespace. As another user we try a user namespace
    mapping ourselves to root inside it, which also lets us mount. Returns the
    layers that took effect and a reason for each that did not.
    """
    layers: dict[str, Any] = {"pid_ns": False, "net_ns": False, "mount_ns": False, "userns": False}
    if not wanted:
        layers["unavailable"] = "namespaces turned off"
        return layers
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    uid, gid = os.geteuid(), os.getegid()
    attempts = [flags] if uid == 0 else []
    attempts.append(flags | CLONE_NEWUSER)
    reason = ""
    for attempt in attempts:
        try:
            unshare(attempt)
        except OSError as exc:
            reason = f"unshare refused ({errno.errorcode.get(exc.errno, exc.errno)})"
            continue
        if attempt & CLONE_NEWUSER:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
            Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
            layers["userns"] = True
        layers.update(pid_ns=True, net_ns=True, mount_ns=True)
        return layers
    layers["unavailable"] = reason or "namespaces unavailable"
    return layers


def setup_mounts(layers: dict[str, Any], hide: list[str], disk_mb: float) -> str:
    """In the new mount namespace: hide paths, give fresh scratch space. Returns the workdir."""
    if not layers.get("mount_ns"):
        import tempfile

        return tempfile.mkdtemp(prefix="autograder-sandbox-")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    _remount_read_only()
    size = f"size={int(disk_mb)}m"
    keep = _interpreter_paths()
    handles = {path: os.open(path, os.O_PATH) for path in keep}  # before anything covers them
    scratch_dirs = ("/tmp", "/var/tmp", "/dev/shm")
    for scratch in scratch_dirs:
        if os.path.isdir(scratch):
            mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=1777")
            # e.g. a virtualenv under /tmp: the interpreter must stay importable
            _reexpose([k for k in keep if k.startswith(scratch + "/")], handles)
    hide = [h for h in hide if h != "/" and not any(
        h == d or h.startswith(d + "/") for d in scratch_dirs)]  # already replaced by fresh scratch
    for path in sorted(set(hide) | set(_private_homes(keep)) | set(_unlisted_top_level()), key=len):
        if os.path.isdir(path):
            _hide(path, [k for k in keep if k.startswith(path.rstrip("/") + "/")], handles)
    for fd in handles.values():
        os.close(fd)
    if layers.get("pid_ns"):
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    workdir = "/tmp/work"
    os.mkdir(workdir, 0o700)
    return workdir


def _remount_read_only() -> None:
    """Make every file system read-only in our namespace (kernel ones aside).

    The uid alone still leaves world-writable folders such as ``/run/lock``:
    a submission could fill the disk there, past the size-capped scratch
    space, or leave files for a later submission to read. The scratch tmpfs
    mounted after this stays writable.
    """
    keep_flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME
    for target in _mount_points():
        if target.startswith(("/proc", "/sys", "/dev")):
            continue
        try:
            flags = os.statvfs(target).f_flag & keep_flags
            if flags & MS_RDONLY:
                continue
            mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | flags)
        except OSError:
            pass  # best effort: the uid still protects what it can


def _mount_points() -> list[str]:
    unescape = lambda field: re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)  # noqa: E731
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        return sorted({unescape(line.split()[4]) for line in fh}, key=len)


def _interpreter_paths() -> list[str]:
    """Directories Python needs to import modules later: the prefixes and installed packages.

    Only installation folders, never arbitrary ``sys.path`` entries: the
    grader's own sys.path may hold the course folder (the current directory,
    pytest's rootdir), which must stay hidden.
    """
    import sys
    import sysconfig

    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    installed = {p for p in sys.path if "site-packages" in p or "dist-packages" in p}
    installed |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    return sorted(p for p in prefixes | installed if p and os.path.isdir(p) and p != "/")


# Top-level folders a Python process needs; every other one (/home, /root, /work,
# /opt, /srv, /mnt, /run, ...) is covered, so course material kept anywhere
# else on the machine stays out of reach, not just the paths we know about.
SYSTEM_DIRS = frozenset({"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin",
                         "sys", "tmp", "usr", "var"})


def _unlisted_top_level() -> list[str]:
    return [f"/{name}" for name in os.listdir("/")
            if name not in SYSTEM_DIRS and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")]


def _private_homes(keep: list[str]) -> list[str]:
    """Home folders the sandbox uid cannot traverse but that hold the interpreter.

    E.g. a pyenv Python under ``/root/.pyenv``: we hide ``/root`` and re-expose
    only the interpreter's folders, so imports keep working and nothing else
    in the home folder is visible.
    """
    homes = set()
    for path in keep:
        parts = Path(path).parts
        for depth in range(2, len(parts)):
            parent = str(Path(*parts[:depth]))
            if not os.stat(parent).st_mode & 0o001:
                homes.add(parent)
                break
    return sorted(homes)


def _hide(path: str, keep: list[str], handles: dict[str, int]) -> None:
    """Cover ``path`` with an empty read-only tmpfs, re-exposing ``keep`` (read-only binds)."""
    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    _reexpose(keep, handles)
    mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=64k,mode=0755")


def _reexpose(keep: list[str], handles: dict[str, int]) -> None:
    """Bind-mount ``keep`` folders back, read-only, from handles opened before they were covered."""
    for inner in keep:
        if any(inner.startswith(k + "/") for k in keep):
            continue  # already inside another re-exposed folder
        os.makedirs(inner, exist_ok=True)
        mount(f"/proc/self/fd/{handles[inner]}", inner, None, MS_BIND | MS_REC)
        mount(None, inner, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def set_limits(limits: dict[str, float]) -> dict[str, Any]:
    """Apply rlimits; returns which were set."""
    mb = 1024 * 1024
    wanted = {
        resource.RLIMIT_AS: int(limits["memory_mb"] * mb),
        resource.RLIMIT_CPU: int(limits["cpu_seconds"]),
        resource.RLIMIT_FSIZE: int(limits["file_size_mb"] * mb),
        resource.RLIMIT_NOFILE: int(limits["open_files"]),
        resource.RLIMIT_CORE: 0,
    }
    applied = {}
    for which, value in wanted.items():
        try:
            resource.setrlimit(which, (value, value))
            applied[which] = value
        except (ValueError, OSError):
            pass
    return {"rlimits": len(applied) == len(wanted)}


def drop_identity(uid: int, limits: dict[str, float], workdir: str) -> bool:
    """Switch to the dedicated sandbox uid (root only); cap its process count."""
    if os.geteuid() != 0 or _in_user_namespace():
        return False
    os.chown(workdir, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    # RLIMIT_NPROC counts every process of the real uid: set it just before switching.
    nproc = int(limits["processes"])
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    os.setuid(uid)
    return True


def _in_user_namespace() -> bool:
    try:
        return Path("/proc/self/uid_map").read_text().split()[:3] != ["0", "0", "4294967295"]
    except OSError:
        return False


def scrub_environment(workdir: str) -> None:
    os.environ.clear()
    os.environ.update(SCRUBBED_ENV)
    os.environ.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=workdir)


def harden(limits: dict[str, float]) -> dict[str, Any]:
    layers: dict[str, Any] = {}
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        layers["no_new_privs"] = True
    except OSError:
        layers["no_new_privs"] = False
    layers.update(set_limits(limits))
    return layers


def join_memory_cgroup(name: str, limit_mb: float) -> bool:
    """Move this process (and so every later child) into a memory cgroup capped at ``limit_mb``.

    RLIMIT_AS caps each process; a submission with 64 processes could still
    hold 64 times that. The cgroup caps the sandbox's *total* new memory: past
    it the kernel's OOM killer ends a process of the sandbox, never the host's.
    The group is a child of our own (cgroup v1 ``memory`` or v2), one per
    worker slot, reused run after run. Returns False where cgroups are not writable.
    """
    limit = str(int(limit_mb * 1024 * 1024))
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        v1 = [ln.split(":", 2)[2] for ln in lines if ln.split(":", 2)[1] == "memory"]
        if v1:
            group = Path("/sys/fs/cgroup/memory" + v1[0]) / f"autograder-{name}"
            # memsw (memory + swap) must stay >= the memory limit: set it on both sides
            files = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
        else:
            own = [ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")][0]
            group = Path("/sys/fs/cgroup" + own) / f"autograder-{name}"
            files = ["memory.max", "memory.swap.max"]
        group.mkdir(exist_ok=True)
        for i, file in enumerate(files):
            target = group / file
            try:
                if target.exists():
                    target.write_text("0" if file == "memory.swap.max" else limit)
            except OSError:
                if i > 0:  # only the first memsw write may fail (when raising the limit)
                    raise
        (group / "cgroup.procs").write_text(str(os.getpid()))
        return True
    except (OSError, IndexError):
        return False


CPU_PERIOD_US = 100_000  # one CPU per slot: a quota of one full period in every period


class CpuAccount:
    """The CPU time a slot's cgroup has used, read from a descriptor opened before the uid drop.

    cgroup v1 ``cpuacct.usage`` (nanoseconds) or v2 ``cpu.stat`` (``usage_usec``).
    """

    def __init__(self, fd: int, v2: bool) -> None:
        self.fd = fd
        self.v2 = v2

    def seconds(self) -> float | None:
        """Total CPU seconds so far (all processes of the slot), or None when unreadable."""
        try:
            text = os.pread(self.fd, 4096, 0).decode("ascii", "replace")
            if not self.v2:
                return int(text.strip()) / 1e9
            fields = dict(line.split(None, 1) for line in text.splitlines() if " " in line)
            return int(fields["usage_usec"]) / 1e6
        except (OSError, ValueError, KeyError):
            return None


def join_cpu_cgroup(name: str) -> tuple[bool, CpuAccount | None]:
    """Move this process (and every later child) into the slot's CPU cgroup.

    Capped at one CPU (``cpu.cfs_quota_us`` / v2 ``cpu.max``) with the default,
    equal share, so that in a ``--jobs N`` batch a submission that keeps 31
    processes busy gets one CPU and its neighbours keep theirs. Returns whether
    the cap took effect, and an account of the CPU time the group uses (the
    item budgets are judged on it), or None where cgroups are not writable.
    """
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        if _v1_path(lines, "cpu") is not None:
            return _join_cpu_v1(lines, name)
        return _join_cpu_v2(lines, name)
    except (OSError, IndexError, ValueError):
        return False, None


def _join_cpu_v1(lines: list[str], name: str) -> tuple[bool, CpuAccount | None]:
    capped = False
    cpu = _v1_group("cpu", _v1_path(lines, "cpu"), name)
    if cpu is not None:
        cpu.mkdir(exist_ok=True)
        (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US))
        (cpu / "cpu.shares").write_text("1024")
        (cpu / "cgroup.procs").write_text(str(os.getpid()))
        capped = True
    acct = _v1_group("cpuacct", _v1_path(lines, "cpuacct"), name)
    if acct is None:
        return capped, None
    acct.mkdir(exist_ok=True)
    (acct / "cgroup.procs").write_text(str(os.getpid()))  # a no-op when co-mounted with cpu
    return capped, CpuAccount(os.open(acct / "cpuacct.usage", os.O_RDONLY), v2=False)


def _join_cpu_v2(lines: list[str], name: str) -> tuple[bool, CpuAccount | None]:
    own = [ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")][0]
    mount = _cgroup_mount("cgroup2", None)
    if mount is None:
        return False, None
    root, target = mount
    current = Path(target + own[len(root.rstrip("/")):])
    group = current if current.name == f"autograder-{name}" else current / f"autograder-{name}"
    group.mkdir(exist_ok=True)  # the memory layer may have made (and joined) it already
    try:
        control = group.parent / "cgroup.subtree_control"
        if "cpu" not in control.read_text().split():
            control.write_text("+cpu")
    except OSError:
        pass  # e.g. the parent holds processes: accounting only, no cap
    capped = False
    try:
        (group / "cpu.max").write_text(f"{CPU_PERIOD_US} {CPU_PERIOD_US}")
        (group / "cpu.weight").write_text("100")
        capped = True
    except OSError:
        pass
    (group / "cgroup.procs").write_text(str(os.getpid()))
    return capped, CpuAccount(os.open(group / "cpu.stat", os.O_RDONLY), v2=True)


def _v1_path(lines: list[str], controller: str) -> str | None:
    """Our group's path in the v1 hierarchy that holds ``controller``, if there is one."""
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _v1_group(controller: str, own: str | None, name: str) -> Path | None:
    mount = _cgroup_mount("cgroup", controller) if own is not None else None
    if mount is None:
        return None
    root, target = mount
    if not own.startswith(root):
        return None
    return Path(target + own[len(root.rstrip("/")):]) / f"autograder-{name}"


def _cgroup_mount(fstype: str, controller: str | None) -> tuple[str, str] | None:
    """(root inside the hierarchy, mount point) of the cgroup file system holding ``controller``."""
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) < 5 or len(tail) < 3 or tail[0] != fstype:
                continue
            if controller is None or controller in tail[2].split(","):
                return fields[3], fields[4]
    return None


def die_with_parent() -> None:
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def sweep_uid(uid: int) -> None:
    """Kill every process owned by ``uid`` (the fallback when there is no PID namespace).

    A helper process takes the sandbox uid and calls ``kill(-1, SIGKILL)``,
    which reaches exactly the processes that uid owns — daemons included.
    """
    if os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
