"""A whole appliance in one process on virtual time: engine, simulated hat and its world.

    from firmware.simulator import SimulatedAppliance

    with SimulatedAppliance() as pbx:
        pbx.phone("101").off_hook()
        pbx.run_for(1)
        assert pbx.phone("101").hears().tone == "dial"
        pbx.phone("101").dial("102")          # DTMF audio into the mouthpiece
        pbx.run_for(2)
        assert pbx.phone("102").is_ringing()

Everything below the HAL is simulated at the register and sample level (the emulated
chips, a virtual phone on every FXS port, a virtual exchange line on every FXO port); the
engine, drivers and DSP above are the product's own code. Time is virtual: `run_for(120)`
takes a fraction of a second. The data directory is a temporary one unless given.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

import aio
from aio.virtual import VirtualTimeLoop
from drivers.hat_layout import REFERENCE_LAYOUT, HatLayout
from drivers.sim.rig import SimulatedRig
from drivers.sim.world import DisplayedCallerId, Hearing, VirtualExchangeLine, VirtualPhone
from firmware.config import Config, ConfigStore
from firmware.config.document import validate
from firmware.countries import load_country
from firmware.engine.app import Engine
from firmware.engine.process import open_control
from firmware.paths import DataPaths
from firmware.storage.history_reader import read_calls

__all__ = ["Line", "Phone", "SimulatedAppliance", "SimulatedRig"]

# Monday 2 March 2026, 09:00 UTC: a working morning, so schedules behave as in an office.
DEFAULT_START_EPOCH = 1772442000.0
SETTLE_S = 1.0  # chips calibrate and lines settle before the first test step


class _Party:
    """Someone at one end of the simulated wires: talks into it and listens to it."""

    virtual: VirtualPhone | VirtualExchangeLine

    def say(
        self, what: float | tuple[float, ...] | np.ndarray | None, level_dbm0: float = -10
    ) -> None:
        self.virtual.say(what, level_dbm0)

    def hears(self, seconds: float = 1.0) -> Hearing:
        return self.virtual.hears(seconds)

    def level_at(self, frequency_hz: float, seconds: float = 1.0) -> float:
        return self.virtual.level_at(frequency_hz, seconds)


class Phone(_Party):
    """A virtual telephone on an FXS port, driven synchronously."""

    virtual: VirtualPhone

    def __init__(self, appliance: SimulatedAppliance, virtual: VirtualPhone, port: int) -> None:
        self._appliance = appliance
        self.virtual = virtual
        self.port = port

    def off_hook(self, *, bounce_ms: float = 0) -> None:
        self._appliance.act(lambda: self.virtual.off_hook(bounce_ms=bounce_ms))

    def on_hook(self, *, bounce_ms: float = 0) -> None:
        self._appliance.act(lambda: self.virtual.on_hook(bounce_ms=bounce_ms))

    def flash(self, ms: float | None = None) -> None:
        self._appliance._run(self.virtual.flash() if ms is None else self.virtual.flash(ms))

    def dial(self, digits: str, **options: Any) -> None:
        """Dial `digits` as DTMF audio; returns when the last tone has been sent."""
        self._appliance._run(self.virtual.dial_dtmf(digits, **options))

    def dial_pulse(self, digits: str, **options: Any) -> None:
        """Dial `digits` by pulsing the hook switch; returns after the last pulse."""
        self._appliance._run(self.virtual.dial_pulse(digits, **options))

    def is_ringing(self) -> bool:
        return self.virtual.is_ringing()

    def caller_id(self) -> DisplayedCallerId | None:
        return self.virtual.caller_id()


class Line(_Party):
    """A virtual exchange line on an FXO port, driven synchronously."""

    virtual: VirtualExchangeLine

    def __init__(
        self, appliance: SimulatedAppliance, virtual: VirtualExchangeLine, port: int
    ) -> None:
        self._appliance = appliance
        self.virtual = virtual
        self.port = port
        self._ringing: aio.Task[bool] | None = None

    def ring(
        self,
        number: str | None = None,
        name: str | None = None,
        standard: str | None = None,
        **options: Any,
    ) -> None:
        """Start an incoming call: ring with the country's cadence and caller ID standard."""
        country = load_country(self._appliance.world_country)
        plan = country.caller_id
        options.setdefault("timing", plan.timing)
        options.setdefault("alert", plan.alert)
        options.setdefault("cadence_ms", country.ringing.cadences_ms.external)
        options.setdefault("frequency_hz", country.ringing.frequency_hz)
        chosen = standard or plan.standard
        self._ringing = self._appliance.loop.create_task(
            self.virtual.ring(number, name, standard=chosen, **options)
        )
        self._appliance.run_for(0)

    def is_seized(self) -> bool:
        """The appliance holds the line off-hook now."""
        return self._appliance.rig.hat.lines[self.port].off_hook

    def digits_received(self) -> str:
        return self.virtual.digits_received()

    def attach(self, device: Callable[[np.ndarray], np.ndarray] | None) -> None:
        """A machine at the far end (a fax machine) that answers what it hears."""
        self.virtual.attach(device)

    def press(self, digits: str, **options: Any) -> None:
        """The caller presses keys (DTMF audio); returns when the last tone has been sent."""
        self._appliance._run(self.virtual.press(digits, **options))

    def answer(self) -> None:
        """The far end of an outgoing call answers."""
        self._appliance.act(self.virtual.answer)

    def hang_up(self, method: str = "loop") -> None:
        """The far end hangs up; the exchange signals it by `method`."""
        self._appliance.act(lambda: self.virtual.hang_up(method))


class SimulatedAppliance:
    """Engine + simulated hat + world, in-process, on virtual time."""

    def __init__(
        self,
        config: Config | dict[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        layout: HatLayout = REFERENCE_LAYOUT,
        start_epoch: float = DEFAULT_START_EPOCH,
        serve_control: bool = False,
        world_country: str | None = None,
    ) -> None:
        self._own_data_dir = data_dir is None
        self.data_dir = (
            Path(tempfile.mkdtemp(prefix="switchboard-")) if data_dir is None else data_dir
        )
        self.paths = DataPaths(self.data_dir)
        store = ConfigStore(self.paths.config_dir)
        if config is not None:
            store.save(config if isinstance(config, Config) else validate(dict(config)))
        self.config = store.load()
        self.loop = VirtualTimeLoop(wall_epoch=start_epoch)
        # The world is also asked questions between runs, outside the loop: it must read
        # the loop's clock directly rather than the running loop's.
        # Where the phones and the exchange are: the configured country unless a test puts
        # the appliance in the wrong one.
        self.world_country = world_country or self.config.system.country
        self.rig = SimulatedRig(
            load_country(self.world_country).tones, layout, clock=self.loop.time
        )
        self.engine = Engine(self.paths, self.rig.hat.factory, serve_control=serve_control)
        self._phones = {i: Phone(self, v, i) for i, v in self.rig.phones.items()}
        self._lines = {i: Line(self, v, i) for i, v in self.rig.exchanges.items()}

    def __enter__(self) -> SimulatedAppliance:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        aio_loop = self.loop
        import asyncio

        asyncio.set_event_loop(aio_loop)
        aio_loop.run_until_complete(self.engine.start())
        if self.engine.serve_control:
            aio_loop.run_until_complete(open_control(self.engine, self.rig))
        self.run_for(SETTLE_S)

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.engine.stop())
        finally:
            self.loop.shutdown()
            if self._own_data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    # The world.
    def phone(self, extension: str | None = None, *, port: int | None = None) -> Phone:
        """The phone of an extension (its first FXS port), or the phone on a port."""
        if port is None:
            employee = self.config.employee_for_extension(str(extension))
            if employee is None or not employee.fxs_ports:
                raise KeyError(f"extension {extension} has no phone")
            port = employee.fxs_ports[0]
        return self._phones[port]

    def line(self, number: int) -> Line:
        """The exchange line on the `number`-th FXO port (0 is the first)."""
        ports = sorted(self._lines)
        return self._lines[ports[number]]

    # Time.
    def run_for(self, seconds: float) -> None:
        self.loop.run_for(seconds)

    def _run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def act(self, action: Callable[[], Any]) -> None:
        """Do something to the world at the current virtual moment, inside the loop (the
        world may start timers), then let the engine react."""

        async def now() -> None:
            action()

        self.loop.run_until_complete(now())
        self.run_for(0)

    # Looking at the engine like a user would.
    def status(self) -> dict[str, Any]:
        return self.engine.status()

    def history(self, limit: int = 100) -> list[dict[str, Any]]:
        self.run_for(0)
        pending = list(self.engine._pending_writes)
        if pending:
            self.loop.run_until_complete(aio.gather(*pending, return_exceptions=True))
        return read_calls(self.paths.history_db, limit)

    def save_config(self, document: Config | dict[str, Any]) -> Config:
        config = self._run(self.engine.save_config(document))
        self.config = config
        return config
