"""Every exit of every operation, reached with a fake call control on the virtual clock."""

from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, run, scenario
from tests.firmware.routing.fake_control import Press

BYE = {"type": "hang_up", "prompt": "goodbye"}


def test_announcement_plays_then_takes_next():
    config = config_with(
        scenario({"first": {"type": "announcement", "exits": {"next": "bye"}}, "bye": BYE})
    )

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names() == ["welcome", "goodbye", "hung_up:routed_away"]
    assert call.steps[1:] == [("main/first", "next"), ("main/bye", "finished")]
    assert call.system_answered


def test_announcement_skipped_by_its_key_and_unset_next_says_goodbye():
    config = config_with(scenario({"first": {"type": "announcement", "skip_keys": "0"}}))

    async def main():
        rig = Rig(config)
        call = await rig.inbound(presses=[Press("0", "welcome", after_s=0.5)])
        return call, call.heard

    call, heard = run(main())
    assert [name for _, name in heard] == ["welcome", "goodbye", "hung_up:routed_away"]
    assert heard[1][0] == 0.5  # the rest of the greeting was skipped
    assert call.end_reason == EndReason.ROUTED_AWAY


def test_caller_hanging_up_during_an_announcement_ends_the_walk():
    operations = {"first": {"type": "announcement", "exits": {"next": "bye"}}, "bye": BYE}
    config = config_with(scenario(operations))

    async def main():
        return await Rig(config).inbound(patience_s=0.5)

    call = run(main())
    assert call.steps[-1] == ("main/first", "caller_gone")
    assert call.end_reason == EndReason.CALLER_GAVE_UP


MENU = {
    "first": {
        "type": "menu",
        "prompt": "menu_sales_support",
        "keys": {"1": "one", "2": "two"},
        "exits": {"timeout": "bye"},
    },
    "one": {"type": "hang_up", "prompt": "queue_position_1"},
    "two": {"type": "hang_up", "prompt": "queue_position_2"},
    "bye": BYE,
}


def test_menu_follows_the_key_pressed_during_the_prompt():
    config = config_with(scenario(MENU))

    async def main():
        return await Rig(config).inbound(presses=[Press("2", "menu_sales_support")])

    call = run(main())
    assert ("main/first", "2") in call.steps
    assert call.heard_names()[-2] == "queue_position_2"


def test_menu_repeats_then_takes_timeout():
    config = config_with(scenario(MENU))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names().count("menu_sales_support") == 3
    assert ("main/first", "timeout") in call.steps
    assert call.heard_names()[-2] == "goodbye"


def test_menu_key_without_an_exit_takes_invalid_when_set_else_plays_again():
    operations = dict(MENU)
    operations["first"] = dict(MENU["first"], exits={"timeout": "bye", "invalid": "two"})
    config = config_with(scenario(operations))

    async def main():
        return await Rig(config).inbound(presses=[Press("7", "menu_sales_support")])

    call = run(main())
    assert ("main/first", "invalid") in call.steps

    config = config_with(scenario(MENU))

    async def again():
        presses = [Press("7", "menu_sales_support"), Press("1", "menu_sales_support")]
        return await Rig(config).inbound(presses=presses)

    call = run(again())
    assert call.heard_names().count("menu_sales_support") == 2
    assert ("main/first", "1") in call.steps


DIALLING = {
    "first": {
        "type": "menu",
        "prompt": "welcome_dial_extension",
        "keys": {"1": "one"},
        "exits": {"extension": "dialled", "timeout": "bye"},
    },
    "one": {"type": "hang_up", "prompt": "queue_position_1"},
    "dialled": {"type": "extension", "exits": {"failed": "bye"}},
    "bye": BYE,
}


def test_menu_direct_dialling_of_a_longer_extension():
    config = config_with(scenario(DIALLING))

    async def main():
        return await Rig(config).inbound(presses=[Press("103", "welcome_dial_extension")])

    call = run(main())
    assert ("main/first", "extension") in call.steps
    assert call.answered_by == "103"


def test_menu_one_digit_that_is_a_key_follows_the_key_after_the_inter_digit_pause():
    config = config_with(scenario(DIALLING))

    async def main():
        return await Rig(config).inbound(presses=[Press("1", "welcome_dial_extension")])

    call = run(main())
    assert ("main/first", "1") in call.steps
    assert call.heard[-2] == (6.0, "queue_position_1")  # pressed at 1 s, 5 s interval


def test_menu_one_digit_without_a_key_is_taken_as_an_extension_not_as_invalid():
    operations = dict(DIALLING)
    operations["first"] = dict(
        DIALLING["first"],
        exits={"extension": "dialled", "wrong_number": "two", "invalid": "bye"},
    )
    operations["two"] = {"type": "hang_up", "prompt": "queue_position_2"}
    config = config_with(scenario(operations))

    async def main():
        return await Rig(config).inbound(presses=[Press("5", "welcome_dial_extension")])

    call = run(main())
    assert ("main/first", "wrong_number") in call.steps  # extensions have 2 digits or more


def test_menu_unknown_extension_takes_wrong_number_or_a_second_of_silence_and_the_menu():
    config = config_with(scenario(DIALLING))

    async def main():
        presses = [Press("999", "welcome_dial_extension"), Press("102", "welcome_dial_extension")]
        return await Rig(config).inbound(presses=presses)

    call = run(main())
    names = call.heard_names()
    assert names[:3] == ["welcome_dial_extension", "silence", "welcome_dial_extension"]
    assert call.answered_by == "102"

    operations = dict(DIALLING)
    operations["first"] = dict(
        DIALLING["first"], exits={"extension": "dialled", "wrong_number": "two"}
    )
    operations["two"] = {"type": "hang_up", "prompt": "queue_position_2"}
    config = config_with(scenario(operations))

    async def wrong():
        return await Rig(config).inbound(presses=[Press("999", "welcome_dial_extension")])

    call = run(wrong())
    assert ("main/first", "wrong_number") in call.steps
    assert call.heard_names()[-2] == "queue_position_2"


def test_hash_returns_to_the_previous_menu():
    operations = {
        "first": {"type": "menu", "prompt": "menu", "keys": {"1": "inner"}},
        "inner": {"type": "menu", "prompt": "menu_sales_support", "keys": {"2": "two"}},
        "two": {"type": "hang_up", "prompt": "queue_position_2"},
    }
    config = config_with(scenario(operations))

    async def main():
        presses = [
            Press("1", "menu"),
            Press("#", "menu_sales_support"),
            Press("1", "menu"),
            Press("2", "menu_sales_support"),
        ]
        return await Rig(config).inbound(presses=presses)

    call = run(main())
    assert call.exits()[:4] == [
        ("main/first", "1"),
        ("main/inner", "back"),
        ("main/first", "1"),
        ("main/inner", "2"),
    ]
