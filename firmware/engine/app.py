"""The engine: configuration, the hat, line supervision, the media clock and the control API.

`Engine.start()` loads the configuration, starts the hat (real or simulated: the HAL
factory decides), gives every port its line supervision and channel, ticks the media on the
PCM clock and serves the control API. Port events are logged one line each and dispatched
to line supervision; status changes are pushed to control API subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aio
from aio import host
from drivers.fxo import FxoPort, FxoSettings
from drivers.fxs import FxsPort, FxsSettings
from drivers.hal.factory import HalFactory
from drivers.hat import Hat, HatSettings
from drivers.ports import EventKind, PortEvent
from firmware.config import Config, ConfigStore
from firmware.config.schema import FxoPortConfig, FxsPortConfig
from firmware.control.server import ControlServer
from firmware.countries import load_country
from firmware.engine.call_control import EngineCallControl
from firmware.engine.calls import CallManager, CallState
from firmware.engine.context import EngineContext
from firmware.engine.digit_listening import DigitListening
from firmware.engine.fxo_line import FxoLine
from firmware.engine.fxs_line import FxsLine
from firmware.engine.heard import Heard, HeardKind
from firmware.engine.history import CallRecord
from firmware.engine.inbound import InboundEntry
from firmware.engine.port_channel import PortChannel
from firmware.engine.status import call_rows, port_row
from firmware.greetings import greetings_dir
from firmware.hat_choice import HalChoice
from firmware.mail.fax import FaxInbox
from firmware.paths import DataPaths
from firmware.routing.runner import RoutingRunner
from firmware.storage.history import HistoryWriter
from firmware.verbs import EndReason
from firmware.voicemail.desk import RecordingDesk, VoicemailDesk
from firmware.voicemail.message_waiting import MessageWaiting
from firmware.voicemail.messaging import Messaging

log = logging.getLogger(__name__)

VERSION = "0.1.0"


def hat_settings(config: Config) -> HatSettings:
    """Driver settings from the country profile and the per-port configuration."""
    country = load_country(config.system.country)
    fxs = FxsSettings.from_profile(country)
    fxo = FxoSettings(law=country.g711_law, termination=country.fxo.termination)
    overrides: dict[int, FxsSettings | FxoSettings] = {}
    for port in config.hat.ports:
        if isinstance(port, FxsPortConfig):
            overrides[port.port] = FxsSettings.from_profile(
                country, loop_current_ma=port.loop_current_ma
            )
        elif isinstance(port, FxoPortConfig):
            overrides[port.port] = FxoSettings(
                law=country.g711_law,
                termination=country.fxo.termination,
                disconnect_loop_drop_ms=port.disconnect.loop_drop_ms,
            )
    return HatSettings(fxs=fxs, fxo=fxo, ports=overrides)


class Engine:
    def __init__(
        self,
        paths: DataPaths,
        factory: HalFactory,
        *,
        serve_control: bool = True,
        hal_choice: HalChoice | None = None,
    ) -> None:
        self.paths = paths
        self.hal_choice = hal_choice  # which hat runs and why, for the status
        self.factory = factory
        self.store = ConfigStore(paths.config_dir)
        self.serve_control = serve_control
        self.config: Config
        self.hat: Hat | None = None
        self.channels: list[PortChannel] = []
        self._digit_listening = DigitListening()  # every channel's DTMF receiver, in one bank
        self.lines: dict[int, FxsLine | FxoLine] = {}
        self.control = ControlServer(paths.control_socket)
        # What the chips report and what the receivers hear, in order, handled off the tick.
        self._events: host.Queue[PortEvent | Heard] = host.Queue()
        self._dispatcher: aio.Task[None] | None = None
        self._pending_writes: set[aio.Task[None]] = set()
        self._hat_settings_in_use: HatSettings | None = None  # what the chips were set up with

    async def start(self) -> None:
        self.config = await host.to_thread(self.store.load, fall_back=True)
        log.info(
            "engine: starting, %s (%s), data in %s",
            self.config.system.name,
            self.config.system.country,
            self.paths.root,
        )
        self.history = await host.to_thread(HistoryWriter, self.paths.history_db)
        self.message_waiting = MessageWaiting(self.config, self._fxs_port)
        self.messaging = Messaging(
            self.paths.root, self.config, on_new_count=self.message_waiting.update
        )
        await self.messaging.start()
        self.calls = CallManager(record_call=self._record_call)
        self.context = EngineContext(
            self.config,
            self.calls,
            save_config=self._save_from_feature_code,
            on_endpoint_change=self._publish_line,
        )
        self.context.messages_waiting = self.message_waiting.extension_waiting
        self.call_control = EngineCallControl(self.calls, self.context)
        self.calls.on_change.append(self._publish_calls)
        self.router = RoutingRunner.for_data_directory(
            self.call_control,
            self.config,
            self.paths.history_db,
            greetings_dir(self.paths),
            voicemail=VoicemailDesk(self.messaging.voicemail),
        )
        # Received faxes are mailed to the fax operation's addresses, else the office sender.
        self.router.services.fax_inbox = FaxInbox(
            self.messaging.outbox, lambda: [a for a in (self.config.email.from_address,) if a]
        )
        self.router.services.recordings = RecordingDesk(self.messaging.recordings)
        self.inbound = InboundEntry(self.calls, self.call_control, self.router)
        self.context.route_inbound = self.inbound
        self.context.route_from_phone = self.inbound.from_phone
        self._hat_settings_in_use = hat_settings(self.config)
        self.hat = await Hat.start(self.factory, self._hat_settings_in_use, self._events.put_nowait)
        for index, port in sorted(self.hat.ports.items()):
            self._attach(index, port)
        self.hat.highway.add_tick_listener(self._tick)
        self._dispatcher = aio.create_task(self._dispatch_events())
        await self.messaging.voicemail.announce_new_counts()
        for status in self.hat.status():
            log.info(
                "port %d: %s %s %s%s",
                status.index,
                status.kind.value.upper(),
                status.chip,
                status.health.value,
                f" ({status.reason})" if status.reason else "",
            )
        log.info("engine: ready")

    async def stop(self) -> None:
        log.info("engine: stopping")
        if self.serve_control:
            await self.control.stop()
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        await self.inbound.stop()
        for call in list(self.calls.calls):
            self.calls.end(call, EndReason.SYSTEM_SHUTDOWN, hung_up_by="system")
        if self._pending_writes:
            await aio.gather(*self._pending_writes, return_exceptions=True)
        if self.hat is not None:
            await self.hat.stop()
        await self.messaging.stop()
        await self.message_waiting.stop()
        self.history.close()
        log.info("engine: stopped")

    # Configuration.
    async def save_config(self, document: Config | str | dict[str, Any]) -> Config:
        """Validate, persist and apply; raises ConfigError leaving everything as it was."""
        config = await host.to_thread(self.store.save, document)
        self._apply(config)
        return config

    @property
    def restart_required(self) -> bool:
        """The configuration asks for chip settings (law, DAA termination, ring, hook timing)
        other than those the ports were started with; they take effect at a restart."""
        return self._hat_settings_in_use not in (None, hat_settings(self.config))

    def _apply(self, config: Config) -> None:
        needed_restart = self.restart_required
        self.config = config
        self.context.apply(config)
        self.router.apply(config)
        self.messaging.apply(config)
        self.message_waiting.apply(config)
        for line in self.lines.values():
            if isinstance(line, FxoLine):  # the line-tone detector follows the country
                line.channel.country_tones = self.context.country.tones
        if self.restart_required and not needed_restart:
            log.warning("config: port hardware settings change at the next engine restart")
        elif needed_restart and not self.restart_required:
            log.info("config: port hardware settings are back to those in use; no restart needed")
        log.info("config: applied (%s)", config.system.name)
        self.control.publish(
            "config", {"name": config.system.name, "restart_required": self.restart_required}
        )
        for line in self.lines.values():
            self._publish_line(line)

    def _save_from_feature_code(self, config: Config) -> None:
        self._apply(config)
        task = aio.create_task(self._persist(config))
        self._pending_writes.add(task)
        task.add_done_callback(self._pending_writes.discard)

    async def _persist(self, config: Config) -> None:
        try:
            await host.to_thread(self.store.save, config)
        except Exception:
            log.exception("config: could not save a feature-code change")

    # Status.
    def status(self) -> dict[str, Any]:
        assert self.hat is not None
        rows = [
            port_row(port_status, self.lines.get(port_status.index), self.context)
            for port_status in self.hat.status()
        ]
        return {
            "system": {
                "name": self.config.system.name,
                "country": self.config.system.country,
                "version": VERSION,
                "restart_required": self.restart_required,
            },
            "hat": {
                "product": self.hat.layout.product,
                "serial": self.hat.layout.serial,
                **self._hal_status(),
            },
            "ports": rows,
            "calls": len(self.calls.calls),
            "active_calls": call_rows(self.calls.calls),
            "bridges": sum(1 for call in self.calls.calls if call.bridge.members),
            "pcm": self.hat.highway.counters(),
        }

    def _hal_status(self) -> dict[str, Any]:
        if self.hal_choice is None:
            return {}
        return {
            "simulated": self.hal_choice.hal == "sim",
            "hal": self.hal_choice.hal,
            "hal_reason": self.hal_choice.reason,
        }

    def _publish_calls(self, _call: object) -> None:
        if self.serve_control:
            self.control.publish("calls", {"calls": call_rows(self.calls.calls)})

    def _publish_line(self, line: FxsLine | FxoLine) -> None:
        if self.hat is None or not self.serve_control:
            return
        port = self.hat.ports.get(line.port.index)
        if port is not None:
            self.control.publish("port", port_row(port.status(), line, self.context))

    # Ports and media.
    def _attach(self, index: int, port: object) -> None:
        if isinstance(port, FxsPort):
            channel = PortChannel(f"FXS/{index}", port, echo_cancel=False)
            self.lines[index] = self.context.fxs_lines[index] = FxsLine(port, channel, self.context)
            channel.on_digit = self._post(index, HeardKind.DTMF)
        elif isinstance(port, FxoPort):
            channel = PortChannel(f"FXO/{index}", port, echo_cancel=True)
            self.lines[index] = self.context.fxo_lines[index] = FxoLine(port, channel, self.context)
            channel.on_caller_id = self._post(index, HeardKind.CALLER_ID)
            channel.on_tone = self._post(index, HeardKind.TONE)
            channel.country_tones = self.context.country.tones
        else:
            return
        self.channels.append(channel)

    def _post(self, index: int, kind: HeardKind) -> Callable[[Any], None]:
        """What a receiver hears on port `index` in the PCM tick is queued with the port's
        other events, so dialling, caller ID and line tones are handled outside the tick."""

        def heard(value: Any) -> None:
            self._events.put_nowait(Heard(index, kind, value))

        return heard

    def _fxs_port(self, index: int) -> FxsPort | None:
        port = self.hat.ports.get(index) if self.hat is not None else None
        return port if isinstance(port, FxsPort) else None

    def _tick(self) -> None:
        """One media clock tick: frames in, bridges mixed, frames out."""
        for channel in self.channels:
            channel.pull()
        self._digit_listening.listen(self.channels)
        for call in self.calls.calls:
            call.bridge.mix()
        self.call_control.tick()
        for channel in self.channels:
            channel.push()

    async def _dispatch_events(self) -> None:
        while True:
            event = await self._events.get()
            try:
                self._dispatch(event)
            except Exception:
                self._handling_failed(event)

    def _dispatch(self, event: PortEvent | Heard) -> None:
        line = self.lines.get(event.port)
        if isinstance(event, Heard):
            if event.kind is not HeardKind.CALLER_ID:  # the line logs the caller itself
                log.info("port %d: heard %s %s", event.port, event.kind.value, event.value)
            heard = _HEARD.get((type(line), event.kind))
            if heard is not None:
                heard(line, event.value)
        else:
            detail = f" {event.digit}" if event.digit else ""
            detail += f" ({event.detail})" if event.detail else ""
            log.info("port %d: %s%s", event.port, event.kind.value, detail)
            handler = _HANDLERS.get((type(line), event.kind))
            if handler is not None:
                handler(line, event)
        if line is not None:
            self._publish_line(line)

    def _handling_failed(self, event: PortEvent | Heard) -> None:
        """A failure handling one event ends the calls of that port, clearly, and leaves
        the port (and every other) working for the next call."""
        line = self.lines.get(event.port)
        calls = [
            call
            for call in list(self.calls.calls)
            if call.state is not CallState.ENDED
            and line is not None
            and (line is call.origin or line in call.parties or line in call.alerting)
        ]
        ids = ", ".join(call.id for call in calls) or "no call"
        log.exception("port %d: handling %s failed (%s)", event.port, event.kind.value, ids)
        for call in calls:
            self.calls.abort(call, EndReason.INTERNAL_ERROR)

    def _record_call(self, record: CallRecord) -> None:
        task = aio.create_task(self.history.record(record))
        self._pending_writes.add(task)
        task.add_done_callback(self._pending_writes.discard)


# What each port event means to the line supervision of its port.
_HANDLERS: dict[tuple[type, EventKind], Callable[[Any, PortEvent], None]] = {
    (FxsLine, EventKind.OFF_HOOK): lambda line, _event: line.off_hook(),
    (FxsLine, EventKind.ON_HOOK): lambda line, _event: line.on_hook(),
    (FxsLine, EventKind.FLASH): lambda line, _event: line.flash(),
    (FxsLine, EventKind.PULSE_DIGIT): lambda line, event: line.digit(event.digit),
    (FxsLine, EventKind.FAILED): lambda line, _event: line.port_failed(),
    (FxoLine, EventKind.RING_START): lambda line, _event: line.ring_started(),
    (FxoLine, EventKind.RING_STOP): lambda line, _event: line.ring_stopped(),
    (FxoLine, EventKind.POLARITY): lambda line, _event: line.polarity_reversed(),
    (FxoLine, EventKind.LOOP_DROP): lambda line, _event: line.loop_dropped(),
    (FxoLine, EventKind.FAILED): lambda line, _event: line.port_failed(),
}

# What each thing heard on a port means to its line supervision.
_HEARD: dict[tuple[type, HeardKind], Callable[[Any, Any], None]] = {
    (FxsLine, HeardKind.DTMF): lambda line, digit: line.digit(digit),
    (FxoLine, HeardKind.CALLER_ID): lambda line, caller_id: line.caller_id_received(caller_id),
    (FxoLine, HeardKind.TONE): lambda line, name: line.tone_heard(name),
}
