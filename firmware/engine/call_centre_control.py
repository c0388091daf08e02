"""The control API's call-centre commands, for the dashboard and the call-centres page.

`call_centres` lists each call centre with its callers waiting and each member's presence
(logged in, talking, ringing, resting after a call); `agent_login` logs a member in or out
exactly as their feature codes do.
"""

from __future__ import annotations

from typing import Any

from firmware.config import Config
from firmware.control.server import ControlServer, RequestError
from firmware.routing.runner import RoutingRunner


def call_centre_rows(runner: RoutingRunner, config: Config) -> list[dict[str, Any]]:
    board = runner.agents
    rows = []
    for centre in config.routing.call_centres:
        members = []
        for member in centre.members:
            employee = config.employee_for_extension(member.extension)
            members.append(
                {
                    "extension": member.extension,
                    "name": employee.name if employee else "",
                    "logged_in": board.agent(member.extension).logged_in,
                    "presence": board.presence(member.extension),
                }
            )
        rows.append(
            {
                "id": centre.id,
                "name": centre.name,
                "login_required": centre.login_required,
                "waiting": len(board.waiting.get(centre.id, [])),
                "members": members,
            }
        )
    return rows


def register(server: ControlServer, runner: RoutingRunner, config: Any) -> None:
    """`config` is a callable returning the current configuration."""

    async def call_centres(_request: dict[str, Any]) -> Any:
        return call_centre_rows(runner, config())

    async def agent_login(request: dict[str, Any]) -> Any:
        extension, logged_in = request.get("extension"), request.get("logged_in")
        if not isinstance(extension, str) or not isinstance(logged_in, bool):
            raise RequestError("bad_request", "agent_login needs 'extension' and 'logged_in'")
        members = {m.extension for c in config().routing.call_centres for m in c.members}
        if extension not in members:
            raise RequestError("not_found", f"{extension} is not a member of any call centre")
        if logged_in:
            await runner.agents.log_in(extension)
        else:
            await runner.agents.log_out(extension)
        return call_centre_rows(runner, config())

    server.handle("call_centres", call_centres)
    server.handle("agent_login", agent_login)
