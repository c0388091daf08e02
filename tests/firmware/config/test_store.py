import pytest
import yaml

from firmware.config import ConfigError, ConfigStore
from firmware.config.document import MIGRATIONS, dump, parse


def renamed(config, name):
    document = config.model_dump(mode="json")
    document["system"]["name"] = name
    return document


def test_new_appliance_starts_with_the_reference_hat_and_extensions_101_to_104(tmp_path):
    config = ConfigStore(tmp_path).load()
    kinds = {port.port: port.kind for port in config.hat.ports}
    assert kinds == {0: "fxs", 1: "fxs", 2: "fxs", 3: "fxs", 4: "fxo", 5: "fxo"}
    assert [e.extension for e in config.employees] == ["101", "102", "103", "104"]
    assert (tmp_path / "config.yaml").exists()


def test_saved_configuration_is_what_loads_next_time(tmp_path):
    store = ConfigStore(tmp_path)
    store.save(renamed(store.load(), "Front office"))
    assert ConfigStore(tmp_path).load().system.name == "Front office"


def test_invalid_document_is_refused_and_the_saved_one_is_kept(tmp_path):
    store = ConfigStore(tmp_path)
    good = store.load()
    before = (tmp_path / "config.yaml").read_bytes()
    bad = good.model_dump(mode="json")
    bad["employees"][0]["extension"] = "1x"
    bad["system"]["timezone"] = "Nowhere/Place"
    with pytest.raises(ConfigError) as refused:
        store.save(bad)
    paths = [error.path for error in refused.value.errors]
    assert paths == ["system.timezone", "employees[0].extension"]
    assert (tmp_path / "config.yaml").read_bytes() == before
    assert store.load() == good


def test_only_the_last_twenty_versions_are_kept_and_any_can_be_restored(tmp_path):
    store = ConfigStore(tmp_path)
    config = store.load()
    for number in range(30):
        store.save(renamed(config, f"Office {number}"))
    revisions = store.revisions()
    assert len(revisions) == 20
    assert store.read_revision(revisions[0].number).system.name == "Office 10"
    store.rollback(revisions[0].number)
    assert store.load().system.name == "Office 10"


def test_a_hand_broken_file_falls_back_to_the_newest_valid_revision(tmp_path):
    store = ConfigStore(tmp_path)
    store.save(renamed(store.load(), "Last good"))
    (tmp_path / "config.yaml").write_text("system: [unclosed\n")
    with pytest.raises(ConfigError):
        store.load()
    assert store.load(fall_back=True).system.name == "Last good"


def test_leftover_partial_files_from_a_power_cut_are_ignored(tmp_path):
    store = ConfigStore(tmp_path)
    store.save(renamed(store.load(), "Intact"))
    (tmp_path / "config.yaml.123.partial").write_text("half a docu")
    assert store.load().system.name == "Intact"
    assert not list(tmp_path.glob("*.partial"))


def test_older_schema_versions_are_migrated_step_by_step(monkeypatch):
    from firmware.config import document

    def site_name_moves_into_system(old):
        old["system"] = {"name": old.pop("site_name")}
        return old

    monkeypatch.setattr(document, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(MIGRATIONS, 2, site_name_moves_into_system)
    migrated = document.migrate({"schema_version": 2, "site_name": "Old office"})
    assert migrated == {"schema_version": 3, "system": {"name": "Old office"}}


def test_a_document_from_a_newer_release_is_refused_with_a_clear_reason(tmp_path):
    text = dump(ConfigStore(tmp_path).load()).replace("schema_version: 2", "schema_version: 7")
    with pytest.raises(ConfigError) as refused:
        parse(text)
    assert str(refused.value) == (
        "schema_version: 7 was written by a newer Switchboard; this one reads up to 2"
    )


def test_every_problem_is_reported_with_its_path(tmp_path):
    document = yaml.safe_load(dump(ConfigStore(tmp_path).load()))
    document["employees"][1]["extension"] = "101"
    document["employees"][2]["fxs_ports"] = [4]
    document["hat"]["ports"][4]["inbound"] = ["555"]
    document["dialplan"]["feature_codes"]["dnd_on"] = "abc"
    document["email"]["from_address"] = "not-an-address"
    with pytest.raises(ConfigError) as refused:
        parse(yaml.safe_dump(document))
    assert [str(error) for error in refused.value.errors] == [
        "email.from_address: 'not-an-address' is not an e-mail address",
        "dialplan.feature_codes.dnd_on: 'abc' must be 1 to 4 of the keys 0-9, * and #, e.g. *78",
    ]
    document["dialplan"]["feature_codes"]["dnd_on"] = "*78"
    document["email"]["from_address"] = "pbx@example.com"
    with pytest.raises(ConfigError) as refused:
        parse(yaml.safe_dump(document))
    assert [str(error) for error in refused.value.errors] == [
        "employees[1].extension: 101 is already used",
        "employees[2].fxs_ports: port 4 is not an FXS port of the hat",
        "hat.ports[4].inbound: extension 555 does not exist",
        "routing.call_centres[0].members[1].extension: extension 102 does not exist",
    ]
