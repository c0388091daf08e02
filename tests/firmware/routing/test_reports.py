"""Reports over the history: per scenario with a second dimension, per call-centre member,
per employee, missed calls; the `switchboard report` command."""

import csv
import io

import aio
from firmware.cli import main as switchboard
from firmware.config.defaults import default_config
from firmware.config.document import validate
from firmware.engine.history import CallRecord, LegRecord
from firmware.routing import reports
from firmware.storage.history import HistoryWriter
from tests.firmware.routing.conftest import Rig, people, run
from tests.firmware.routing.fake_control import Person, Press


async def call_and_record(rig, writer, **details):
    """Route a call, let it end, and write its history row as call control would."""
    call = await rig.inbound(**details)
    await call.gone.wait()
    ended = aio.wall_time()
    answered = next(
        (call.started_wall + at for at, name in call.heard if name.startswith("talking:")), None
    )
    legs = [LegRecord("FXO/4", call.caller_number, "caller", call.started_wall)]
    if answered is not None:
        port = int(call.answered_by) - 101
        legs.append(LegRecord(f"FXS/{port}", call.answered_by, "callee", answered, answered))
    await writer.record(
        CallRecord(
            call_id=call.id,
            direction="inbound",
            from_number=call.caller_number,
            to_number="",
            started_at=call.started_wall,
            line_port=4,
            answered_at=answered,
            ended_at=ended,
            end_reason=str(call.end_reason),
            legs=legs,
        )
    )
    return call


def office_day(history):
    """Four calls on the default template: support, sales, a caller who gives up in the
    menu, and (on the evening clock) a message after hours."""

    async def day():
        writer = HistoryWriter(history)
        crowd = people(e104=Person(answers_after_s=None))
        rig = Rig(default_config(), crowd, history_db=history)
        await call_and_record(rig, writer, presses=[Press("2", "menu_sales_support")])
        await call_and_record(rig, writer)
        await call_and_record(rig, writer, patience_s=3)
        writer.close()

    async def evening():
        writer = HistoryWriter(history)
        rig = Rig(default_config(), history_db=history)
        await call_and_record(rig, writer)
        writer.close()

    run(day())
    run(evening(), when="2026-12-02T20:00")


def test_scenario_report_columns_and_second_dimensions(tmp_path):
    history = tmp_path / "history.sqlite3"
    office_day(history)
    connection = reports.open_history(history)
    table = reports.scenario_report(connection)
    assert table.columns[:8] == [
        "scenario",
        "total",
        "completed",
        "without_conversation",
        "with_transfer",
        "re_entered",
        "by_option",
        "average_total_s",
    ]
    (row,) = table.rows
    assert row[:7] == ("main", 4, 4, 2, 0, 0, 0)
    assert row[-1] == 25.0  # only the support call was answered within 20 s

    by_centre = reports.scenario_report(connection, by="call_centre")
    assert [r[:3] for r in by_centre.rows] == [("main", "sales", 1), ("main", "support", 1)]

    def counts(dimension):
        return {r[1]: r[2] for r in reports.scenario_report(connection, by=dimension).rows}

    passed = {"hours": 4, "greeting": 3, "sales": 1, "support": 1, "after_hours": 1}
    assert counts("operation") == passed
    by_employee = reports.scenario_report(connection, by="employee").rows
    assert [(r[1], r[2]) for r in by_employee] == [("", 2), ("101", 1), ("103", 1)]
    assert counts("end_reason") == {"caller_gave_up": 1, "completed": 2, "voicemail": 1}
    assert [r[1:3] for r in reports.scenario_report(connection, by="line").rows] == [("FXO/4", 4)]


def test_member_report_shows_a_member_passed_over(tmp_path):
    history = tmp_path / "history.sqlite3"
    crowd = people(e101=Person(answers_after_s=None))

    async def main():
        rig = Rig(default_config(), crowd, history_db=history)
        await rig.inbound()  # sales: 101 rings out its 30 s, 102 answers

    run(main())
    table = reports.member_report(reports.open_history(history))
    assert table.columns == [
        "call_centre",
        "member",
        "offered",
        "answered",
        "passed_over",
        "busy",
        "rang_s",
    ]
    # ring-all: both rang together; 102 answered after 3 s, 101 was not passed over yet
    assert [row[:5] for row in table.rows] == [("sales", "101", 1, 0, 0), ("sales", "102", 1, 1, 0)]


def test_switchboard_report_prints_a_table_or_csv(tmp_path, capsys):
    office_day(tmp_path / "history.sqlite3")
    assert switchboard(["report", "--data", str(tmp_path), "--by", "call_centre"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[:3] == ["scenario", "call_centre", "total"]
    assert printed[2].split()[:3] == ["main", "sales", "1"]
    assert switchboard(["report", "--data", str(tmp_path), "--csv", "--since", "2026-12-03"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][0] == "scenario" and len(rows) == 1  # nothing since the 3rd
    assert switchboard(["report", "missed", "--data", str(tmp_path)]) == 0
    assert "caller" in capsys.readouterr().out


def test_report_without_history_says_so(tmp_path, capsys):
    assert switchboard(["report", "--data", str(tmp_path)]) == 1
    assert "no call history yet" in capsys.readouterr().err


def test_employee_report_counts_forwarded_calls_by_attribution(tmp_path):
    history = tmp_path / "history.sqlite3"
    document = default_config().model_dump(mode="json")
    forwarding = document["employees"][1]["calls"]["forwarding"]
    forwarding["no_answer_after_s"] = 20
    forwarding["no_answer"] = {"action": "forward", "target": "103"}
    forwarding["busy"] = {"action": "voicemail"}
    config = validate(document)

    async def main():
        rig = Rig(config, people(e102=Person(answers_after_s=None)), history_db=history)
        await rig.direct("102")  # forwarded, 103 answers: 103's call
        rig.control.people["103"].answers_after_s = None
        await rig.direct("102")  # forwarded, nobody answers: missed by 102
        rig.control.people["102"].busy = True
        await rig.direct("102")  # busy: voicemail
        rig.control.people["102"].busy = False
        rig.control.people["102"].answers_after_s = 2
        await rig.direct("102")  # 102's own call

    run(main())
    table = reports.employee_report(reports.open_history(history))
    assert table.columns == [
        "employee",
        "answered",
        "answered_for_colleagues",
        "missed",
        "missed_to_voicemail",
    ]
    assert table.rows == [("102", 1, 0, 2, 1), ("103", 1, 1, 0, 0)]


def test_agents_logged_in_stay_logged_in_across_a_restart(tmp_path):
    history = tmp_path / "history.sqlite3"

    async def before_restart():
        rig = Rig(default_config(), history_db=history)
        await rig.runner.agents.log_in("101")
        await rig.runner.agents.log_in("102")
        await rig.runner.agents.log_out("101")
        rig.journal.close()

    async def after_restart():
        rig = Rig(default_config(), history_db=history)
        return {e for e in ("101", "102") if rig.runner.agents.agent(e).logged_in}

    run(before_restart())
    assert run(after_restart()) == {"102"}


def test_a_call_an_operator_sends_into_a_scenario_counts_as_by_option(tmp_path):
    history = tmp_path / "history.sqlite3"

    async def main():
        rig = Rig(default_config(), history_db=history)
        transferred = rig.control.call()
        await rig.runner.run_scenario(transferred, "main")
        await rig.inbound()

    run(main())
    (row,) = reports.scenario_report(reports.open_history(history)).rows
    assert row[:2] == ("main", 2)
    assert row[6] == 1  # by option


def test_the_runner_as_the_engine_composes_it_plays_uploaded_greetings_and_journals(tmp_path):
    import wave

    import numpy as np

    from firmware.routing.prompts import PromptLibrary
    from firmware.routing.runner import RoutingRunner
    from tests.firmware.routing.fake_control import FakeCallControl

    history = tmp_path / "history.sqlite3"
    greetings = tmp_path / "greetings"
    greetings.mkdir()
    ours = (np.sin(np.arange(12000) * 0.3) * 8000).astype(np.int16)  # 1.5 s of our own
    with wave.open(str(greetings / "menu_sales_support.wav"), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(ours.tobytes())
    (greetings / "welcome.wav").write_bytes(b"not a wav file")

    async def main():
        control = FakeCallControl(PromptLibrary(), people())
        runner = RoutingRunner.for_data_directory(control, default_config(), history, greetings)
        call = control.call()
        await runner.handle_inbound(call)
        return call

    call = run(main())
    assert np.array_equal(call.audio[0], ours)
    (row,) = reports.scenario_report(reports.open_history(history)).rows
    assert row[:2] == ("main", 1)


def test_call_centre_load_counts_calls_by_local_hour_and_weekday(tmp_path):
    import zoneinfo

    history = tmp_path / "history.sqlite3"
    office_day(history)  # one call to sales and one to support, on Wednesday morning (UTC)
    connection = reports.open_history(history)
    loads = reports.call_centre_load(connection, timezone=zoneinfo.ZoneInfo("UTC"))
    assert sorted(loads) == ["sales", "support"]
    for load in loads.values():
        assert load.total == 1
        assert load.by_weekday == [0, 0, 1, 0, 0, 0, 0]
    kyiv = reports.call_centre_load(connection, timezone=zoneinfo.ZoneInfo("Europe/Kyiv"))
    utc_hour = loads["sales"].by_hour.index(1)
    assert kyiv["sales"].by_hour.index(1) == utc_hour + 2  # winter time is UTC+2
