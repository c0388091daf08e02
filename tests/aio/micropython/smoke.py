# The portable core of `aio`, exercised under MicroPython (and CPython, by the same file):
# each check prints "ok <name>"; a failure raises and stops the run.
import aio


async def check_sleep_and_clock():
    start = aio.ticks_ms()
    before = aio.monotonic()
    await aio.sleep(0.05)
    await aio.sleep_ms(20)
    elapsed = aio.ticks_diff(aio.ticks_ms(), start)
    assert elapsed >= 60, elapsed
    assert aio.monotonic() > before
    assert aio.wall_time() > 1_600_000_000
    assert aio.ticks_diff(aio.ticks_add(5, -10), 5) == -10
    assert aio.ticks_add(aio.TICKS_MAX, 1) == 0
    print("ok sleep_and_clock")


async def check_tasks_and_gather():
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
    print("ok tasks_and_gather")


async def check_event_and_lock():
    event = aio.Event()
    lock = aio.Lock()
    seen = []

    async def waiter():
        await event.wait()
        async with lock:
            seen.append("woken")

    task = aio.create_task(waiter())
    await aio.sleep_ms(10)
    assert seen == []
    event.set()
    await task
    assert seen == ["woken"]
    print("ok event_and_lock")


async def check_timeout_and_cancel():
    try:
        await aio.wait_for_ms(aio.sleep(1), 20)
    except aio.TimeoutError:
        pass
    else:
        raise AssertionError("wait_for_ms did not time out")
    assert await aio.wait_for_ms(aio.sleep_ms(1), 500) is None

    async def forever():
        await aio.sleep(60)

    task = aio.create_task(forever())
    await aio.sleep_ms(5)
    task.cancel()
    try:
        await task
    except aio.CancelledError:
        pass
    else:
        raise AssertionError("a cancelled task finished")
    print("ok timeout_and_cancel")


async def main():
    print("interpreter", aio.MICROPYTHON)
    await check_sleep_and_clock()
    await check_tasks_and_gather()
    await check_event_and_lock()
    await check_timeout_and_cancel()
    print("all ok")
