"""Boots a firmware image under QEMU and connects pyserial to its UART.

The emulator is always stopped: `Emulator` is a context manager, QEMU gets SIGKILL if this process
dies (PR_SET_PDEATHSIG), and every wait has a timeout whose message names what it waited for.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import serial
from serial.urlhandler.protocol_socket import Serial as SocketSerial

QEMU_BINARY = "qemu-system-arm"
# One emulated instruction advances virtual time by 2**7 ns; the board's 25 MHz counter then turns
# into an exact, repeatable instruction count (see boards/mps2-an386/mps2_an386.h).
ICOUNT_ARGS = ("-icount", "shift=7,align=off,sleep=off")

_live: set[subprocess.Popen] = set()

# Registers read without side effects when a board goes silent: whether the NVIC has an interrupt
# enabled, pending or active, and (per board, below) whether the console UART holds a byte.
_NVIC_PROBES = ((0xE000E100, "nvic.iser0"), (0xE000E200, "nvic.ispr0"), (0xE000E300, "nvic.iabr0"),
                (0xE000ED04, "scb.icsr"))  # fmt: skip


class EmulatorError(RuntimeError):
    """QEMU could not be started, or the firmware did not behave as the host expected."""


@dataclass(frozen=True)
class QemuMachine:
    """How QEMU models one board."""

    board: str
    machine: str
    cpu: str | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)
    probes: tuple[tuple[int, str], ...] = _NVIC_PROBES  # (address, name) read by Emulator.guest_state()


MACHINES = {
    "mps2-an386": QemuMachine(
        board="mps2-an386", machine="mps2-an386",
        probes=((0x40004004, "uart0.state"), (0x40004008, "uart0.ctrl"), (0x4000400C, "uart0.intstatus"),
                *_NVIC_PROBES),
    ),
    # STM32F405: the first -serial is USART1, the app's console on this board (boards/stm32f4).
    "netduinoplus2": QemuMachine(
        board="netduinoplus2", machine="netduinoplus2",
        probes=((0x40011000, "usart1.sr"), (0x4001100C, "usart1.cr1"), *_NVIC_PROBES),
    ),
}


class ConnectedSocketSerial(SocketSerial):
    """pyserial's socket transport on a socket this class connects itself, keeping every byte that arrives.

    pyserial's own open() (the socket:// URL) empties the input after connecting (reset_input_buffer). On QEMU's
    serial line that is the board's HELLO whenever the guest boots between the connect and that flush: QEMU
    starts the CPU when the client connects, and under load the boot wins the race (a CI run lost its HELLO so,
    waiting 30 s for bytes QEMU had already sent). Subclasses say how to connect.
    """

    def _connect(self) -> socket.socket:
        raise NotImplementedError

    def open(self) -> None:
        self.logger = None  # the base class logs only for its socket:// URL options
        if self.is_open:
            raise serial.SerialException("Port is already open.")
        try:
            sock = self._connect()
        except OSError as err:
            raise serial.SerialException(f"Could not open port {self.portstr}: {err}") from err
        sock.setblocking(False)  # the base class reads and writes with select
        self._socket = sock
        self.is_open = True

    def from_url(self, url: str) -> str:  # the "URL" is the address itself
        return url


class UnixSocketSerial(ConnectedSocketSerial):
    """QEMU's serial line on a Unix socket at a path in the emulator's own folder, which no other process can
    reach by accident (a loopback TCP port can be: a client retrying a port that was freed, e.g. another job's
    gRPC peer, may be accepted first and take the board's HELLO)."""

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(2.0)
            sock.connect(self.portstr)
        except OSError:
            sock.close()
            raise
        return sock


class TcpSocketSerial(ConnectedSocketSerial):
    """QEMU's serial line on a TCP port, `port` given as "host:port". TCP_NODELAY: the UART sends byte by byte,
    and Nagle's algorithm against the peer's delayed ACK would hold each request back by about 40 ms."""

    def _connect(self) -> socket.socket:
        host, _, port = self.portstr.rpartition(":")
        sock = socket.create_connection((host, int(port)), timeout=2.0)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def read_available(port: serial.SerialBase, wait: float) -> bytes:
    """What has arrived on `port`, waiting up to `wait` s for the first byte."""
    if port.timeout != wait:  # setting it reconfigures a tty: only when it changes
        port.timeout = wait
    data = port.read(max(1, port.in_waiting))
    if data and isinstance(port, SocketSerial):  # also ours
        # pyserial's socket:// counts at most one waiting byte, so the read above took one. A board that
        # talks faster than byte-at-a-time reads keep up with (a microphone soak's per-hop reports) then
        # fills the socket buffers, and a reply waits behind megabytes: take what one non-blocking read
        # gives (the next call sets the timeout back).
        port.timeout = 0
        data += port.read(1 << 16)
    return data


def board_of_image(image: Path) -> str:
    """The emulated board an ELF image was linked for, from its entry point: STM32 images run from flash
    at 0x08000000, mps2-an386 images from 0."""
    with Path(image).open("rb") as f:
        header = f.read(28)
    if len(header) < 28 or header[:4] != b"\x7fELF":
        raise EmulatorError(f"firmware image is not an ELF file: {image}")
    entry = int.from_bytes(header[24:28], "little")
    return "netduinoplus2" if 0x08000000 <= entry < 0x08200000 else "mps2-an386"


def semihosting_args(mic: Path | None) -> str:
    """QEMU's semihosting option; `mic` names a WAV the firmware reads as its microphone (its command
    line then reads "hark --mic PATH", see boards/common/semihost_mic.c)."""
    config = "enable=on,target=native"
    if mic is not None:
        path = str(Path(mic).resolve())
        if not Path(path).is_file():
            raise EmulatorError(f"microphone WAV not found: {path}")
        config += ",arg=hark,arg=--mic,arg=" + path.replace(",", ",,")  # QEMU escapes a comma by doubling it
    return config


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel to kill QEMU when we die.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass
    os.setsid()  # keep a terminal's Ctrl-C for us, so we stop QEMU in order


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5.0)
    _live.discard(proc)


@atexit.register
def _stop_all() -> None:
    for proc in list(_live):
        _stop(proc)


def find_qemu(binary: str = QEMU_BINARY) -> str:
    path = shutil.which(binary)
    if path is None:
        raise EmulatorError(
            f"QEMU not found: '{binary}' is not on PATH. Install the Debian package qemu-system-arm "
            "(./hark test and ./hark demo install it on first use)."
        )
    return path


def _check_image(image: Path) -> Path:
    image = Path(image)
    if not image.is_file():
        raise EmulatorError(
            f"firmware image not found: {image}. Build it with ./hark demo, or "
            "cmake -B build/arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake && cmake --build build/arm"
        )
    with image.open("rb") as f:
        if f.read(4) != b"\x7fELF":
            raise EmulatorError(f"firmware image is not an ELF file: {image}")
    return image


def qemu_command(image: Path, machine: QemuMachine, serial_arg: str, qemu: str, mic: Path | None = None) -> list[str]:
    return [
        qemu,
        "-M", machine.machine,
        *(["-cpu", machine.cpu] if machine.cpu else []),
        "-display", "none",
        "-kernel", str(image),
        *ICOUNT_ARGS,
        "-semihosting-config", semihosting_args(mic),
        "-serial", serial_arg,
        *machine.extra,
    ]  # fmt: skip


class Emulator:
    """A QEMU-emulated board with a pyserial connection to its first UART.

    transport="unix" (default) uses a Unix socket in the emulator's own folder on which QEMU waits for us
    before it starts the CPU, so no early byte is lost and no other process can connect first.
    transport="tcp" does the same on a loopback port (reachable by any local process: a client retrying a
    freed port can be accepted first). transport="pty" uses a pseudo-terminal, as a real board's serial
    device would appear; QEMU is started paused and resumed once the pty is open.

    `board` picks the QEMU machine (default: the one the image was linked for); `mic` names a WAV file the
    firmware reads as its microphone through semihosting.

    `ready`, if given, is a text token whose line start() waits for (for text-speaking images); the
    app speaks the framed protocol, so use hark.device.emulated_link for it, which waits for HELLO.
    """

    def __init__(
        self,
        image: Path | str,
        *,
        board: str | None = None,
        transport: str = "unix",
        mic: Path | str | None = None,
        ready: bytes | None = None,
        ready_timeout: float = 10.0,
        read_timeout: float = 5.0,
        qemu: str = QEMU_BINARY,
    ) -> None:
        if board is None:
            board = board_of_image(_check_image(Path(image)))
        if board not in MACHINES:
            raise EmulatorError(f"unknown emulated board '{board}'; known: {', '.join(MACHINES)}")
        if transport not in ("unix", "tcp", "pty"):
            raise EmulatorError(f"unknown transport '{transport}': use 'unix', 'tcp' or 'pty'")
        self.image = Path(image)
        self.machine = MACHINES[board]
        self.transport = transport
        self.ready = ready
        self.ready_timeout = ready_timeout
        self.read_timeout = read_timeout
        self.qemu = qemu
        self.mic = Path(mic) if mic is not None else None
        self.proc: subprocess.Popen | None = None
        self.serial: serial.SerialBase | None = None
        self.ready_line: bytes = b""
        self._pending = b""
        self._stderr = tempfile.TemporaryFile()
        self._workdir = tempfile.TemporaryDirectory(prefix="hark-qemu-")
        self._monitor_path: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Emulator:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        qemu = find_qemu(self.qemu)
        image = _check_image(self.image)
        if self.transport == "unix":
            self._start_unix(qemu, image)
        elif self.transport == "tcp":
            self._start_tcp(qemu, image)
        else:
            self._start_pty(qemu, image)
        if self.ready is not None:
            self.ready_line = self.wait_for(self.ready, self.ready_timeout, what="the firmware's ready message")

    def _spawn(self, cmd: list[str], **kw: object) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, stderr=self._stderr, preexec_fn=_die_with_parent, **kw)  # noqa: PLW1509
        _live.add(proc)
        self.proc = proc
        return proc

    def _spawn_with_monitor(self, qemu: str, image: Path, serial_spec: str) -> subprocess.Popen:
        """QEMU with its serial line at `serial_spec` and its monitor on a Unix socket in our folder."""
        self._monitor_path = Path(self._workdir.name) / "monitor.sock"
        cmd = qemu_command(image, self.machine, serial_spec, qemu, self.mic)
        return self._spawn([*cmd, "-monitor", f"unix:{self._monitor_path},server=on,wait=off"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip

    def _start_unix(self, qemu: str, image: Path) -> None:
        path = Path(self._workdir.name) / "serial.sock"
        proc = self._spawn_with_monitor(qemu, image, f"unix:{path},server=on,wait=on")
        deadline = time.monotonic() + 10.0
        while True:  # QEMU waits for us before it starts the CPU: no early byte is lost
            try:
                self.serial = UnixSocketSerial(str(path), timeout=self.read_timeout)
                return
            except serial.SerialException as err:
                if proc.poll() is not None:
                    raise EmulatorError(
                        f"QEMU exited with code {proc.returncode} before listening: {self.qemu_log()}"
                    ) from err
                if time.monotonic() > deadline:
                    raise EmulatorError(f"could not connect to QEMU's serial socket {path}: {err}") from err
                time.sleep(0.01)

    def _start_tcp(self, qemu: str, image: Path) -> None:
        # QEMU binds port 0 itself and names the port it got: a port picked here and closed before
        # QEMU binds it could be handed to a concurrent run, which would then talk to this board.
        # nodelay on both ends: the UART sends byte by byte, and Nagle's algorithm against the peer's
        # delayed ACK would hold each reply back by about 40 ms.
        proc = self._spawn_with_monitor(qemu, image, "tcp:127.0.0.1:0,server=on,wait=on,nodelay=on")
        port = self._listening_port(proc)
        try:
            self.serial = TcpSocketSerial(f"127.0.0.1:{port}", timeout=self.read_timeout)
        except serial.SerialException as err:
            raise EmulatorError(f"could not connect to QEMU's serial port 127.0.0.1:{port}: {err}") from err

    def _listening_port(self, proc: subprocess.Popen) -> int:
        """The port QEMU reports on stderr once it listens for the serial line's client."""
        pattern = re.compile(rb"waiting for connection on: disconnected:tcp:127\.0\.0\.1:(\d+)")
        deadline = time.monotonic() + 10.0
        while True:
            self._stderr.seek(0)
            if m := pattern.search(self._stderr.read()):
                return int(m.group(1))
            if proc.poll() is not None:
                raise EmulatorError(f"QEMU exited with code {proc.returncode} before listening: {self.qemu_log()}")
            if time.monotonic() > deadline:
                raise EmulatorError(f"QEMU did not report its serial port within 10 s: {self.qemu_log()}")
            time.sleep(0.01)

    def _start_pty(self, qemu: str, image: Path) -> None:
        cmd = qemu_command(image, self.machine, "pty", qemu, self.mic)
        proc = self._spawn([*cmd, "-S", "-monitor", "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdin is not None
        pattern = re.compile(rb"char device redirected to (/dev/pts/\d+)")
        seen = b""
        deadline = time.monotonic() + 5.0
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while not (m := pattern.search(seen)):
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None:
                    raise EmulatorError(f"QEMU did not report its pty within 5 s: {seen!r} {self.qemu_log()}")
                if sel.select(left):
                    seen += os.read(proc.stdout.fileno(), 4096)
        self.pty = m.group(1).decode()
        self.serial = serial.Serial(self.pty, timeout=self.read_timeout)
        proc.stdin.write(b"cont\n")  # the CPU starts only now, so the ready message reaches an open port
        proc.stdin.flush()

    def close(self) -> None:
        if self.serial is not None:
            try:
                self.serial.close()
            except Exception:  # noqa: BLE001 - closing a dead socket must not mask the real error
                pass
            self.serial = None
        if self.proc is not None:
            _stop(self.proc)
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        self._monitor_path = None
        self._workdir.cleanup()

    # -- I/O -------------------------------------------------------------------------------------
    def qemu_log(self) -> str:
        """What QEMU and the firmware's semihosting output wrote to stderr so far."""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return f"QEMU stderr: {text!r}" if text else "QEMU stderr is empty"

    def monitor(self, command: str, timeout: float = 2.0) -> str:
        """Runs one QEMU monitor command (tcp transport) and returns its output."""
        if self._monitor_path is None or self.proc is None or self.proc.poll() is not None:
            raise EmulatorError("QEMU's monitor is not available (not running, or the pty transport)")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self._monitor_path))
            out = b""
            for send in (None, command):
                if send is not None:
                    s.sendall(send.encode() + b"\n")
                    out = b""
                while not out.rstrip().endswith(b"(qemu)"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    out += chunk
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode(errors="replace")).replace("\r", "")
        # The first line is the monitor's echo of the command; the last is its next prompt.
        return "\n".join(ln for ln in text.splitlines()[1:] if ln.strip() and not ln.startswith("(qemu)"))

    def guest_state(self) -> str:
        """The CPU's registers and the UART/NVIC state, for a timeout's message: where a silent board is."""
        try:
            regs = " ".join(self.monitor("info registers").split()).split(" s00=")[0]  # core registers only
            words = [self.monitor(f"xp /1wx {addr:#x}").split(":")[-1].strip() for addr, _ in self.machine.probes]
            # QEMU's side of the line: its filename starts "disconnected:" when no client is attached.
            line = [ln for ln in self.monitor("info chardev").splitlines() if ln.startswith("serial0:")]
        except (OSError, EmulatorError) as err:
            return f"guest state unavailable ({err})"
        probes = ", ".join(f"{name}={w}" for (_, name), w in zip(self.machine.probes, words, strict=True))
        return f"guest: {regs}; {probes}; {line[0] if line else 'serial0: not listed'}"

    def diagnostics(self) -> str:
        """qemu_log() plus where the guest is: what a link names when a reply does not come."""
        return f"{self.qemu_log()}; {self.guest_state()}"

    def write(self, data: bytes) -> None:
        assert self.serial is not None, "emulator is not running"
        self.serial.write(data)
        self.serial.flush()

    def wait_for(self, token: bytes, timeout: float, *, what: str | None = None) -> bytes:
        """Reads until a whole line holding `token` has arrived and returns that line (without newline).

        Bytes after that line stay buffered for the next call.
        """
        assert self.serial is not None, "emulator is not running"
        buf = self._pending
        deadline = time.monotonic() + timeout
        while True:
            idx = buf.find(token)
            end = buf.find(b"\n", idx) if idx >= 0 else -1
            if end >= 0:
                self._pending = buf[end + 1 :]
                return buf[buf.rfind(b"\n", 0, idx) + 1 : end].rstrip(b"\r")
            if self.proc is not None and self.proc.poll() is not None:
                raise EmulatorError(
                    f"QEMU exited with code {self.proc.returncode} while waiting for {what or token!r} "
                    f"from {self.image}; received {buf[-200:]!r}; {self.qemu_log()}"
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise EmulatorError(
                    f"timed out after {timeout:.1f} s waiting for {what or 'data'} ({token!r}) on the serial line "
                    f"from {self.image}; received {buf[-200:]!r}; {self.qemu_log()}"
                )
            try:
                buf += read_available(self.serial, min(left, 0.25))
            except serial.SerialException as err:
                if self.proc is not None:
                    try:
                        self.proc.wait(timeout=1.0)
                    except subprocess.TimeoutExpired:
                        pass
                raise EmulatorError(
                    f"serial link to {self.image} closed while waiting for {what or token!r} ({err}); "
                    f"QEMU exit code {self.proc.poll() if self.proc else None}; received {buf[-200:]!r}; "
                    f"{self.qemu_log()}"
                ) from err

    def request(self, line: str, expect: bytes, timeout: float = 5.0) -> bytes:
        """Sends one text command line and returns the reply line holding `expect`."""
        self.write(line.encode() + b"\n")
        return self.wait_for(expect, timeout, what=f"the reply to {line!r}")


@dataclass(frozen=True)
class ExitResult:
    returncode: int
    debug_output: str


def run_to_exit(image: Path | str, *, board: str | None = None, timeout: float = 30.0) -> ExitResult:
    """Runs a test image that exits through semihosting; returns its exit code and debug output."""
    qemu = find_qemu()
    img = _check_image(Path(image))
    cmd = qemu_command(img, MACHINES[board or board_of_image(img)], "null", qemu) + ["-monitor", "none"]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=_die_with_parent)  # fmt: skip
        _live.add(proc)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise EmulatorError(f"{img} did not exit within {timeout:.0f} s (QEMU stopped)") from e
        finally:
            _stop(proc)
        err.seek(0)
        return ExitResult(proc.returncode, err.read().decode(errors="replace"))
