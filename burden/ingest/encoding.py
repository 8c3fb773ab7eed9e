"""Text files before DuckDB reads them: encoding, line endings, binary files, blank lines.

One streaming pass over the bytes (never the whole file in memory): decode strictly as UTF-8 (a BOM is
allowed); if that fails, decode as GB18030 (a superset of GBK). UTF-16 (Excel's "Unicode text", with a BOM)
is decoded as such. A UTF-8 file with LF or CRLF endings is read in place (DuckDB's reader takes both alike);
any other file (GBK, UTF-16, or CR endings: classic Mac) is written as UTF-8 with LF endings to a temporary
copy that DuckDB reads instead, so a damaged line gives the same outcome whatever the file's origin. The copy
is removed when the Source that uses it is garbage collected.
"""

from __future__ import annotations

import codecs
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
HEAD = 64 << 10  # characters of decoded text kept for the header and delimiter sniffing

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
    path: Path  # the file DuckDB reads: the original, or a UTF-8 copy with LF endings
    encoding: str  # utf-8 | utf-8-sig | gb18030 | utf-16
    head: str  # the first HEAD characters, decoded (LF endings in a copy; LF or CRLF in place)
    blank_lines: list[int] = field(default_factory=list)  # physical line numbers (1 = header) of empty lines
    tmpdir: str | None = None  # holds the UTF-8 copy; removed with the Source

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
    """Counts lines across chunks of UTF-8 bytes and records the numbers of empty lines (\\n\\n or \\n\\r\\n)."""

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


class _ToLF:
    """CRLF and CR to LF across chunks of text, for a copy: a CR at a chunk's end waits for the next chunk."""

    def __init__(self) -> None:
        self.pending_cr = False

    def feed(self, text: str, final: bool) -> str:
        if self.pending_cr:
            text = "\r" + text
        self.pending_cr = not final and text.endswith("\r")
        if self.pending_cr:
            text = text[:-1]
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class _CRFinder:
    """Whether a file read in place has a CR that ends a line alone (classic Mac), across chunks of bytes."""

    def __init__(self) -> None:
        self.pending_cr = 0  # the previous chunk ended in a CR (its LF may start this chunk)

    def lone_cr(self, chunk: bytes, final: bool) -> bool:
        crs = chunk.count(b"\r") + self.pending_cr
        if not crs:
            return False
        pairs = chunk.count(b"\r\n") + (self.pending_cr and chunk.startswith(b"\n"))
        self.pending_cr = int(not final and chunk.endswith(b"\r"))
        return crs - self.pending_cr > pairs


class _LoneCR(Exception):
    """A UTF-8 file scanned in place has CR line endings (classic Mac): it needs a copy."""


def inspect(path: Path) -> TextFile:
    """Check and decode a text file; raise EncodingProblem with a one-line reason if it cannot be read as text."""
    with open(path, "rb") as f:
        first = f.read(CHUNK)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if not first.strip(b" \t\r\n") or first.removeprefix(codecs.BOM_UTF8).strip(b"\r\n") == b"":
            raise EncodingProblem("empty file")
        what = _binary_kind(first)
        if what:
            raise EncodingProblem(f"not a text CSV file: looks like {what}")
        encodings = ("utf-8-sig", "gb18030")
        try:  # the common case, UTF-8 with LF or CRLF endings, is read in place
            text = _scan(path, "utf-8-sig")
        except _LoneCR:
            text = None
        else:
            if text is not None:
                return text
            encodings = ("gb18030",)
    for encoding in encodings:
        text = _copied(path, encoding)
        if text is not None:
            return text
    what = "UTF-16" if encodings == ("utf-16",) else "UTF-8 or GBK/GB18030"
    raise EncodingProblem(f"not {what} text (undecodable bytes)")


def _copied(path: Path, encoding: str) -> TextFile | None:
    """The file decoded as `encoding` into a UTF-8 copy with LF endings; None if it is not in that encoding."""
    tmpdir = tempfile.mkdtemp(prefix="burden-utf8-")
    try:
        text = _scan(path, encoding, Path(tmpdir) / (path.stem + ".utf8.csv"))
        if text is not None and not text.head.lstrip("\ufeff").strip(" \t\n"):
            raise EncodingProblem("empty file")
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    if text is None:
        shutil.rmtree(tmpdir, ignore_errors=True)
        return None
    text.tmpdir = tmpdir
    return text


def _scan(path: Path, encoding: str, copy_to: Path | None = None) -> TextFile | None:
    """Decode the whole file strictly in chunks (into copy_to with LF endings); None if it is not in that encoding.

    Without copy_to, raises _LoneCR on a CR that ends a line: the file must be read again into a copy.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines, to_lf, crs = _Lines(), _ToLF(), _CRFinder()
    head: list[str] = []
    head_chars = 0
    out = open(copy_to, "wb") if copy_to else None  # noqa: SIM115
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                final = not chunk
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError:
                    return None
                if (b"\x00" in chunk) if encoding != "utf-16" else ("\x00" in text):
                    raise EncodingProblem("not a text CSV file: NUL bytes in it (binary data)")
                if out:
                    text = to_lf.feed(text, final)
                    data = text.encode("utf-8")
                    out.write(data)
                else:  # in place: the bytes are UTF-8 already; CRLF stays (DuckDB reads it like LF)
                    if crs.lone_cr(chunk, final):
                        raise _LoneCR
                    data = chunk
                lines.feed(data)
                if head_chars < HEAD:
                    head.append(text[: HEAD - head_chars])
                    head_chars += len(head[-1])
                if final:
                    break
    finally:
        if out:
            out.close()
    if encoding == "utf-8-sig" and not _has_bom(path):
        encoding = "utf-8"
    return TextFile(copy_to or path, encoding, "".join(head), blank_lines=sorted(lines.blank))


def _has_bom(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(3) == codecs.BOM_UTF8
