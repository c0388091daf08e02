"""Print the image's Python requirements from pyproject.toml: the dependencies plus the `hw`
extra, minus what Debian provides (spidev) or the build compiles for arm64 (lgpio, which
rpi-lgpio pulls in)."""

import sys
import tomllib

FROM_DEBIAN = {"spidev"}


def requirement_name(requirement: str) -> str:
    for stop in "<>=!~[; ":
        requirement = requirement.split(stop)[0]
    return requirement.lower()


def main(path: str) -> None:
    with open(path, "rb") as file:
        project = tomllib.load(file)["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["hw"]:
        if requirement_name(requirement) not in FROM_DEBIAN:
            print(requirement)


if __name__ == "__main__":
    main(sys.argv[1])
