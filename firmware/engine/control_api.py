"""The engine's answers to control API requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import aio
from aio import host
from firmware.backup import BackupRefused, check_backup, create_backup, restore_data
from firmware.config import Config, ConfigError, ConfigStore
from firmware.config.templates import load_template, template_names
from firmware.control.server import ControlServer, RequestError
from firmware.greetings import GreetingRefused, add_greeting, delete_greeting, list_greetings
from firmware.paths import DataPaths
from firmware.storage.history_reader import HISTORY_LIMIT_MAX, read_calls

BACKUPS_KEPT = 3


class ControlledEngine(Protocol):
    """What the control API needs of the engine (the engine module itself is not imported:
    the composition root hands the engine over)."""

    paths: DataPaths
    store: ConfigStore

    @property
    def config(self) -> Config: ...

    async def save_config(self, document: Config | str | dict[str, Any]) -> Config: ...

    def status(self) -> dict[str, Any]: ...


def register(server: ControlServer, engine: ControlledEngine) -> None:
    async def get_config(_request: dict[str, Any]) -> Any:
        return engine.config.model_dump(mode="json")

    async def put_config(request: dict[str, Any]) -> Any:
        document = request.get("config")
        if not isinstance(document, dict | str):
            raise RequestError("bad_request", "put_config needs a 'config' document")
        try:
            config = await engine.save_config(document)
        except ConfigError as error:
            raise RequestError(
                "invalid_config",
                f"the configuration was not saved: {len(error.errors)} problem(s)",
                errors=[problem.as_dict() for problem in error.errors],
            ) from None
        return config.model_dump(mode="json")

    async def status(_request: dict[str, Any]) -> Any:
        return engine.status()

    async def history(request: dict[str, Any]) -> Any:
        limit = request.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= HISTORY_LIMIT_MAX:
            raise RequestError("bad_request", f"limit must be 1 to {HISTORY_LIMIT_MAX}")
        return await host.to_thread(read_calls, engine.paths.history_db, limit)

    async def config_versions(_request: dict[str, Any]) -> Any:
        revisions = await host.to_thread(engine.store.revisions)
        return [{"number": r.number, "saved_at": r.saved_at} for r in reversed(revisions)]

    async def config_rollback(request: dict[str, Any]) -> Any:
        number = request.get("number")
        if not isinstance(number, int):
            raise RequestError("bad_request", "config_rollback needs a revision 'number'")
        try:
            document = await host.to_thread(engine.store.read_revision, number)
            config = await engine.save_config(document)
        except ConfigError as error:
            raise RequestError("invalid_config", str(error)) from None
        return config.model_dump(mode="json")

    async def backup_create(request: dict[str, Any]) -> Any:
        folder = engine.paths.root / "backups"
        name = f"switchboard-backup-{int(aio.wall_time())}.tar.gz"
        path = await host.to_thread(
            create_backup, engine.paths, folder / name, recordings=bool(request.get("recordings"))
        )
        for old in sorted(folder.glob("switchboard-backup-*.tar.gz"))[:-BACKUPS_KEPT]:
            old.unlink(missing_ok=True)
        return {"path": str(path)}

    async def backup_restore(request: dict[str, Any]) -> Any:
        path = request.get("path")
        if not isinstance(path, str):
            raise RequestError("bad_request", "backup_restore needs the backup file's 'path'")
        try:
            plan = await host.to_thread(check_backup, Path(path))
        except (BackupRefused, OSError) as error:
            raise RequestError("bad_backup", f"the backup was not restored: {error}") from None
        except Exception as error:  # a damaged archive fails in gzip, tar or YAML alike
            reason = f"the file is damaged ({type(error).__name__}: {error})"
            raise RequestError("bad_backup", f"the backup was not restored: {reason}") from None
        await host.to_thread(restore_data, engine.paths, Path(path), plan)
        config = await engine.save_config(plan.config)
        return config.model_dump(mode="json")

    async def greeting_add(request: dict[str, Any]) -> Any:
        name, path = request.get("name"), request.get("path")
        if not isinstance(name, str) or not isinstance(path, str):
            raise RequestError("bad_request", "greeting_add needs a 'name' and the file's 'path'")
        try:
            added = await host.to_thread(add_greeting, engine.paths, name, Path(path))
        except (GreetingRefused, OSError) as error:
            raise RequestError("bad_greeting", f"the greeting was not saved: {error}") from None
        return added.as_dict()

    async def greeting_list(_request: dict[str, Any]) -> Any:
        return [
            greeting.as_dict() for greeting in await host.to_thread(list_greetings, engine.paths)
        ]

    async def greeting_delete(request: dict[str, Any]) -> Any:
        try:
            await host.to_thread(delete_greeting, engine.paths, str(request.get("name", "")))
        except GreetingRefused as error:
            raise RequestError("bad_greeting", str(error)) from None
        return None

    async def routing_templates(_request: dict[str, Any]) -> Any:
        country = engine.config.system.country
        return {
            name: load_template(name, country=country).model_dump(mode="json")
            for name in template_names()
        }

    server.handle("routing_templates", routing_templates)
    server.handle("greeting_add", greeting_add)
    server.handle("greeting_list", greeting_list)
    server.handle("greeting_delete", greeting_delete)
    server.handle("config_versions", config_versions)
    server.handle("config_rollback", config_rollback)
    server.handle("backup_create", backup_create)
    server.handle("backup_restore", backup_restore)
    server.handle("get_config", get_config)
    server.handle("put_config", put_config)
    server.handle("status", status)
    server.handle("history", history)
