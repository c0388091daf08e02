"""One-file backups of what an office has set up, and their careful restore.

A backup is a gzip'd tar with `manifest.json` (format, version, creation time and the
SHA-256 of every file) plus the running configuration and the directories of prompts,
greetings and voicemail, and optionally call recordings. A restore checks everything
first — the manifest, every checksum, that the configuration validates — and only then
replaces anything, each directory by a rename, so a corrupted or foreign file changes
nothing at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from firmware.config import ConfigError
from firmware.config.document import parse_yaml, validate
from firmware.config.schema import Config
from firmware.paths import DataPaths

FORMAT = "switchboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONFIG_MEMBER = "config/config.yaml"
DATA_DIRECTORIES = ("prompts", "greetings", "voicemail")
OPTIONAL_DIRECTORIES = ("recordings",)
MAX_BACKUP_BYTES = 2 * 1024**3


class BackupRefused(ValueError):
    """The file is not a backup this appliance can restore; nothing was changed."""


@dataclass(frozen=True)
class RestorePlan:
    config: Config
    directories: tuple[str, ...]


def create_backup(paths: DataPaths, target: Path, *, recordings: bool = False) -> Path:
    """Write a backup of `paths` to `target` (temp name, then rename) and return it."""
    directories = DATA_DIRECTORIES + (OPTIONAL_DIRECTORIES if recordings else ())
    members: dict[str, Path] = {CONFIG_MEMBER: paths.config_dir / "config.yaml"}
    for directory in directories:
        root = paths.root / directory
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                if file.is_file() and not file.name.endswith(".partial"):
                    members[file.relative_to(paths.root).as_posix()] = file
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": time.time(),
        "directories": list(directories),
        "files": {name: _sha256(path) for name, path in members.items()},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        data = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(time.time())
        archive.addfile(info, io.BytesIO(data))
        for name, path in members.items():
            archive.add(path, arcname=name, recursive=False)
    partial.replace(target)
    return target


def check_backup(archive_path: Path) -> RestorePlan:
    """Everything a restore needs to be sure of, before it touches anything."""
    if archive_path.stat().st_size > MAX_BACKUP_BYTES:
        raise BackupRefused("the file is larger than any backup of this appliance")
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            manifest = _manifest(archive)
            names = {m.name for m in archive.getmembers() if m.isfile()}
            for name, digest in manifest["files"].items():
                _check_member_name(name, manifest["directories"])
                if name not in names:
                    raise BackupRefused(f"the backup lacks {name}")
                if _sha256_of(archive, name) != digest:
                    raise BackupRefused(f"{name} is damaged (its checksum does not match)")
            text = _read(archive, CONFIG_MEMBER).decode("utf-8")
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, KeyError) as error:
        raise BackupRefused(f"not a readable backup file ({error})") from None
    try:
        config = validate(parse_yaml(text))
    except ConfigError as error:
        raise BackupRefused(f"the backup's configuration is not valid: {error}") from None
    return RestorePlan(config, tuple(manifest["directories"]))


def restore_data(paths: DataPaths, archive_path: Path, plan: RestorePlan) -> None:
    """Replace the data directories with the backup's (the caller saves the config)."""
    staging = paths.root / ".restore"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.split("/")[0] in plan.directories:
                archive.extract(member, staging, filter="data")
    for directory in plan.directories:
        target, incoming = paths.root / directory, staging / directory
        old = paths.root / f".{directory}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        if incoming.exists():
            incoming.rename(target)
        else:
            target.mkdir()
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


def _manifest(archive: tarfile.TarFile) -> dict:  # type: ignore[type-arg]
    try:
        manifest = json.loads(_read(archive, MANIFEST))
    except (KeyError, json.JSONDecodeError):
        raise BackupRefused("not a Switchboard backup (no readable manifest)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused("not a Switchboard backup")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupRefused(f"backup format {manifest.get('version')} is not supported")
    if not isinstance(manifest.get("files"), dict) or CONFIG_MEMBER not in manifest["files"]:
        raise BackupRefused("the backup lists no configuration")
    allowed = set(DATA_DIRECTORIES + OPTIONAL_DIRECTORIES)
    if not set(manifest.get("directories", [])) <= allowed:
        raise BackupRefused("the backup names directories this appliance does not keep")
    return manifest


def _check_member_name(name: str, directories: list[str]) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupRefused(f"unsafe file name in the backup: {name}")
    if name != CONFIG_MEMBER and path.parts[0] not in directories:
        raise BackupRefused(f"unexpected file in the backup: {name}")


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise KeyError(name)
    return member.read()


def _sha256_of(archive: tarfile.TarFile, name: str) -> str:
    digest = hashlib.sha256()
    member = archive.extractfile(name)
    assert member is not None
    for block in iter(lambda: member.read(1 << 16), b""):
        digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
