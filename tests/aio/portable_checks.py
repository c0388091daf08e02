"""Checks of the `aio` core's public API that run unchanged under CPython and MicroPython.

`run_checks()` returns the names of the checks that passed and raises AssertionError at the
first that fails. It sleeps only a few milliseconds, so it is quick on a real clock too.
"""

import aio


async def _ticks_arithmetic():
    assert aio.ticks_add(aio.TICKS_MAX, 1) == 0
    assert aio.ticks_diff(aio.ticks_add(5, -10), 5) == -10
    assert aio.ticks_diff(3, aio.TICKS_MAX - 2) == 6, "ticks_diff across the wrap"


async def _sleep_ms_moves_the_clock():
    start = aio.ticks_ms()
    await aio.sleep_ms(20)
    assert aio.ticks_diff(aio.ticks_ms(), start) >= 20


async def _timers_fire_in_deadline_order():
    fired = []

    async def timer(name, delay_ms):
        await aio.sleep_ms(delay_ms)
        fired.append(name)

    await aio.gather(timer("c", 30), timer("a", 5), timer("b", 15))
    assert fired == ["a", "b", "c"], fired


async def _event_wakes_a_waiting_task():
    event = aio.Event()
    woke = []

    async def waiter():
        await event.wait()
        woke.append(aio.current_task() is not None)

    task = aio.create_task(waiter())
    await aio.sleep_ms(1)
    assert not woke
    event.set()
    await task
    assert woke == [True]


async def _lock_serialises_holders():
    lock = aio.Lock()
    order = []

    async def holder(name):
        async with lock:
            order.append(name + "+")
            await aio.sleep_ms(2)
            order.append(name + "-")

    await aio.gather(holder("a"), holder("b"))
    assert order == ["a+", "a-", "b+", "b-"], order


async def _wait_for_ms_times_out():
    never = aio.Event()
    try:
        await aio.wait_for_ms(never.wait(), 10)
    except aio.TimeoutError:
        return
    raise AssertionError("wait_for_ms did not time out")


async def _wait_for_ms_returns_the_result():
    async def answer():
        await aio.sleep_ms(1)
        return 42

    assert await aio.wait_for_ms(answer(), 100) == 42


async def _cancel_raises_cancelled_error_in_the_task():
    seen = []

    async def sleeper():
        try:
            await aio.sleep(10)
        except aio.CancelledError:
            seen.append("cancelled")
            raise

    task = aio.create_task(sleeper())
    await aio.sleep_ms(1)
    task.cancel()
    try:
        await task
    except aio.CancelledError:
        seen.append("raised")
    assert seen == ["cancelled", "raised"]


async def _gather_returns_results_in_argument_order():
    order = []

    async def worker(name, delay_ms):
        await aio.sleep_ms(delay_ms)
        order.append(name)
        return name

    task = aio.create_task(worker("slow", 30))
    results = await aio.gather(worker("a", 10), worker("b", 5), task)
    assert results == ["a", "b", "slow"], results
    assert order == ["b", "a", "slow"], order
    assert aio.current_task() is not None


async def _wall_time_is_a_plausible_date():
    assert aio.wall_time() > 0
    assert aio.monotonic() >= 0


CHECKS = (
    _ticks_arithmetic,
    _sleep_ms_moves_the_clock,
    _timers_fire_in_deadline_order,
    _event_wakes_a_waiting_task,
    _lock_serialises_holders,
    _wait_for_ms_times_out,
    _wait_for_ms_returns_the_result,
    _cancel_raises_cancelled_error_in_the_task,
    _gather_returns_results_in_argument_order,
    _wall_time_is_a_plausible_date,
)


async def run_checks():
    passed = []
    for check in CHECKS:
        await check()
        passed.append(check.__name__.lstrip("_"))
    return passed
