"""`make image-test`: boot the built image under qemu-system-aarch64 and check it like an office.

The image boots on QEMU's `virt` machine with its own Debian arm64 kernel and initrd (taken
from slot a of its boot partition), without acceleration. There is no hat, so the engine must
run the simulated hat and say so. Ports 443 and 80 of the guest are forwarded to the host; a
root shell on a virtio serial port (only on test boots) runs the checks inside.

    python3 image/test/image_test.py [IMAGE.img.xz] [--no-crash-checks]

Prints one line per check and the boot-to-web-ready times; exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "out"
DISK_SIZE = "8G"  # room for first boot's root slot B and data partition
BOOT_TIMEOUT_S = 900.0  # no acceleration on a shared machine: minutes, not seconds
COMMAND_TIMEOUT_S = 300.0
WATCHDOG_S = 15.0  # WatchdogSec of switchboard-engine.service
ABORT_S = 10.0  # its TimeoutAbortSec: SIGKILL when SIGABRT did not end it
GUEST_CHECKS = "/tmp/guest_checks.py"
VENV_PYTHON = "/opt/switchboard/venv/bin/python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Results:
    rows: list[tuple[str, bool, str]] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    def figure(self, name: str, value: str) -> None:
        self.figures[name] = value
        print(f"      {name}: {value}", flush=True)

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.rows if not ok]


class Machine:
    """One boot of the disk image under QEMU."""

    def __init__(self, work: Path, boot_number: int, cmdline: str) -> None:
        self.work = work
        self.boot_number = boot_number
        self.https_port = free_port()
        self.http_port = free_port()
        self.shell_path = work / f"shell-{boot_number}.sock"
        self.console_log = work / f"console-{boot_number}.log"
        self.cmdline = cmdline
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._shell: socket.socket | None = None
        self._received = b""
        self._command_number = 0

    def start(self) -> Machine:
        self.shell_path.unlink(missing_ok=True)
        forwards = (
            f"hostfwd=tcp:127.0.0.1:{self.https_port}-:443,"
            f"hostfwd=tcp:127.0.0.1:{self.http_port}-:80"
        )
        command = [
            "nice", "-n", "10", "qemu-system-aarch64",
            "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1536",
            "-accel", "tcg,thread=multi",
            "-kernel", str(self.work / "vmlinuz"), "-initrd", str(self.work / "initrd.img"),
            "-append", self.cmdline,
            "-drive", f"if=none,id=disk,format=raw,file={self.work / 'disk.img'}",
            "-device", "virtio-blk-pci,drive=disk",
            "-netdev", f"user,id=net,hostname=switchboard,{forwards}",
            "-device", "virtio-net-pci,netdev=net",
            "-device", "virtio-rng-pci",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=shell,path={self.shell_path},server=on,wait=off",
            "-device", "virtserialport,chardev=shell,name=switchboard.shell",
            "-serial", f"file:{self.console_log}",
            "-display", "none", "-monitor", "none", "-no-reboot",
        ]  # fmt: skip
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        return self

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait_for_web(self) -> float:
        """Seconds from starting QEMU until the web UI answers over HTTPS."""
        context = ssl._create_unverified_context()  # the certificate is checked separately
        deadline = self.started + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            self._still_running()
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{self.https_port}/", context=context, timeout=10
                ) as page:
                    if page.status == 200:
                        return self.elapsed()
            except OSError:
                pass
            time.sleep(1.0)
        raise TimeoutError(f"boot {self.boot_number}: no HTTPS answer in {BOOT_TIMEOUT_S:.0f} s")

    def _still_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"boot {self.boot_number}: QEMU stopped (see {self.console_log})")

    # The root shell on the virtio serial port.
    def _connect(self) -> socket.socket:
        if self._shell is None:
            deadline = time.monotonic() + 60
            while True:
                self._still_running()
                try:
                    shell = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    shell.connect(str(self.shell_path))
                    self._shell = shell
                    break
                except OSError:
                    shell.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        return self._shell

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> tuple[int, str]:
        """Run `command` in the guest's shell: its exit status and output."""
        shell = self._connect()
        self._command_number += 1
        marker = f"__done_{self._command_number}_{secrets.token_hex(4)}__"
        shell.sendall(f'{{ {command}\n}} </dev/null 2>&1; echo "{marker} $?"\n'.encode())
        pattern = re.compile(re.escape(marker).encode() + rb" (\d+)\n")
        deadline = time.monotonic() + timeout
        while True:
            found = pattern.search(self._received)
            if found:
                output = self._received[: found.start()]
                self._received = self._received[found.end() :]
                # Output of commands queued before the shell came up belongs to nobody.
                output = re.sub(rb"__done_\d+_[0-9a-f]+__ \d+\n", b"", output)
                return int(found.group(1)), output.decode("utf-8", "replace")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"guest command timed out: {command}")
            self._still_running()
            shell.settimeout(min(remaining, 5.0))
            try:
                chunk = shell.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise RuntimeError("the guest shell closed")
            self._received += chunk

    def send(self, command: str) -> None:
        """Start `command` without waiting for it (a reboot ends the shell)."""
        self._connect().sendall(f"{command}\n".encode())

    def put_file(self, path: str, text: str) -> None:
        status, output = self.run(f"cat >{path} <<'__SWITCHBOARD_EOF__'\n{text}__SWITCHBOARD_EOF__")
        if status:
            raise RuntimeError(f"cannot write {path} in the guest: {output}")

    def wait_for_shell(self) -> None:
        deadline = self.started + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self.run("true", timeout=30)[0] == 0:
                    return
            except TimeoutError:
                continue
        raise TimeoutError("the guest shell did not answer")

    def wait_for_exit(self, timeout: float = 600.0) -> None:
        assert self.process is not None
        self.process.wait(timeout=timeout)
        self._close()

    def kill(self) -> None:
        """Pull the plug: QEMU gets SIGKILL, nothing in the guest is flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._close()

    def _close(self) -> None:
        if self._shell is not None:
            self._shell.close()
            self._shell = None


def prepare_disk(image: Path, work: Path) -> str:
    """Unpack the image into a larger disk, take the kernel, initrd and command line of slot a."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    checksum = image.with_name(image.name + ".sha256")
    if checksum.exists():
        expected = checksum.read_text().split()[0]
        digest = hashlib.sha256()
        with open(image, "rb") as packed:
            for block in iter(lambda: packed.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise RuntimeError(f"{image}: SHA-256 does not match {checksum}")
    disk = work / "disk.img"
    if image.suffix == ".img":  # an uncompressed image (kept from a build) is copied as is
        subprocess.run(["cp", "--sparse=always", str(image), str(disk)], check=True)
    else:
        with open(disk, "wb") as unpacked:
            subprocess.run(["xz", "-dc", str(image)], stdout=unpacked, check=True)
    subprocess.run(["truncate", "-s", DISK_SIZE, str(disk)], check=True)
    table = json.loads(subprocess.run(
        ["sfdisk", "--json", str(disk)], capture_output=True, text=True, check=True
    ).stdout)["partitiontable"]  # fmt: skip
    boot_offset = int(table["partitions"][0]["start"]) * 512
    fat = f"{disk}@@{boot_offset}"
    for name in ("vmlinuz", "initrd.img", "cmdline.txt"):
        subprocess.run(["mcopy", "-n", "-i", fat, f"::a/{name}", str(work / name)], check=True)
    pi_cmdline = (work / "cmdline.txt").read_text().split()
    kept = [word for word in pi_cmdline if not word.startswith("console=") and word != "quiet"]
    return " ".join([*kept, "console=ttyAMA0,115200", "switchboard.test-console=1"])


def check_first_boot(machine: Machine, results: Results) -> dict[str, str]:
    """HTTPS with the unit's own certificate, the HTTP redirect, a healthy engine on the
    simulated hat, a call, the read-only root. Returns what the next boot must still have."""
    machine.wait_for_shell()
    status, certificate = machine.run("cat /var/lib/switchboard/tls/cert.pem")
    cert_file = machine.work / "cert.pem"
    cert_file.write_text(certificate)
    try:
        if status != 0:
            raise OSError(f"the unit has no certificate (cat exited {status})")
        trusted = ssl.create_default_context(cafile=str(cert_file))
        with urllib.request.urlopen(
            f"https://127.0.0.1:{machine.https_port}/", context=trusted, timeout=30
        ) as page:
            body = page.read().decode("utf-8", "replace")
        results.check(
            "web UI answers over HTTPS with the unit's certificate",
            page.status == 200 and "<html" in body.lower(),
            f"HTTP {page.status}",
        )
    except (OSError, ssl.SSLError) as error:
        results.check("web UI answers over HTTPS with the unit's certificate", False, str(error))

    connection = http.client.HTTPConnection("127.0.0.1", machine.http_port, timeout=30)
    try:
        connection.request("GET", "/calls", headers={"Host": "switchboard.local"})
        answer = connection.getresponse()
        location = answer.getheader("Location") or ""
        results.check(
            "plain HTTP redirects to HTTPS",
            answer.status == 301 and location == "https://switchboard.local/calls",
            f"{answer.status} {location}",
        )
    except OSError as error:
        results.check("plain HTTP redirects to HTTPS", False, str(error))
    finally:
        connection.close()

    check_engine_healthy(machine, results, "engine healthy on the simulated hat, says so")

    machine.put_file(GUEST_CHECKS, (HERE / "guest_checks.py").read_text())
    status, output = machine.run(f"{VENV_PYTHON} {GUEST_CHECKS} call")
    call = _last_json(output)
    results.check(
        "a call between two simulated phones goes through",
        status == 0 and call.get("ok") is True,
        json.dumps(call) if call else output[-400:],
    )

    check_read_only_root(machine, results)

    token = secrets.token_hex(8)
    status, output = machine.run(
        f"echo {token} >/var/lib/switchboard/image-test-probe && "
        f"{VENV_PYTHON} {GUEST_CHECKS} rename 'Image test {token}'"
    )
    results.check("a file and a configuration change are saved", status == 0, output.strip())
    return {
        "token": token,
        "certificate": hashlib.sha256(certificate.encode()).hexdigest(),
        "password": machine.run("sha256sum /var/lib/switchboard/first-boot-password")[1],
    }


def check_engine_healthy(machine: Machine, results: Results, name: str) -> None:
    status, output = machine.run("switchboard status --json")
    engine = _last_json(output, whole=True)
    unit_status = machine.run("systemctl show -p StatusText --value switchboard-engine")[1].strip()
    hat = engine.get("hat", {})
    ports = engine.get("ports", [])
    healthy = bool(ports) and all(port.get("health") == "ok" for port in ports)
    results.check(
        name,
        status == 0 and healthy and hat.get("simulated") is True and "simulated" in unit_status,
        f"{len(ports)} ports {'all ok' if healthy else 'NOT all ok'}; "
        f"status: {hat.get('hal_reason')}; systemd: {unit_status!r}",
    )


def check_read_only_root(machine: Machine, results: Results) -> None:
    options = machine.run("findmnt -n -o OPTIONS /")[1].strip()
    write_status, write_output = machine.run("touch /image-test-probe")
    results.check(
        "the root file system is read-only",
        options.split(",")[0] == "ro" and write_status != 0,
        f"mount options {options}; writing: {write_output.strip()}",
    )


def check_watchdog(machine: Machine, results: Results) -> None:
    """SIGKILL: systemd starts the engine again. A stopped media loop (SIGSTOP: no more
    WATCHDOG=1) is killed by the watchdog within WatchdogSec and started again."""
    unit = "switchboard-engine"

    def main_pid() -> int:
        text = machine.run(f"systemctl show -p MainPID --value {unit}")[1].strip()
        return int(text) if text.isdigit() else 0

    def wait_new_ready(old_pid: int) -> tuple[float, float]:
        started = time.monotonic()
        restarted_at = None
        deadline = started + 600
        while time.monotonic() < deadline:
            pid = main_pid()
            if pid not in (0, old_pid) and restarted_at is None:
                restarted_at = time.monotonic() - started
            active = machine.run(f"systemctl is-active {unit}")[1].strip()
            if restarted_at is not None and active == "active":
                return restarted_at, time.monotonic() - started
            time.sleep(0.5)
        raise TimeoutError("the engine did not come back")

    old_pid = main_pid()
    machine.run(f"kill -KILL {old_pid}")
    try:
        restarted, ready = wait_new_ready(old_pid)
        results.check(
            "the engine unit restarts the engine after SIGKILL within the watchdog time",
            restarted <= WATCHDOG_S,
            f"new process after {restarted:.1f} s, ready after {ready:.1f} s",
        )
    except TimeoutError as error:
        results.check("the engine unit restarts the engine after SIGKILL", False, str(error))
        return

    old_pid = main_pid()
    machine.run(f"kill -STOP {old_pid}")
    try:
        restarted, ready = wait_new_ready(old_pid)
        journal = machine.run(f"journalctl -u {unit} -b --no-pager | grep -i watchdog | tail -4")[1]
        # systemd logs "Watchdog timeout (limit 15s)!" and "Failed with result 'watchdog'".
        fired = "watchdog timeout" in journal.lower() or "result 'watchdog'" in journal
        results.check(
            "a stalled media loop is killed by the unit's watchdog and restarted",
            fired and restarted <= WATCHDOG_S + ABORT_S + 10,
            f"new process {restarted:.1f} s after the stall, ready after {ready:.1f} s; "
            f"{' | '.join(journal.strip().splitlines())[-200:]}",
        )
    except TimeoutError as error:
        results.check("a stalled media loop is killed by the watchdog", False, str(error))


def check_after_reboot(machine: Machine, results: Results, kept: dict[str, str]) -> None:
    machine.wait_for_shell()
    machine.put_file(GUEST_CHECKS, (HERE / "guest_checks.py").read_text())  # /tmp is in RAM
    token = machine.run("cat /var/lib/switchboard/image-test-probe")[1].strip()
    name = _last_json(machine.run(f"{VENV_PYTHON} {GUEST_CHECKS} name")[1]).get("name")
    certificate = hashlib.sha256(
        machine.run("cat /var/lib/switchboard/tls/cert.pem")[1].encode()
    ).hexdigest()
    password = machine.run("sha256sum /var/lib/switchboard/first-boot-password")[1]
    results.check(
        "a reboot keeps the data and the configuration",
        token == kept["token"] and name == f"Image test {kept['token']}",
        f"probe {token!r}, system name {name!r}",
    )
    results.check(
        "a reboot keeps the certificate and the first-boot password",
        certificate == kept["certificate"] and password == kept["password"],
    )
    check_read_only_root(machine, results)
    check_engine_healthy(machine, results, "engine healthy again after the reboot")


def check_power_cut_during_save(machine: Machine, results: Results) -> None:
    """Save the configuration over and over and pull the plug in the middle."""
    machine.put_file(GUEST_CHECKS, (HERE / "guest_checks.py").read_text())
    machine.run(f"nohup {VENV_PYTHON} {GUEST_CHECKS} save-loop >/tmp/saves.log 2>&1 &")
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    saves = 0
    while time.monotonic() < deadline and saves < 5:
        saves = int(machine.run("grep -c saved /tmp/saves.log")[1].strip() or 0)
        time.sleep(0.3)
    machine.kill()
    results.figure("configuration saves before the power cut", str(saves))


def check_after_power_cut(machine: Machine, results: Results) -> None:
    machine.wait_for_shell()
    machine.put_file(GUEST_CHECKS, (HERE / "guest_checks.py").read_text())
    status, output = machine.run("switchboard config check /var/lib/switchboard/config/config.yaml")
    name = _last_json(machine.run(f"{VENV_PYTHON} {GUEST_CHECKS} name")[1]).get("name")
    results.check(
        "after a power cut during a configuration save the unit boots with a valid config",
        status == 0 and isinstance(name, str) and name.startswith(("Save ", "Image test ")),
        f"{output.strip()}; running system name {name!r}",
    )
    check_engine_healthy(machine, results, "engine healthy after the power cut")


def _last_json(output: str, whole: bool = False) -> dict:  # type: ignore[type-arg]
    if whole:
        start = output.find("{")
        try:
            return json.loads(output[start:]) if start >= 0 else {}
        except json.JSONDecodeError:
            return {}
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return {}
    return {}


def newest_image() -> Path:
    images = sorted(OUT.glob("switchboard-*-arm64.img.xz"), key=lambda path: path.stat().st_mtime)
    if not images:
        raise SystemExit(f"no image in {OUT}: run `make image` first")
    return images[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image", nargs="?", type=Path)
    parser.add_argument(
        "--no-crash-checks",
        action="store_true",
        help="skip the engine kill, watchdog and power-cut checks",
    )
    args = parser.parse_args(argv)
    for tool in ("qemu-system-aarch64", "mcopy", "sfdisk", "xz"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing: apt-get install qemu-system-arm mtools fdisk xz-utils"
            )
    image = args.image or newest_image()
    work = OUT / "test"
    print(f"== image-test of {image.name}", flush=True)
    cmdline = prepare_disk(image, work)
    results = Results()
    machines: list[Machine] = []
    try:
        machine = Machine(work, 1, cmdline).start()
        machines.append(machine)
        results.figure("boot-to-web-ready, first boot", f"{machine.wait_for_web():.0f} s")
        kept = check_first_boot(machine, results)
        if not args.no_crash_checks:
            check_watchdog(machine, results)
        machine.send("systemctl reboot")
        machine.wait_for_exit()

        machine = Machine(work, 2, cmdline).start()
        machines.append(machine)
        results.figure("boot-to-web-ready, second boot", f"{machine.wait_for_web():.0f} s")
        check_after_reboot(machine, results, kept)
        if args.no_crash_checks:
            machine.send("systemctl poweroff")
            machine.wait_for_exit()
        else:
            check_power_cut_during_save(machine, results)
            machine = Machine(work, 3, cmdline).start()
            machines.append(machine)
            ready = machine.wait_for_web()
            results.figure("boot-to-web-ready, after the power cut", f"{ready:.0f} s")
            check_after_power_cut(machine, results)
            machine.send("systemctl poweroff")
            machine.wait_for_exit()
    except (TimeoutError, RuntimeError, OSError, subprocess.SubprocessError) as error:
        results.check("the test ran to the end", False, f"{type(error).__name__}: {error}")
    finally:
        for machine in machines:
            if machine.process is not None and machine.process.poll() is None:
                machine.kill()
    print("\n== summary", flush=True)
    for name, value in results.figures.items():
        print(f"{name}: {value}")
    if results.failed:
        print(f"{len(results.failed)} check(s) failed: {', '.join(results.failed)}")
        print(f"console logs: {work}/console-*.log")
        return 1
    print(f"all {len(results.rows)} checks passed")
    if os.environ.get("SWITCHBOARD_KEEP_TEST_DISK") != "1":
        (work / "disk.img").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
