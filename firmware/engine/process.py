"""`switchboard engine`: the engine as a process, until SIGTERM or Ctrl-C.

On the simulated hat the process also carries the simulated world (a virtual phone on every
FXS port, a virtual exchange line on every FXO port) and answers the `sim` control requests
that operate them, so a developer can lift a handset or ring a line of a running system.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import aio
from aio import host
from drivers.factory import make_factory
from drivers.hal.factory import HalFactory
from drivers.hat import HatError
from drivers.sim.rig import SimulatedRig
from firmware.config import ConfigError, ConfigStore
from firmware.control.server import RequestError
from firmware.countries import load_country
from firmware.engine import call_centre_control, control_api
from firmware.engine.app import Engine
from firmware.engine.recent_log import RECENT_LOG
from firmware.engine.sim_control import register_sim_control
from firmware.engine.sim_rig_control import register_rig_control
from firmware.hat_choice import HalChoice, choose_hal
from firmware.mail import control as mail_control
from firmware.paths import DataPaths
from firmware.storage.errors import StorageError
from firmware.systemd_notify import SystemdNotifier
from firmware.voicemail import control as voicemail_control

log = logging.getLogger(__name__)


def run_engine_process(paths: DataPaths, *, hal: str | None = None, fast: bool = False) -> int:
    """Run until SIGTERM/SIGINT. `fast` runs a simulated hat on virtual time: the clock
    jumps ahead whenever nothing is waiting for real input, for scripted runs and tests."""
    try:
        choice = choose_hal(hal)
    except ValueError as error:
        log.error("engine: %s", error)
        return 2
    if fast and choice.hal != "sim":
        log.error("engine: --fast runs only on the simulated hat")
        return 2
    log.info("engine: hat: %s", choice.description)
    RECENT_LOG.attach()
    try:
        return host.run(_serve(paths, choice), virtual=fast)
    except KeyboardInterrupt:
        return 0
    finally:
        RECENT_LOG.detach()


async def open_control(engine: Engine, rig: SimulatedRig | None) -> None:
    """Register every control request (the engine's, mail's, and on the simulated hat the
    world's) and start answering them: the composition root's job, not the engine's."""
    control_api.register(engine.control, engine)
    mail_control.register(
        engine.control, engine.messaging.outbox, lambda: engine.config.system.name
    )
    voicemail_control.register(engine.control, engine.messaging)
    call_centre_control.register(engine.control, engine.router, lambda: engine.config)
    engine.control.handle("log_tail", _log_tail)
    if rig is not None:
        register_sim_control(engine.control, rig)
        register_rig_control(engine.control, rig)
    await engine.control.start()


LOG_TAIL_MAX = 1000


async def _log_tail(request: dict[str, Any]) -> Any:
    count, level = request.get("count", 200), request.get("level", "INFO")
    if not isinstance(count, int) or not 1 <= count <= LOG_TAIL_MAX:
        raise RequestError("bad_request", f"count must be 1 to {LOG_TAIL_MAX}")
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise RequestError("bad_request", "level is one of INFO, WARNING, ERROR")
    return RECENT_LOG.tail(count, level)


async def _serve(paths: DataPaths, choice: HalChoice) -> int:
    rig = None
    factory: HalFactory
    if choice.hal == "sim":
        try:
            country = ConfigStore(paths.config_dir).load(fall_back=True).system.country
        except ConfigError as error:
            log.error("engine: no usable configuration in %s:\n%s", paths.config_dir, error)
            return 1
        rig = SimulatedRig(load_country(country).tones)
        factory = rig.hat.factory
        log.info("engine: running on the simulated reference hat")
    else:
        factory = make_factory(choice.hal)
    engine = Engine(paths, factory, hal_choice=choice)
    stop = aio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await engine.start()
    except (HatError, ConfigError, StorageError) as error:
        log.error("engine: cannot start: %s", error)
        return 1
    await open_control(engine, rig)
    notifier = _notify_systemd_ready(engine, choice)
    await stop.wait()
    if notifier is not None:
        notifier.stopping()
    await engine.stop()
    if notifier is not None:
        notifier.close()
    return 0


def _notify_systemd_ready(engine: Engine, choice: HalChoice) -> SystemdNotifier | None:
    """Under systemd (Type=notify): ready once the control API answers, and the watchdog
    petted from the media clock tick, so a stalled media loop gets the engine restarted."""
    notifier = SystemdNotifier.from_environment()
    if notifier is None:
        return None
    assert engine.hat is not None
    if notifier.watchdog_interval_s is not None:  # else petting would do nothing every tick
        engine.hat.highway.add_tick_listener(notifier.pet)
        log.info("engine: systemd watchdog petted every %.1f s", notifier.watchdog_interval_s)
    kind = "simulated hat" if choice.hal == "sim" else "hat"
    notifier.ready(f"{len(engine.hat.ports)} ports on the {kind}: {choice.reason}")
    return notifier
