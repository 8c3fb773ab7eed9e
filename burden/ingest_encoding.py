"""Text files before DuckDB reads them: encoding (UTF-8, UTF-8 with BOM, GBK/GB18030), binary files, blank lines.

One streaming pass over the bytes (never the whole file in memory): decode strictly as UTF-8 (a BOM is
allowed); if that fails, decode as GB18030 (a superset of GBK) and write a UTF-8 copy to a temporary file
that DuckDB reads instead. The copy is removed when the Source that uses it is garbage collected.
"""

from __future__ import annotations

import codecs
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
HEAD = 64 << 10  # bytes of decoded text kept for the header and delimiter sniffing

_MAGIC = {
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "a ZIP or XLSX file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or other OLE file",
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip file",
}


class EncodingProblem(ValueError):
    pass


@dataclass
class TextFile:
    path: Path  # the file DuckDB reads: the original, or a UTF-8 copy
    encoding: str  # utf-8 | utf-8-sig | gb18030
    head: str  # the first HEAD bytes, decoded
    blank_lines: list[int] = field(default_factory=list)  # physical line numbers (1 = header) of empty lines
    tmpdir: str | None = None  # holds the UTF-8 copy; removed with the Source
    ends_with_newline: bool = True

    def cleanup(self) -> None:
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None


def _binary_kind(first: bytes) -> str | None:
    for magic, what in _MAGIC.items():
        if first.startswith(magic):
            return what
    if b"\x00" in first[:HEAD]:
        return "a binary file (NUL bytes)"
    return None


class _Lines:
    """Counts lines across chunks and records the numbers of empty lines (\\n\\n or \\n\\r\\n)."""

    def __init__(self) -> None:
        self.newlines = 0
        self.carry = b"\n"  # the file starts as if after a newline
        self.blank: list[int] = []

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        before = self.newlines - self.carry.count(b"\n")  # newlines before data[0]
        for pattern in (b"\n\n", b"\n\r\n"):
            start = 0
            while (pos := data.find(pattern, start)) >= 0:
                start = pos + 1
                if pos + len(pattern) > len(self.carry):  # not already seen with the previous chunk
                    self.blank.append(before + data[: pos + 1].count(b"\n") + 1)
        self.newlines += chunk.count(b"\n")
        self.carry = data[-2:]


def inspect(path: Path) -> TextFile:
    """Check and decode a text file; raise EncodingProblem with a one-line reason if it cannot be read as text."""
    with open(path, "rb") as f:
        first = f.read(CHUNK)
    if not first.strip(b" \t\r\n") or first in (codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n", codecs.BOM_UTF8 + b"\r\n"):
        raise EncodingProblem("empty file")
    what = _binary_kind(first)
    if what:
        raise EncodingProblem(f"not a text CSV file: looks like {what}")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingProblem("UTF-16 text: save it as UTF-8 or GBK")
    text = _scan(path, "utf-8-sig")
    if text is not None:
        return text
    tmpdir = tempfile.mkdtemp(prefix="burden-utf8-")
    target = Path(tmpdir) / (path.stem + ".utf8.csv")
    text = _scan(path, "gb18030", target)
    if text is None:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise EncodingProblem("not UTF-8 or GBK/GB18030 text (undecodable bytes)")
    text.tmpdir = tmpdir
    return text


def _scan(path: Path, encoding: str, copy_to: Path | None = None) -> TextFile | None:
    """Decode the whole file strictly in chunks; None if it is not in that encoding."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = _Lines()
    head, head_bytes, last = [], 0, b""
    out = open(copy_to, "w", encoding="utf-8", newline="") if copy_to else None  # noqa: SIM115
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                if b"\x00" in chunk:
                    raise EncodingProblem("not a text CSV file: NUL bytes in it (binary data)")
                try:
                    decoded = decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
                lines.feed(chunk)
                last = chunk[-1:]
                if head_bytes < HEAD:
                    head.append(decoded[: HEAD - head_bytes])
                    head_bytes += len(head[-1])
                if out:
                    out.write(decoded)
            try:
                tail = decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return None
            if out:
                out.write(tail)
    finally:
        if out:
            out.close()
    used = (
        "utf-8-sig"
        if encoding == "utf-8-sig" and _has_bom(path)
        else ("utf-8" if encoding == "utf-8-sig" else encoding)
    )
    return TextFile(
        copy_to or path,
        used,
        "".join(head),
        blank_lines=sorted(lines.blank),
        ends_with_newline=last in (b"\n", b"\r"),
    )


def _has_bom(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(3) == codecs.BOM_UTF8
