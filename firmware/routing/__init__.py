"""Routing of incoming calls: scenarios of operations walked through call control's verbs.

The engine hands every inbound call to `firmware.routing.runner.RoutingRunner
.handle_inbound` (and a direct call to an extension to `handle_direct`); routing never
touches a port or a channel, so the same operations serve analog lines and, later, SIP
trunks.
"""
