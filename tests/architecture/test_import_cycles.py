"""No package of Switchboard has an import cycle among its parts."""

import textwrap

from tests.architecture.cycles import build_graph, package_cycles

ROOT_PACKAGES = ("aio", "voice", "drivers", "firmware", "web_ui")


def test_no_package_has_an_import_cycle():
    cycles = package_cycles(build_graph(*ROOT_PACKAGES), ROOT_PACKAGES)
    assert cycles == [], f"import cycles: {cycles}"


def write_package(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_cycles_between_modules_and_between_subpackages_are_found(tmp_path, monkeypatch):
    write_package(
        tmp_path,
        {
            "knotted/__init__.py": "",
            "knotted/calls.py": "from knotted import lines\n",
            # Hidden behind TYPE_CHECKING: still a cycle.
            "knotted/lines.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from knotted.calls import Call\n"
            ),
            "knotted/clean.py": "from knotted import calls\n",
            "knotted/audio/__init__.py": "",
            "knotted/audio/mixer.py": "from knotted.storage.writer import save\n",
            "knotted/storage/__init__.py": "",
            # Inside a function: still a cycle, between the two subpackages.
            "knotted/storage/writer.py": (
                "def save():\n    from knotted.audio import mixer\n    return mixer\n"
            ),
            "tidy/__init__.py": "",
            "tidy/a.py": "from tidy import b\n",
            "tidy/b.py": "import knotted.calls\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    cycles = package_cycles(build_graph("knotted", "tidy"), ["knotted", "tidy"])

    assert sorted(cycles) == [
        ("knotted", ("knotted.audio", "knotted.storage")),
        ("knotted", ("knotted.calls", "knotted.lines")),
    ]
