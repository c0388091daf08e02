"""Where the appliance keeps its data: one data directory, one control socket."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APPLIANCE_DATA_DIR = Path("/var/lib/switchboard")
DEVELOPMENT_DATA_DIR = Path("var")
DATA_DIR_ENV = "SWITCHBOARD_DATA"
SOCKET_ENV = "SWITCHBOARD_SOCKET"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> DataPaths:
        """The argument, else $SWITCHBOARD_DATA, else ./var (the development default)."""
        chosen = data_dir or os.environ.get(DATA_DIR_ENV) or DEVELOPMENT_DATA_DIR
        return cls(Path(chosen).absolute())

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def history_db(self) -> Path:
        return self.root / "history.sqlite3"

    @property
    def control_socket(self) -> Path:
        override = os.environ.get(SOCKET_ENV)
        return Path(override) if override else self.root / "run" / "control.sock"
