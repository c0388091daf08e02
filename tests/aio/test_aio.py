import contextlib
import time

import aio
from aio import host


def test_two_minute_sleep_takes_no_real_time_on_the_virtual_clock():
    async def sleeper():
        start = aio.ticks_ms()
        await aio.sleep(120)
        return aio.ticks_diff(aio.ticks_ms(), start)

    real_start = time.monotonic()
    slept_ms = host.run(sleeper(), virtual=True)
    assert slept_ms == 120_000
    assert time.monotonic() - real_start < 1.0


def test_timers_fire_in_order_of_their_deadlines():
    fired: list[tuple[str, int]] = []

    async def timer(name: str, delay_ms: int):
        await aio.sleep_ms(delay_ms)
        fired.append((name, aio.ticks_ms()))

    async def main():
        await aio.gather(timer("c", 3000), timer("a", 10), timer("b", 500), timer("d", 60_000))

    host.run(main(), virtual=True)
    assert fired == [("a", 10), ("b", 500), ("c", 3000), ("d", 60_000)]


def test_wait_for_ms_times_out_on_the_virtual_clock():
    async def main():
        never = aio.Event()
        try:
            await aio.wait_for_ms(never.wait(), 2500)
        except aio.TimeoutError:
            return aio.ticks_ms()
        return None

    assert host.run(main(), virtual=True) == 2500


def test_a_task_cancelled_as_its_wait_for_ms_completes_is_cancelled():
    async def main():
        news = aio.Event()
        rounds = 0

        async def waiter():
            nonlocal rounds
            while rounds < 3:
                with contextlib.suppress(aio.TimeoutError):
                    await aio.wait_for_ms(news.wait(), 5000)
                rounds += 1

        task = aio.create_task(waiter())
        await aio.sleep_ms(10)
        news.set()  # the wait completes in the same step as the cancellation arrives
        task.cancel()
        with contextlib.suppress(aio.CancelledError):
            await task
        return task.cancelled(), rounds

    assert host.run(main(), virtual=True) == (True, 0)


def test_queue_and_lock_hand_work_between_tasks():
    async def main():
        queue: host.Queue[int] = host.Queue()
        lock = aio.Lock()
        seen = []

        async def producer():
            for n in range(3):
                await aio.sleep_ms(100)
                await queue.put(n)

        async def consumer():
            for _ in range(3):
                item = await queue.get()
                async with lock:
                    seen.append((item, aio.ticks_ms()))

        await aio.gather(aio.create_task(producer()), consumer())
        return seen

    assert host.run(main(), virtual=True) == [(0, 100), (1, 200), (2, 300)]


def test_thread_work_takes_no_virtual_time():
    def blocking_work():
        time.sleep(0.05)
        return "written"

    async def main():
        start = aio.monotonic()
        result = await host.to_thread(blocking_work)
        return result, aio.monotonic() - start

    result, elapsed = host.run(main(), virtual=True)
    assert result == "written"
    assert elapsed == 0.0


def test_thread_work_does_not_freeze_concurrent_timers_order():
    order = []

    async def main():
        async def ticker():
            for _ in range(3):
                await aio.sleep_ms(20)
                order.append(("tick", aio.ticks_ms()))

        task = aio.create_task(ticker())
        await host.to_thread(time.sleep, 0.01)
        order.append(("thread done", aio.ticks_ms()))
        await task

    host.run(main(), virtual=True)
    assert order[0] == ("thread done", 0)
    assert [t for _, t in order[1:]] == [20, 40, 60]


def test_ticks_diff_is_correct_across_the_wrap_around():
    before_wrap = aio.TICKS_MAX - 5
    after_wrap = aio.ticks_add(before_wrap, 10)
    assert after_wrap == 4
    assert aio.ticks_diff(after_wrap, before_wrap) == 10
    assert aio.ticks_diff(before_wrap, after_wrap) == -10


def test_wall_time_follows_the_virtual_clock():
    async def main():
        start = aio.wall_time()
        await aio.sleep(3600)
        return aio.wall_time() - start

    assert host.run(main(), virtual=True, wall_epoch=1_700_000_000.0) == 3600.0


def test_real_time_loop_is_the_default():
    async def main():
        start = time.monotonic()
        await aio.sleep_ms(20)
        return time.monotonic() - start

    assert host.run(main()) >= 0.019
