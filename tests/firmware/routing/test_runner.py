"""The runner itself: a failing operation ends the call with a clear reason, a new config
applies to new calls only, a looping caller is ended politely."""

import aio
from firmware.config.document import validate
from firmware.routing import runner as runner_module
from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, people, run, scenario
from tests.firmware.routing.fake_control import Person, Press


def test_an_exception_in_an_operation_ends_the_call_as_an_internal_error(monkeypatch, caplog):
    async def broken(operation, walk):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(runner_module.OPERATIONS, "announcement", broken)
    config = config_with(scenario({"first": {"type": "announcement"}}))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.end_reason == EndReason.INTERNAL_ERROR
    assert call.steps[-1] == ("main/", "internal_error")
    assert f"call {call.id} on FXO/4: routing failed" in caplog.text


def test_a_new_config_routes_new_calls_while_a_call_in_progress_keeps_its_own():
    old = config_with(
        scenario({"first": {"type": "menu", "keys": {"1": "a"}}, "a": {"type": "fax"}})
    )
    new = config_with(scenario({"first": {"type": "hang_up", "prompt": "office_closed"}}))

    async def main():
        rig = Rig(old)
        waiting = aio.create_task(rig.inbound(presses=[Press("1", "menu", after_s=4)]))
        await aio.sleep(1)
        rig.runner.apply(new)
        later = await rig.inbound()
        return await waiting, later

    first, later = run(main())
    assert first.heard_names()[-2] == "fax_reception"
    assert later.heard_names()[0] == "office_closed"


def test_a_caller_looping_through_menus_forever_is_ended_politely():
    operations = {
        "first": {"type": "menu", "keys": {"1": "second"}, "repeats": 1},
        "second": {"type": "menu", "keys": {"1": "first"}, "repeats": 1},
    }
    config = config_with(scenario(operations))

    async def main():
        presses = [Press("1", "menu", after_s=0.1) for _ in range(300)]
        return await Rig(config).inbound(presses=presses)

    call = run(main())
    assert len(call.steps) == runner_module.MAX_STEPS + 2
    assert call.heard_names()[-2:] == ["no_one_available", "hung_up:unavailable"]


def test_a_greeting_never_uploaded_is_skipped_and_the_call_goes_on(caplog):
    operations = {
        "first": {"type": "announcement", "prompt": "our_jingle", "exits": {"next": "bye"}},
        "bye": {"type": "hang_up", "prompt": "goodbye"},
    }
    config = config_with(scenario(operations))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names() == ["goodbye", "hung_up:routed_away"]
    assert "no prompt 'our_jingle'" in caplog.text


def test_a_scenario_speaks_its_own_language_and_a_direct_call_the_employees():
    document = config_with(scenario({"first": {"type": "hang_up"}})).model_dump(mode="json")
    document["routing"]["scenarios"][0]["language"] = "uk"
    document["employees"][1]["language"] = "ru"
    document["employees"][1]["calls"]["forwarding"]["no_answer"] = {"action": "message"}
    config = validate(document)

    async def main():
        rig = Rig(config, people(e102=Person(answers_after_s=None)))
        return rig.prompts, await rig.inbound(), await rig.direct("102")

    prompts, inbound, direct = run(main())
    assert inbound.audio[0] is prompts.get("goodbye", "uk")
    assert direct.audio[0] is prompts.get("employee_unavailable", "ru")


def test_a_broken_uploaded_greeting_is_skipped_like_a_missing_one(tmp_path, caplog):
    from firmware.routing.prompts import PromptLibrary, PromptMissing

    (tmp_path / "welcome.wav").write_bytes(b"not a wav file")
    library = PromptLibrary(tmp_path)
    try:
        library.get("welcome", "en")
    except PromptMissing as refused:
        assert "not a readable WAV file" in str(refused)
    else:
        raise AssertionError("a broken greeting was accepted")
