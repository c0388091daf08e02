"""Call centres: holding with music, adding members as they free up after wrap-up, the
strategies, answer times, maximum wait, agent log-in, missed-call records."""

import itertools
import json
import sqlite3
from collections import Counter

import aio
from tests.firmware.routing.conftest import Rig, config_with, people, run, scenario
from tests.firmware.routing.fake_control import Person


def centre_config(**centre):
    settings = {
        "id": "agents",
        "members": [{"extension": e} for e in ("101", "102", "103")],
        "caller_hears": "music",
        **centre,
    }
    operations = {
        "first": {
            "type": "call_centre",
            "call_centre": "agents",
            "exits": {"no_answer": "sorry", "timeout": "late"},
        },
        "sorry": {"type": "hang_up", "prompt": "no_one_available"},
        "late": {"type": "hang_up", "prompt": "goodbye"},
    }
    return config_with(scenario(operations, call_centres=[settings]))


async def caller_at(rig, delay, **details):
    await aio.sleep(delay)
    return await rig.inbound(**details)


def test_fourth_caller_holds_with_music_and_gets_the_first_member_to_free_up_after_wrap_up():
    config = centre_config(strategy="ring_all", wrap_up_s=10)
    crowd = people(
        e101=Person(answers_after_s=2, talks_s=100),
        e102=Person(answers_after_s=2, talks_s=40),
        e103=Person(answers_after_s=2, talks_s=70),
    )

    async def main():
        rig = Rig(config, crowd)
        callers = (caller_at(rig, start, patience_s=300) for start in (0, 5, 10, 15))
        return await aio.gather(*callers)

    calls = run(main())
    assert [call.answered_by for call in calls] == ["101", "102", "103", "102"]
    fourth = calls[3]
    assert fourth.heard_names()[0] == "music"
    # 102 answered at 7 s, talked 40 s, rested 10 s; then rang 2 s: 59 s, 44 s after calling.
    assert fourth.heard[-1] == (44.0, "talking:102")
    assert ("main/first", "answered") in fourth.steps


def test_in_turn_spreads_thirty_calls_evenly():
    config = centre_config(
        strategy="in_turn",
        members=[{"extension": e} for e in ("101", "102", "103", "104")],
    )
    crowd = people(**{f"e{e}": Person(answers_after_s=2, talks_s=20) for e in range(101, 105)})

    async def main():
        rig = Rig(config, crowd)
        return await aio.gather(*(caller_at(rig, 30 * n) for n in range(30)))

    calls = run(main())
    counts = Counter(call.answered_by for call in calls)
    assert sum(counts.values()) == 30
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_a_member_who_does_not_answer_in_time_is_passed_over_and_it_is_recorded(tmp_path):
    members = [{"extension": "101", "answer_s": 15}, {"extension": "102"}]
    config = centre_config(strategy="linear", answer_s=40, members=members)
    crowd = people(e101=Person(answers_after_s=None))
    history = tmp_path / "history.db"

    async def main():
        return await Rig(config, crowd, history_db=history).inbound()

    call = run(main())
    assert call.answered_by == "102"
    assert call.heard[-1] == (18.0, "talking:102")  # 15 s on 101, 3 s on 102
    rows = sqlite3.connect(history).execute(
        "SELECT member, rang_s, outcome FROM ring_attempts ORDER BY id"
    )
    assert list(rows) == [("101", 15.0, "no_answer"), ("102", 3.0, "answered")]


def test_nobody_answering_takes_no_answer_after_the_rounds_and_leaves_a_missed_call(tmp_path):
    config = centre_config(strategy="ring_all", answer_s=20, rounds=2)
    crowd = people(**{f"e{e}": Person(answers_after_s=None) for e in range(101, 104)})
    history = tmp_path / "history.db"

    async def main():
        return await Rig(config, crowd, history_db=history).inbound(caller_number="84957001122")

    call = run(main())
    assert dict(call.exits())["main/first"] == "no_answer"
    assert call.heard_names()[-2] == "no_one_available"
    (missed,) = sqlite3.connect(history).execute(
        "SELECT call_centre, caller, waited_s, members FROM missed_calls"
    )
    assert missed[:3] == ("agents", "84957001122", 40.0)
    assert json.loads(missed[3]) == [
        {"member": "101", "rang_s": 40.0},
        {"member": "102", "rang_s": 40.0},
        {"member": "103", "rang_s": 40.0},
    ]


def test_waiting_longer_than_the_maximum_takes_timeout():
    config = centre_config(max_wait_s=60)
    crowd = people(**{f"e{e}": Person(busy=True) for e in range(101, 104)})

    async def main():
        return await Rig(config, crowd).inbound()

    call = run(main())
    assert dict(call.exits())["main/first"] == "timeout"
    assert call.heard[-2] == (60.0, "goodbye")


def test_without_adding_members_as_they_free_up_a_full_centre_takes_no_answer():
    config = centre_config(add_members_as_they_free_up=False)
    crowd = people(**{f"e{e}": Person(busy=True) for e in range(101, 104)})

    async def main():
        return await Rig(config, crowd).inbound()

    call = run(main())
    assert dict(call.exits())["main/first"] == "no_answer"


def test_only_logged_in_agents_take_calls_and_log_in_by_feature_code():
    config = centre_config(login_required=True)

    async def main():
        rig = Rig(config)
        nobody = await rig.inbound()
        codes = config.routing.agent_codes
        assert await rig.runner.agents.feature_code(codes, "103", "*55")
        answered = await rig.inbound()
        await rig.runner.agents.feature_code(codes, "103", "*56")
        return nobody, answered

    nobody, answered = run(main())
    assert dict(nobody.exits())["main/first"] == "no_answer"
    assert answered.answered_by == "103"


def test_waiting_callers_hear_their_place_and_the_hold_message():
    config = centre_config(
        announce_position=True, hold_announcement_every_s=30, max_wait_s=100, wrap_up_s=0
    )
    crowd = people(**{f"e{e}": Person(answers_after_s=1, talks_s=200) for e in range(101, 104)})

    async def main():
        rig = Rig(config, crowd)
        return await aio.gather(*(caller_at(rig, n, patience_s=90) for n in range(5)))

    calls = run(main())
    fifth = calls[4]
    announcements = [(at, name) for at, name in fifth.heard if name.startswith("queue")]
    # After 3 s of waiting, then every 30 s: all busy, and the place behind the fourth caller.
    assert [name for _, name in announcements] == ["queue_hold", "queue_position_2"] * 3
    starts = [at for at, name in announcements if name == "queue_hold"]
    assert starts[0] == 3.0
    assert all(later - earlier > 30 for earlier, later in itertools.pairwise(starts))
    assert fifth.end_reason == "caller_gave_up"


def test_a_member_who_frees_up_while_others_ring_is_added_to_the_ringing():
    config = centre_config(
        strategy="ring_all", answer_s=120, members=[{"extension": "101"}, {"extension": "102"}]
    )
    crowd = people(e101=Person(answers_after_s=None), e102=Person(answers_after_s=2, talks_s=20))

    async def main():
        rig = Rig(config, crowd)
        return await aio.gather(caller_at(rig, 0), caller_at(rig, 5))

    first, second = run(main())
    assert first.answered_by == "102"
    # 102 hangs up at 22 s and is rung at once with 101, who was ringing alone since 5 s.
    assert second.answered_by == "102"
    assert second.heard[-1] == (19.0, "talking:102")


def test_least_recent_offers_the_member_idle_longest():
    config = centre_config(strategy="least_recent")
    crowd = people(**{f"e{e}": Person(answers_after_s=1, talks_s=10) for e in range(101, 104)})

    async def main():
        rig = Rig(config, crowd)
        return await aio.gather(*(caller_at(rig, start) for start in (0, 20, 40, 60, 80)))

    calls = run(main())
    # Nobody has talked yet: the configured order; then whoever finished longest ago.
    assert [call.answered_by for call in calls] == ["101", "102", "103", "101", "102"]


def test_an_agent_dialling_the_codes_hears_the_confirmation():
    config = centre_config(login_required=True)

    async def main():
        rig = Rig(config)
        assert rig.runner.is_agent_code("*55") and not rig.runner.is_agent_code("*78")
        logging_in = rig.control.call(caller_number="102", line="")
        await rig.runner.handle_agent_code(logging_in, "102", "*55")
        answered = await rig.inbound()
        logging_out = rig.control.call(caller_number="102", line="")
        await rig.runner.handle_agent_code(logging_out, "102", "*56")
        return logging_in, answered, logging_out, rig.runner.agents.agent("102").logged_in

    logging_in, answered, logging_out, still_in = run(main())
    assert logging_in.heard_names() == ["agent_logged_in", "hung_up:completed"]
    assert answered.answered_by == "102"
    assert logging_out.heard_names()[0] == "agent_logged_out"
    assert not still_in


def test_callers_arriving_together_ring_free_agents_side_by_side_in_turn():
    config = centre_config(strategy="in_turn")
    crowd = people(**{f"e{e}": Person(answers_after_s=10, talks_s=100) for e in range(101, 104)})

    async def main():
        rig = Rig(config, crowd)
        return await aio.gather(*(caller_at(rig, 0) for _ in range(3)))

    calls = run(main())
    assert sorted(call.answered_by for call in calls) == ["101", "102", "103"]
    assert [call.heard[-1][0] for call in calls] == [10.0, 10.0, 10.0]
