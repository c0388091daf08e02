"""The configuration on disk: atomic saves, the last versions kept, bad documents refused.

Layout under the config directory:
    config.yaml            the running configuration
    versions/000042.yaml   every saved revision, newest last; the last KEEP_VERSIONS are kept

A save validates first (a bad document never touches the disk), replaces `config.yaml` and
then records the revision in `versions/`, each step as temp file → fsync → rename → fsync of
the directory, so a power cut or SIGKILL at any moment leaves either the old or the new
document in place, never a mix. A revision lost to a cut between the two steps is recorded
at the next load.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from firmware.config.defaults import default_config
from firmware.config.document import dump, parse, parse_yaml, validate
from firmware.config.errors import ConfigError, FieldError
from firmware.config.schema import Config

log = logging.getLogger(__name__)

KEEP_VERSIONS = 20
CONFIG_NAME = "config.yaml"
VERSIONS_DIR = "versions"
_VERSION_NAME = re.compile(r"^(\d{6,})\.yaml$")
_TEMP_SUFFIX = ".partial"


@dataclass(frozen=True)
class Revision:
    number: int
    path: Path
    saved_at: float  # seconds since the epoch (file modification time)


class ConfigStore:
    def __init__(self, directory: Path, keep_versions: int = KEEP_VERSIONS) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CONFIG_NAME
        self.versions_dir = self.directory / VERSIONS_DIR
        self.keep_versions = keep_versions

    def load(self, *, fall_back: bool = False) -> Config:
        """The saved configuration; a new appliance gets (and saves) the default one.

        With `fall_back`, an unreadable `config.yaml` (edited by hand, disk trouble) gives
        way to the newest revision that still validates, so the phones keep working.
        """
        self._remove_partial_files()
        if not self.path.exists():
            config = default_config()
            self.save(config)
            log.info("config: created the default configuration at %s", self.path)
            return config
        try:
            config = self._read(self.path)
        except ConfigError as error:
            if not fall_back:
                raise
            for revision in reversed(self.revisions()):
                try:
                    config = self._read(revision.path)
                except ConfigError:
                    continue
                log.error(
                    "config: %s is invalid (%s); running revision %d instead",
                    self.path,
                    "; ".join(map(str, error.errors)),
                    revision.number,
                )
                return config
            raise
        self._record_running_revision()
        return config

    def save(self, document: Config | str | dict[str, object]) -> Config:
        """Validate and persist `document` (a Config, YAML text or a mapping).

        Raises ConfigError, leaving the saved configuration untouched, if it is invalid.
        """
        if isinstance(document, Config):
            config = validate(document.model_dump(mode="json"))
        elif isinstance(document, str):
            config = parse(document)
        else:
            config = validate(dict(document))
        text = dump(config)
        _write_atomically(self.path, text)
        self._record_revision(text)
        return config

    def revisions(self) -> list[Revision]:
        """Saved revisions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        found = []
        for path in self.versions_dir.iterdir():
            match = _VERSION_NAME.match(path.name)
            if match:
                found.append(Revision(int(match.group(1)), path, path.stat().st_mtime))
        return sorted(found, key=lambda revision: revision.number)

    def read_revision(self, number: int) -> Config:
        for revision in self.revisions():
            if revision.number == number:
                return self._read(revision.path)
        raise ConfigError([FieldError("(revision)", f"revision {number} is not kept")])

    def rollback(self, number: int) -> Config:
        """Make an earlier revision the running configuration again (as a new revision)."""
        return self.save(self.read_revision(number))

    def _read(self, path: Path) -> Config:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError([FieldError("(document)", f"cannot read {path}: {error}")]) from None
        data = parse_yaml(text)
        config = validate(data)
        if data.get("schema_version") != config.schema_version:
            log.info("config: migrated %s to schema %d", path, config.schema_version)
        return config

    def _record_revision(self, text: str) -> None:
        revisions = self.revisions()
        number = revisions[-1].number + 1 if revisions else 1
        _write_atomically(self.versions_dir / f"{number:06d}.yaml", text)
        for revision in [*revisions, None][: -self.keep_versions]:
            if revision is not None:
                revision.path.unlink(missing_ok=True)

    def _record_running_revision(self) -> None:
        text = self.path.read_text(encoding="utf-8")
        revisions = self.revisions()
        if not revisions or revisions[-1].path.read_text(encoding="utf-8") != text:
            self._record_revision(text)

    def _remove_partial_files(self) -> None:
        for directory in (self.directory, self.versions_dir):
            if directory.is_dir():
                for path in directory.glob(f"*{_TEMP_SUFFIX}"):
                    path.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, nothing else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}{_TEMP_SUFFIX}")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
