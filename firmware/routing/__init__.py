"""Routing of incoming calls: scenarios of operations walked through call control's verbs.

The engine hands every inbound call to `RoutingRunner.handle_inbound` (and a direct call to
an extension to `handle_direct`); routing never touches a port or a channel, so the same
operations serve analog lines and, later, SIP trunks.
"""

from firmware.routing.runner import RoutingRunner

__all__ = ["RoutingRunner"]
