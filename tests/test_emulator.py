"""The emulated board: boot, serial round trip, deterministic counter, and the harness's errors."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from hark.device import DeviceError, Emulator, EmulatorError, emulated_link, protocol, run_to_exit
from hark.device.emulator import TcpSocketSerial, UnixSocketSerial, read_available

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize("transport", ["unix", "tcp", "pty"])
def test_identity_round_trip(app_image: Path, transport: str) -> None:
    with emulated_link(app_image, transport=transport) as link:
        assert link.hello is not None and link.hello.protocol == protocol.VERSION
        ident = link.identity()
        link.ping(b"round trip")
        # An unknown request gets an error reply, garbage an asynchronous error; the device keeps answering.
        link.write_raw(protocol.encode_frame(0x7E, 42, b""))
        with pytest.raises(DeviceError, match="UNKNOWN_TYPE"):
            link.reply(42, "type 0x7E", "nothing")
        link.write_raw(b"\0garbage")
        link.ping()
        assert [m.name for m in link.poll()] == ["ERROR"]
    assert ident.board == "mps2-an386"
    assert ident.counter == "instructions"
    assert ident.clock_hz == 25_000_000
    assert ident.firmware == link.hello.firmware
    assert 0 < ident.stack_peak_bytes < ident.stack_bytes
    assert 1000 < ident.flash_bytes < 512 * 1024


def _counts(output: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in re.findall(r"(\d+)=(\d+)", output)}


def test_counter_is_deterministic_instruction_count(selftest_image: Path) -> None:
    first = run_to_exit(selftest_image)
    second = run_to_exit(selftest_image)
    assert first.returncode == 0 and second.returncode == 0, first.debug_output
    a, b = _counts(first.debug_output), _counts(second.debug_output)
    assert a == b and set(a) == {1000, 10000, 100000}
    # The loop body is a fixed number of instructions: the count grows exactly linearly with n.
    per_iter = (a[100000] - a[10000]) / 90000
    assert per_iter == int(per_iter) and 3 <= per_iter <= 20
    assert a[10000] - a[1000] == per_iter * 9000


def test_missing_image_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.elf"
    with pytest.raises(EmulatorError, match=r"firmware image not found: .*nope\.elf"):
        with Emulator(missing):
            pass


def test_non_elf_image_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.elf"
    bogus.write_bytes(b"not an elf")
    with pytest.raises(EmulatorError, match="not an ELF"):
        Emulator(bogus).start()


def test_missing_qemu_is_named(app_image: Path) -> None:
    with pytest.raises(EmulatorError, match="QEMU not found: 'qemu-system-nonexistent'"):
        with Emulator(app_image, qemu="qemu-system-nonexistent"):
            pass


def test_silent_firmware_times_out_naming_what_it_waited_for(selftest_image: Path) -> None:
    # The self-test image never writes to the UART: the harness must give up, say why, and stop QEMU.
    emu = Emulator(selftest_image, ready=b"NEVER-SENT", ready_timeout=1.0)
    with pytest.raises(EmulatorError, match=r"(timed out|exited).*NEVER-SENT|ready message"):
        with emu:
            pass
    assert emu.proc is not None and emu.proc.poll() is not None


def test_firmware_without_hello_is_named(selftest_image: Path) -> None:
    # The self-test image never speaks the protocol: the link says what it waited for.
    with pytest.raises(DeviceError, match="no HELLO frame within 1.0 s"):
        with emulated_link(selftest_image, hello_timeout=1.0):
            pass


def test_qemu_does_not_outlive_a_killed_host(app_image: Path, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, sys, time
        from hark.device import Emulator
        emu = Emulator({str(app_image)!r}).__enter__()
        print(emu.proc.pid, flush=True)
        time.sleep(60)
    """)
    )
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        qemu_pid = int(child.stdout.readline())
        assert _alive(qemu_pid)
        child.kill()
        child.wait(timeout=5)
        for _ in range(100):
            if not _alive(qemu_pid):
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert not _alive(qemu_pid), "QEMU outlived the process that started it"
    finally:
        child.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_qemu_on_path() -> None:
    assert shutil.which("qemu-system-arm"), "bootstrap should have installed qemu-system-arm"


def test_a_timeout_names_where_the_guest_is(app_image: Path) -> None:
    # A reply to a request never sent cannot come: the timeout names the bytes that arrived meanwhile, the
    # guest's registers, its UART and NVIC words, and QEMU's side of the serial line.
    with emulated_link(app_image, timeout=0.5) as link:
        with pytest.raises(DeviceError, match=r"\(0 bytes arrived meanwhile\).*R15=.*uart0\.state=.*serial0: "
                           r"filename=unix:"):  # fmt: skip
            link.reply(99, "nothing", "nothing")


class _SendsOnAccept:
    """A one-client server (TCP or Unix) that sends `greeting` the moment it accepts, as QEMU's serial line does
    when the guest boots on the client's connect."""

    def __init__(self, family: int, address: object, greeting: bytes) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(1)
        self.sent = threading.Event()
        self.greeting = greeting
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.sendall(self.greeting)
            self.sent.set()
            conn.recv(1)  # hold the line open until the client closes it

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.mark.parametrize("family", ["tcp", "unix"])
def test_bytes_sent_before_open_returns_are_kept(family: str, tmp_path: Path) -> None:
    """A board may speak before open() returns (QEMU starts the CPU on connect); pyserial's socket:// open
    flushes them, which lost a HELLO under load. The connect here waits until the greeting is in the socket
    buffer, so that the race is lost every time."""
    if family == "tcp":
        server = _SendsOnAccept(socket.AF_INET, ("127.0.0.1", 0), b"HELLO early")
        base: type = TcpSocketSerial
        where = f"127.0.0.1:{server.sock.getsockname()[1]}"
    else:
        where = str(tmp_path / "s.sock")
        server = _SendsOnAccept(socket.AF_UNIX, where, b"HELLO early")
        base = UnixSocketSerial

    class Late(base):  # type: ignore[misc,valid-type]
        def _connect(self) -> socket.socket:
            sock = super()._connect()
            assert server.sent.wait(5)
            select.select([sock], [], [], 5)
            return sock

    try:
        port = Late(where, timeout=1.0)
        got = b""
        while len(got) < len(b"HELLO early"):
            chunk = read_available(port, 1.0)
            assert chunk, f"only {got!r} arrived"
            got += chunk
        port.close()
    finally:
        server.close()
    assert got == b"HELLO early"
