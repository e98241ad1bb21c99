"""One way for every host tool to reach a board: a real one on a serial port, or the emulated one.

`open_device(port=None)` boots the app image under QEMU; `open_device("/dev/ttyACM0")` (or any pyserial
URL) opens a real board and waits for it to answer. Either way the tool gets a `DeviceLink`, and an
optional model is uploaded into the board's RAM (or, with `flash`, its model flash region) and switched
to, so nothing needs reflashing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hark import paths
from hark.device.link import DeviceError, DeviceLink, emulated_link


def default_image(*, uploading: bool = False) -> Path:
    """The plain app image when a model will be uploaded (./hark rebuilds it every time); otherwise the demo
    build's image, whose model is built in, if there is one."""
    demo = paths.build_dir("arm-demo") / "firmware" / "app" / "hark_app.elf"
    return demo if demo.is_file() and not uploading else paths.firmware_image("hark_app")


@contextmanager
def open_device(
    port: str | None = None,
    *,
    image: Path | str | None = None,
    model: bytes | None = None,
    flash: bool = False,
    timeout: float = 10.0,
) -> Iterator[DeviceLink]:
    """A link to a board that has answered a ping, running `model` if one is given."""
    if port is None:
        with emulated_link(image or default_image(uploading=model is not None), timeout=timeout) as link:
            _use_model(link, model, flash=flash)
            yield link
        return
    link = DeviceLink.open(port, timeout=timeout)
    try:
        try:
            link.ping(timeout=timeout)
        except DeviceError as err:
            raise DeviceError(f"the board on {port} does not answer a ping ({err}); is the hark app flashed?") from err
        _use_model(link, model, flash=flash)
        yield link
    finally:
        link.close()


def _use_model(link: DeviceLink, model: bytes | None, *, flash: bool = False) -> None:
    """Uploads `model` (into the board's model flash region with `flash`) and switches to it."""
    if model is None:
        return
    try:
        status = link.upload_model(model, flash=flash)
    except DeviceError as err:
        if err.code_name == "MODEL_TOO_LARGE" and not flash and len(model) <= link.identity().flash_capacity_bytes:
            raise DeviceError(f"{err}; the board's model flash region takes it: upload with flash "
                              f"(hark profile --flash)", err.code) from err  # fmt: skip
        raise
    if status is None or not status.verified:
        raise DeviceError(f"the board did not verify the uploaded model: {status}")
    link.switch_model()
