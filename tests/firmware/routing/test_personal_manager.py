"""Personal manager: the address book, the call history, a CRM hook asked first; a manager
who does not answer sends the call back to the scenario; exclusions are never chosen."""

import http.server
import threading
import time

import pytest

import aio
from firmware.engine.history import CallRecord, LegRecord
from firmware.routing.call_history import CallHistory
from firmware.storage.history import HistoryWriter
from tests.firmware.routing.conftest import Rig, config_with, people, run, scenario
from tests.firmware.routing.fake_control import Person

CLIENT = "+7 495 700-11-22"
DAY_S = 86400


def manager_config(**manager):
    operations = {
        "first": {"type": "personal_manager", "exits": {"failed": "group"}, **manager},
        "group": {"type": "call_centre", "call_centre": "secretaries"},
    }
    centre = {"id": "secretaries", "members": [{"extension": "101"}], "caller_hears": "music"}
    contacts = [{"number": "84951110000", "manager": "102"}]
    return config_with(scenario(operations, call_centres=[centre], contacts=contacts))


async def talked(history, number, extension, days_ago):
    started = aio.wall_time() - days_ago * DAY_S
    record = CallRecord(
        call_id=f"past-{extension}-{days_ago}",
        direction="inbound",
        from_number=number,
        to_number="",
        started_at=started,
        answered_at=started + 5,
        ended_at=started + 65,
        end_reason="completed",
        legs=[
            LegRecord("FXO/4", number, "caller", started, started + 5, started + 65),
            LegRecord(f"FXS/{int(extension) - 101}", extension, "callee", started, started + 5),
        ],
    )
    writer = HistoryWriter(history)
    await writer.record(record)
    writer.close()


def route(config, tmp_path, past=(), crowd=None, caller=CLIENT):
    history = tmp_path / f"history-{len(list(tmp_path.iterdir()))}.db"

    async def main():
        for extension, days_ago in past:
            await talked(history, "84957001122", extension, days_ago)
        rig = Rig(config, crowd, history=CallHistory(history))
        return await rig.inbound(caller_number=caller)

    return run(main())


def test_a_caller_who_last_talked_to_103_reaches_103(tmp_path):
    call = route(manager_config(), tmp_path, past=[("102", 20), ("103", 3)])
    assert call.answered_by == "103"
    assert ("main/first", "answered") in call.steps


def test_when_103_does_not_answer_the_call_comes_back_through_failed_to_the_group(tmp_path):
    crowd = people(e103=Person(answers_after_s=None))
    call = route(manager_config(ring_s=20), tmp_path, past=[("103", 3)], crowd=crowd)
    assert call.exits()[:2] == [("main/first", "failed"), ("main/group", "answered")]
    assert call.answered_by == "101"
    assert call.heard[-1] == (23.0, "talking:101")


def test_an_excluded_extension_is_never_chosen(tmp_path):
    call = route(manager_config(exclusions=["103"]), tmp_path, past=[("102", 20), ("103", 3)])
    assert call.answered_by == "102"
    call = route(manager_config(exclusions=["103"]), tmp_path, past=[("103", 3)])
    assert call.answered_by == "101"  # through failed to the group


def test_history_older_than_the_look_back_is_ignored(tmp_path):
    call = route(manager_config(look_back_days=30), tmp_path, past=[("103", 45)])
    assert call.answered_by == "101"


def test_the_address_book_with_a_city_code_for_local_numbers(tmp_path):
    call = route(manager_config(city_code="495"), tmp_path, caller="1110000")
    assert call.answered_by == "102"


def test_a_default_target_when_no_manager_is_known(tmp_path):
    call = route(manager_config(default_target="104"), tmp_path, caller="89990000000")
    assert call.answered_by == "104"


class CrmServer:
    """A CRM on localhost: answers with `reply`, or holds the request until released."""

    def __init__(self, reply: bytes | None) -> None:
        self.requests: list[str] = []
        self.release = threading.Event()
        crm = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                crm.requests.append(self.path)
                if reply is None:
                    crm.release.wait(10)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/owner?number={{number}}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def crm_server():
    servers = []

    def start(reply):
        servers.append(CrmServer(reply))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def crm_config(url):
    return manager_config(sources=["crm", "history"], crm={"url": url})


def test_the_crm_is_asked_first_with_the_callers_number(tmp_path, crm_server):
    crm = crm_server(b'{"extension": "104"}')
    call = route(crm_config(crm.url), tmp_path, past=[("103", 3)])
    assert call.answered_by == "104"
    assert crm.requests == ["/owner?number=74957001122"]


@pytest.mark.parametrize("reply", [None, b"<html>oops</html>", b'{"extension": "nobody"}'])
def test_a_crm_timeout_or_garbage_costs_at_most_two_seconds(tmp_path, crm_server, reply):
    crm = crm_server(reply)
    began = time.monotonic()
    call = route(crm_config(crm.url), tmp_path, past=[("103", 3)])
    real_s = time.monotonic() - began
    assert call.answered_by == "103"  # the next source, the call history
    ringing_at = next(at for at, name in call.heard if name == "ringback")
    assert ringing_at <= 2.0
    print(f"\nCRM reply {reply!r}: {real_s:.2f} s real, {ringing_at:.2f} s virtual")


def test_the_managers_mobile_rings_only_when_the_operation_says_so(tmp_path):
    document = manager_config().model_dump(mode="json")
    document["employees"][1]["calls"]["external_numbers"] = ["89161112233"]
    from firmware.config.document import validate

    crowd = people(e102=Person(answers_after_s=None))
    crowd["89161112233"] = Person(answers_after_s=5)
    desk_only = route(validate(document), tmp_path, crowd=crowd, caller="84951110000")
    assert desk_only.answered_by == "101"  # 102's desk phone rang out: the group
    document["routing"]["scenarios"][0]["operations"]["first"]["ring_external"] = True
    with_mobile = route(validate(document), tmp_path, crowd=crowd, caller="84951110000")
    assert with_mobile.answered_by == "102"  # on the mobile, through a line
