"""Words the engine sends as values (port states, call directions, end reasons), marked
for the catalogues so pages can show them in the user's language."""

from __future__ import annotations

from web_ui.i18n import N_

PORT_STATES = [
    N_("idle"),
    N_("ringing"),
    N_("dialling"),
    N_("talking"),
    N_("failed"),
    N_("unused"),
    N_("disabled"),
]
HEALTH = [N_("ok"), N_("alarm"), N_("failed")]
DIRECTIONS = [N_("internal"), N_("inbound"), N_("outbound")]
OUTCOMES = [N_("all"), N_("answered"), N_("missed")]
END_REASONS = [
    N_("completed"),
    N_("no_answer"),
    N_("busy"),
    N_("unavailable"),
    N_("invalid_number"),
    N_("all_lines_busy"),
    N_("caller_gave_up"),
    N_("declined"),
    N_("answered_elsewhere"),
    N_("transferred"),
    N_("cancelled"),
    N_("transfer_failed"),
    N_("joined_conference"),
    N_("hung_up"),
    N_("seize_failed"),
    N_("glare"),
    N_("no_dial_tone"),
    N_("line_failed"),
    N_("port_failed"),
    N_("routed_away"),
    N_("blacklisted"),
    N_("voicemail"),
    N_("fax"),
    N_("internal_error"),
    N_("system_shutdown"),
]
UNITS = [N_("s"), N_("min")]  # how long a port has been in its state
CALL_STATES = [N_("alerting"), N_("connected"), N_("unknown")]
LIVE_WORDS = [
    *PORT_STATES,
    *HEALTH,
    *UNITS,
    *DIRECTIONS,
    *CALL_STATES,
]  # what the dashboard's script shows as events arrive
EXITS = [
    N_("next"),
    N_("timeout"),
    N_("invalid"),
    N_("extension"),
    N_("wrong_number"),
    N_("open"),
    N_("closed"),
    N_("holiday"),
    N_("yes"),
    N_("no"),
    N_("answered"),
    N_("no_answer"),
    N_("failed"),
]
TEMPLATES = [N_("orders_and_support"), N_("personal_managers"), N_("call_centre")]
