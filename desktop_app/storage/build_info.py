"""What build is running: the version, and for a one-folder build its own content hash.

``scripts/build.sh`` ends with ``python -m desktop_app.storage.build_info stamp DIST_FOLDER``,
which hashes every file of the built folder (paths and contents, in a fixed order) and writes the
result to ``build-info.json`` among the folder's resources. The window's About box and the order
sheet's footer then name the build, so a sheet can be traced to the exact folder that printed it.
A source checkout or an installed wheel has no build-info file and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop_app import __version__
from desktop_app.resources import resource_path

#: The file, relative to the resources folder, that a stamped build carries.
BUILD_INFO = "build-info.json"
_FORMAT = "b12k-build-info/1"


@dataclass(frozen=True)
class BuildInfo:
    """The running program: its version and, for a stamped one-folder build, the folder's hash."""

    version: str
    build_sha256: str | None = None

    @property
    def label(self) -> str:
        """Short text for the sheet footer: the version, and the build's first 16 hex digits."""
        if self.build_sha256 is None:
            return self.version
        return f"{self.version}, build {self.build_sha256[:16]}"

    @property
    def description(self) -> str:
        """Full text for the About box."""
        if self.build_sha256 is None:
            return f"Version {self.version} (run from source or an installed package, not a build)."
        return f"Version {self.version}, one-folder build sha256 {self.build_sha256}."


def folder_sha256(folder: Path, skip: Path | None = None) -> str:
    """SHA-256 over every file below `folder`: relative path and content, sorted by path."""
    digest = hashlib.sha256()
    entries = sorted(p for p in folder.rglob("*") if p.is_symlink() or p.is_file())
    for path in entries:
        if skip is not None and path == skip:
            continue
        rel = path.relative_to(folder).as_posix().encode("utf-8")
        digest.update(len(rel).to_bytes(4, "big") + rel)
        if path.is_symlink():  # a link counts by where it points (the libraries' .so aliases)
            digest.update(b"link:" + os.readlink(path).encode("utf-8"))
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def folder_size(folder: Path) -> int:
    """Bytes of the regular files below `folder` (a symbolic link counts once, as the file)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _info_path_in(dist_folder: Path) -> Path:
    candidates = sorted(dist_folder.glob("**/desktop_app/_resources"))
    if not candidates:
        raise FileNotFoundError(f"{dist_folder} holds no desktop_app/_resources: is it a build?")
    return candidates[0] / BUILD_INFO


def stamp(dist_folder: Path) -> BuildInfo:
    """Hash a built folder and write its build-info file into it; return what was written."""
    from desktop_app.storage.atomic import atomic_write_bytes

    target = _info_path_in(dist_folder)
    sha = folder_sha256(dist_folder, skip=target)
    info = {"format": _FORMAT, "version": __version__, "build_sha256": sha}
    atomic_write_bytes(target, (json.dumps(info, indent=1) + "\n").encode("utf-8"))
    return BuildInfo(__version__, sha)


def current() -> BuildInfo:
    """The running program's build; a missing or unreadable file means "not a stamped build"."""
    try:
        data = json.loads(resource_path(BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BuildInfo(__version__)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return BuildInfo(__version__)
    sha = data.get("build_sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        return BuildInfo(__version__)
    return BuildInfo(__version__, sha)


def main(argv: list[str]) -> int:
    """``stamp DIST_FOLDER``: hash a built folder; return the exit status."""
    if len(argv) != 2 or argv[0] != "stamp":
        print("usage: python -m desktop_app.storage.build_info stamp DIST_FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    try:
        info = stamp(folder)
    except (OSError, ValueError) as exc:
        print(f"Cannot stamp the build in {folder}: {exc}", file=sys.stderr)
        return 1
    size = folder_size(folder)
    print(
        f"Built {folder} ({size / 1e6:.0f} MB): version {info.version}, sha256 {info.build_sha256}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
