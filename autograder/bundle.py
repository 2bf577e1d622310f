"""``autograder gradescope build``: one assignment of a course -> a Gradescope autograder zip.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
(as root, while it builds the image) and ``run_autograder`` once per
submission. Zipping the repository by hand broke in three ways: ``setup.sh``
ran ``pip install .`` on whatever happened to be zipped, an unpinned ``pip
install torch`` pulls a CUDA build of several GB, and ``run_autograder`` named
an assignment that the installed engine, which knows no course, could not find.
So the zip this module writes is self-contained and names nothing outside it::

    setup.sh         CPU torch pinned to the builder's version, from PyTorch's CPU index;
                     the harness from wheel/; the reference's facts cached into the image;
                     the source made private to root
    run_autograder   grades with the assignment baked in as a path inside the zip, and
                     writes a results.json itself when the harness cannot even start
    course/          assignments/<name>/ (all its files) and the reference, at the same
                     paths relative to course/ as in the course, so the YAML's relative
                     paths hold unchanged (the spec's fingerprint, and so every cache key,
                     is the course's own)
    wheel/           the harness, built from this source checkout, or given (--wheel)

The two scripts are templates in ``autograder/templates/gradescope/``: they are
read as shell, not assembled from Python strings.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import yaml

from autograder import __version__
from autograder import course as course_mod
from autograder import spec as spec_mod
from autograder.errors import UsageError

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
SOURCE_NAMES = ("setup.sh", "run_autograder")  # the zip's two scripts, executable
# What a wheel build needs from the checkout besides the package itself.
_PROJECT_FILES = ("pyproject.toml", "README.md", "setup.cfg", "setup.py", "MANIFEST.in", "LICENSE",
                  "LICENSE.txt", "LICENSE.md")
_SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store")
_WHEEL_NAME = re.compile(r"^autograder-(?P<version>[^-]+)-py3-none-any\.whl$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same inputs give the same zip


class BundleError(UsageError):
    """The zip cannot be built as asked; the message says what to do instead."""


@dataclass(frozen=True)
class Bundle:
    """What was built: for the command line's summary."""

    output: Path
    assignment: str
    files: tuple[str, ...]
    torch: str
    wheel: str


def build(assignment: str | Path, output: Path | None, course: str | Path | None = None,
          wheel: Path | None = None) -> Bundle:
    """Write the Gradescope zip of ``assignment`` (a name in the course, or a folder) to
    ``output`` (default ``<name>-autograder.zip``).

    Everything is staged in a temporary folder and the staged spec is loaded
    again before zipping, so a zip whose YAML would not find its reference is
    never written. The zip replaces ``output`` atomically.
    """
    spec = spec_mod.load(assignment, course)
    if getattr(spec, "reference", None) is None:
        raise BundleError(f"{spec.path} has no reference: solution (a student release?); build the "
                          "Gradescope zip from the course's own assignment folder")
    output = Path(output) if output is not None else Path(f"{spec.name}-autograder.zip")
    if output.is_dir():
        raise BundleError(f"--output {output}: is a folder; give a file name such as "
                          f"{spec.name}-autograder.zip")
    _check_writable(output)
    torch = cpu_torch_version()
    with tempfile.TemporaryDirectory(prefix="autograder-bundle-") as tmp:
        stage = Path(tmp) / "source"
        for arcname, source in course_files(spec).items():
            target = stage / "course" / arcname
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        staged = stage / "course" / course_mod.ASSIGNMENTS / spec.name
        try:
            spec_mod.load(staged)
        except spec_mod.SpecError as exc:
            raise BundleError(f"the zip's copy of the assignment does not load ({exc}); keep every "
                              "file the spec names inside the course folder") from None
        wheel_file = _ship_wheel(wheel, Path(tmp) / "wheel-build", stage / "wheel")
        values = {"ASSIGNMENT": spec.name, "TORCH_VERSION": torch, "TORCH_INDEX": TORCH_CPU_INDEX,
                  "WHEEL": wheel_file.name, "HARNESS_VERSION": __version__}
        for name in SOURCE_NAMES:
            (stage / name).write_text(render(name, values), encoding="utf-8")
        files = _write_zip(stage, output)
    return Bundle(output=output, assignment=spec.name, files=files, torch=torch, wheel=wheel_file.name)


def course_files(spec: spec_mod.AssignmentSpec) -> dict[str, Path]:
    """The files the zip's ``course/`` holds, as {path relative to course/: source file}.

    The assignment folder goes to ``assignments/<name>/`` whatever it is called
    in the course (``<name>`` is the spec's name, safe to write into a shell
    script); the reference goes where the YAML's relative path points from
    there, which is its place in the course for a course's assignment. A
    reference that such a path cannot reach inside ``course/`` (an absolute
    path, or one above the course) is refused rather than silently moved.
    """
    base = f"{course_mod.ASSIGNMENTS}/{spec.name}"
    files: dict[str, Path] = {}
    for path in sorted(spec.directory.rglob("*")):
        rel = path.relative_to(spec.directory)
        if any(part in _SKIPPED for part in rel.parts) or not path.is_file():
            continue  # caches, and anything that is not a regular file (after links)
        files[f"{base}/{rel.as_posix()}"] = path
    raw = yaml.safe_load(spec.path.read_text(encoding="utf-8"))["reference"]
    if os.path.isabs(raw):
        raise BundleError(f"{spec.path}: reference: {raw} is an absolute path; write it relative "
                          f"to the YAML (e.g. ../../reference/{spec.name}.py) so the zip can carry it")
    target = posixpath.normpath(f"{base}/{Path(raw).as_posix()}")
    if target == ".." or target.startswith("../"):
        raise BundleError(f"{spec.path}: reference: {raw} lies outside the course folder (above "
                          f"{course_mod.ASSIGNMENTS}/); move the reference into the course, "
                          "e.g. reference/, and point the YAML at it")
    files[target] = spec.reference
    return files


def cpu_torch_version() -> str:
    """The installed torch's version without its local part (``2.13.0+cpu`` -> ``2.13.0``):
    the CPU index serves it under the plain version, and the image must run what the
    harness was built and tested with."""
    try:
        installed = metadata.version("torch")
    except metadata.PackageNotFoundError:
        raise BundleError("torch is not installed here; install the torch version the course "
                          "uses (see README), then build again: the zip pins that version") from None
    return installed.split("+", 1)[0]


def render(name: str, values: dict[str, str]) -> str:
    """A script template with its ``@KEY@`` placeholders filled in."""
    text = resources.files("autograder").joinpath(f"templates/gradescope/{name}").read_text("utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        raise RuntimeError(f"template {name}: unfilled placeholders {', '.join(left)}")
    return text


def project_root() -> Path | None:
    """The source checkout this package runs from (the folder holding its pyproject.toml),
    or ``None`` for an installed package, which has no source to build a wheel from."""
    root = Path(__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    import tomllib

    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if name == "autograder" else None


def build_wheel(workdir: Path) -> Path:
    """Build the harness wheel from the source checkout; return its path in ``workdir``.

    The build runs on a clean copy of the checkout (the package and the few
    project files), not in place: setuptools would otherwise reuse a stale
    ``build/`` folder (shipping modules deleted since) and litter the checkout.
    No build isolation: no download of setuptools at build time.
    """
    root = project_root()
    if root is None:
        raise BundleError("this autograder is installed from a package, not run from a source "
                          "checkout, so there is no source to build the harness wheel from: pass "
                          "--wheel PATH, a wheel built with `python -m pip wheel --no-deps -w dist "
                          "<checkout>`")
    copy = workdir / "src"
    copy.mkdir(parents=True)
    for name in _PROJECT_FILES:
        if (root / name).is_file():
            shutil.copyfile(root / name, copy / name)
    shutil.copytree(root / "autograder", copy / "autograder",
                    ignore=shutil.ignore_patterns(*_SKIPPED, "*.pyc"))
    out = workdir / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--disable-pip-version-check", "-q", "-w", str(out), str(copy)]
    try:
        done = subprocess.run(command, capture_output=True, check=False, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BundleError(f"building the harness wheel failed ({exc}); build one yourself and pass "
                          "--wheel PATH") from None
    wheels = sorted(out.glob("autograder-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise BundleError(f"building the harness wheel from {root} failed: {tail or 'no wheel'}. "
                          "Install setuptools and wheel (`python -m pip install setuptools wheel`), "
                          "or build one yourself and pass --wheel PATH")
    return wheels[0]


def _ship_wheel(given: Path | None, workdir: Path, dest: Path) -> Path:
    """Copy the harness wheel (given, or built now) into the zip's ``wheel/`` folder."""
    if given is None:
        wheel = build_wheel(workdir)
    else:
        wheel = Path(given)
        if not wheel.is_file():
            raise BundleError(f"--wheel {given}: no such file; give the autograder wheel "
                              "(autograder-<version>-py3-none-any.whl)")
    found = _WHEEL_NAME.match(wheel.name)
    if not found:
        raise BundleError(f"--wheel {given}: not an autograder wheel (its name should be "
                          "autograder-<version>-py3-none-any.whl)")
    if found["version"] != __version__:
        raise BundleError(f"--wheel {given}: it is autograder {found['version']}, but this builder is "
                          f"{__version__} and its setup.sh and run_autograder use this version's "
                          "commands; build the zip with the same version as the wheel")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, dest / wheel.name)
    return dest / wheel.name


def _check_writable(output: Path) -> None:
    """Fail before the wheel is built, not after, when the zip cannot be written there."""
    parent = output.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BundleError(f"--output {output}: cannot write in {parent} ({exc.strerror or exc}); "
                          "choose another place") from None


def _write_zip(stage: Path, output: Path) -> tuple[str, ...]:
    """Zip the staged folder (its content at the zip's root, as Gradescope wants) into
    ``output``, atomically; the two scripts carry the executable bit."""
    output.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.create_system = 3  # unix: unzip honours the mode below
                info.external_attr = (0o100755 if name in SOURCE_NAMES else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, (stage / name).read_bytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tuple(names)
