"""A virtual clock can be held at a limit, so a device on a clock of its own can step it."""

import asyncio
import threading

from aio.virtual import VirtualTimeLoop


def test_a_held_clock_stops_at_its_limit_until_real_input_moves_it():
    loop = VirtualTimeLoop()
    loop.clock_limit = 2.0
    released_at = []

    def release() -> None:
        released_at.append(loop.time())
        loop.clock_limit = None

    def wake_when_held() -> None:
        while loop.time() < 2.0:  # the loop gets there at once; it may not go further
            pass
        loop.call_soon_threadsafe(release)

    async def main() -> float:
        await asyncio.sleep(1.0)  # within the limit: runs on virtual time as usual
        assert loop.time() == 1.0
        threading.Thread(target=wake_when_held).start()
        await asyncio.sleep(10.0)
        return loop.time()

    try:
        assert loop.run_until_complete(main()) == 11.0
    finally:
        loop.shutdown()
    assert released_at == [2.0], "the clock waited at the limit for the release"
