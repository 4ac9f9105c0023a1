"""The reference decoder of `cargo xtask bench qr`: zxing-cpp (PyPI `zxing-cpp`) on the same
frames. Prints one JSON line a frame: {"file", "text", "ms"}, `ms` the decoding time alone, `text`
the payload bytes as `qrdecode` reports them (UTF-8 when valid, else one char a byte)."""

import json
import sys
import time

import zxingcpp
from PIL import Image


def as_text(payload: bytes) -> str:
    """The payload as `qrdecode` reports it: UTF-8 when valid, else one char a byte."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def main() -> None:
    folder, manifest = sys.argv[1], json.load(open(sys.argv[2]))
    for frame in manifest:
        image = Image.open(f"{folder}/{frame['file']}").convert("L")
        image.load()
        started = time.perf_counter()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        ms = (time.perf_counter() - started) * 1000
        text = as_text(found[0].bytes) if found else None
        print(json.dumps({"file": frame["file"], "text": text, "ms": round(ms, 3)}), flush=True)


if __name__ == "__main__":
    main()
