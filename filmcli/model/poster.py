"""The poster: an image carried inline as a data URI, or pointed at by a site path or URL."""

from __future__ import annotations

import binascii
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

from filmcli.errors import FilmcliError
from filmcli.model import imageinfo

_B64_OK = re.compile(rb"[A-Za-z0-9+/]*={0,2}\Z")
_WS = re.compile(rb"\s+")
_HEAD_CHARS = 4096  # base64 characters decoded to sniff format and size (3 kB)
_FIRST_CHARS = 512  # usually enough: the header of a plain JPEG, PNG, GIF or WebP
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# base64 letters -> "A", "=" stays, anything else -> "!": one C pass tells clean from not
_CLASSES = bytes(65 if i in _ALPHABET else 61 if i == 61 else 33 for i in range(256))


def human_bytes(n: int) -> str:
    """`7.2 kB`: SI units, as `ls -h --si` and most file managers show them."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


class Poster:
    """A poster value, decoded only as far as each question needs.

    For a data URI the base64 text is not kept: the poster remembers where it
    sits in the post file and reads it again when the bytes are wanted, so
    listing 10,000 posts never holds 10,000 posters in memory.
    """

    __slots__ = (
        "origin",
        "value",
        "declared_mime",
        "is_base64",
        "_b64",
        "_file",
        "_span",
        "_data",
        "_size",
        "_format",
        "_dims",
        "_sha256",
        "line",
        "_stamp",
        "_text",
    )

    def __init__(
        self,
        origin: str,
        value: str | None = None,
        *,
        declared_mime: str | None = None,
        is_base64: bool = True,
        b64: bytes | None = None,
        file: Path | None = None,
        span: tuple[int, int] | None = None,
        line: int | None = None,
        stamp: tuple | None = None,
        text: str | None = None,
    ):
        self.origin = origin  # "data", "path" or "url"
        self.value = value  # the text for paths and URLs; None for data URIs
        self.declared_mime = declared_mime
        self.is_base64 = is_base64
        self._b64 = b64
        self._file = file
        self._span = span
        self._data: bytes | None = None
        self._size: int | None = None
        self._format: str | None = None
        self._dims: tuple[int, int] | None = None
        self._sha256: str | None = None
        self.line = line
        self._stamp = stamp  # atomic.stamp of the file the span was read from
        self._text = text  # the value as YAML gave it, when it is not `uri` (see `text`)

    # --- construction -------------------------------------------------

    @classmethod
    def from_value(cls, text: str, *, line: int | None = None) -> Poster:
        """Classify a front-matter `poster:` string."""
        stripped = text.strip()
        if stripped[:5].lower() == "data:":
            header, sep, payload = stripped.partition(",")
            if not sep:
                raise FilmcliError(
                    "poster data URI has no ',' before its data", line=line, rule="FC111"
                )
            mime, is_b64 = _parse_header(header)
            return cls(
                "data",
                declared_mime=mime,
                is_base64=is_b64,
                b64=payload.encode("utf-8", "surrogateescape"),
                line=line,
                text=text,
            )
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", stripped) or stripped.startswith("//"):
            return cls("url", stripped, line=line, text=text)
        return cls("path", stripped, line=line, text=text)

    @classmethod
    def from_file_span(
        cls,
        header: bytes,
        file: Path,
        span: tuple[int, int],
        b64: bytes | None,
        line: int,
        stamp: tuple | None = None,
    ) -> Poster:
        """A data URI found on one line of a post: keep only where it is."""
        mime, is_b64 = _parse_header(header.decode("ascii", "replace"))
        return cls(
            "data",
            declared_mime=mime,
            is_base64=is_b64,
            b64=b64,
            file=file,
            span=span,
            line=line,
            stamp=stamp,
        )

    # --- state, for the metadata cache and worker processes -----------

    def to_state(self) -> tuple:
        """Everything this poster knows, as plain values `marshal` can store (the file it
        sits in is not part of it: `from_state` is told). Equal posters give equal states."""
        return (
            self.origin,
            self.value,
            self.declared_mime,
            self.is_base64,
            self._b64,
            self._span,
            self.line,
            self._size,
            self._format,
            self._dims,
            self._sha256,
            self._stamp,
            self._text,
        )

    @classmethod
    def from_state(cls, state: tuple, file: Path | None) -> Poster:
        """The poster `to_state` described, its span (if any) in `file`."""
        poster = object.__new__(cls)  # every slot set here: the cache loads thousands
        (
            poster.origin,
            poster.value,
            poster.declared_mime,
            poster.is_base64,
            poster._b64,
            poster._span,
            poster.line,
            poster._size,
            poster._format,
            poster._dims,
            poster._sha256,
            poster._stamp,
            poster._text,
        ) = state
        poster._file = file if poster._span is not None else None
        poster._data = None
        return poster

    @property
    def span(self) -> tuple[int, int] | None:
        """(start, end): where the data URI's payload sits in `file`, None when the poster
        was not read from a known place in a post file."""
        return self._span if self._file is not None else None

    @property
    def file(self) -> Path | None:
        """The post file `span` is in, None for a poster held in memory only."""
        return self._file if self._span is not None else None

    @property
    def in_memory(self) -> bool:
        """Whether the payload text is held (`forget` lets go of it when `file` has it)."""
        return self._b64 is not None

    # --- the raw payload ---------------------------------------------

    def payload(self) -> bytes:
        """The data URI's text after the comma, as bytes (read again from `file` when it
        is not held)."""
        return self._payload()

    def _payload(self) -> bytes:
        if self._b64 is not None:
            return self._b64
        assert self._file is not None and self._span is not None
        from filmcli.model.files import check_unchanged

        start, end = self._span
        try:
            with open(self._file, "rb") as handle:
                # the offsets are only good in the very file the post was parsed from
                if self._stamp is None:
                    raise FilmcliError("post changed while it was read; run again", self._file)
                check_unchanged(self._file, self._stamp, fd=handle.fileno())
                handle.seek(start)
                payload = handle.read(end - start)
        except OSError as exc:
            raise FilmcliError(f"cannot read poster: {exc.strerror}", self._file) from None
        if len(payload) != end - start:
            raise FilmcliError("post changed while it was read; run again", self._file)
        return payload

    def learn(self, payload: bytes) -> bool:
        """Note the cheap facts (size, format, pixels) while the base64 text is at hand.

        The reader calls this before letting go of the text, so that listing a
        library never has to read a poster twice. Gives the same answers the
        lazy properties would. Returns is_base64_text(payload), found on the way.
        """
        classes = payload.translate(_CLASSES)
        if classes.find(b"!") >= 0:
            return False  # whitespace or junk: the lazy path sorts it out
        if not self.is_base64 or self._format is not None:
            return True
        n = len(payload)
        pad = classes.find(b"=")
        if pad >= 0 and (pad < n - 2 or classes[pad:] != b"=" * (n - pad)):
            return True
        if n % 4:
            return True
        self._size = n // 4 * 3 - (n - pad if pad >= 0 else 0)
        for chars in (_FIRST_CHARS, _HEAD_CHARS):
            head = binascii.a2b_base64(payload[:chars])
            fmt = imageinfo.sniff_format(head)
            dims = imageinfo.image_size(fmt, head)
            if dims is not None or fmt is None or chars >= n:
                break
        if dims is None and fmt is not None:
            return True  # the header is further in: let _sniff decode it all when asked
        self._format = fmt or ""
        self._dims = dims
        return True

    def facts(self) -> dict:
        """What `learn` and the properties found, for the metadata cache."""
        return {"size": self._size, "format": self._format, "dims": self._dims}

    def forget(self) -> None:
        """Drop the payload held in memory when the file can give it back."""
        if self._file is not None and self._span is not None:
            self._b64 = None
        self._data = None

    @property
    def data(self) -> bytes:
        """The decoded image bytes; FilmcliError (rule FC106) when the base64 is invalid."""
        if self.origin != "data":
            raise FilmcliError("poster is not embedded", line=self.line)
        if self._data is None:
            payload = self._payload()
            if not self.is_base64:
                self._data = unquote_to_bytes(payload.decode("ascii", "replace"))
            else:
                self._data = decode_base64(payload, line=self.line)
            self._size = len(self._data)
        return self._data

    @property
    def text_size(self) -> int:
        """Bytes the data's text takes in the post, known without reading the file again."""
        if self._span is not None:
            return self._span[1] - self._span[0]
        if self._b64 is not None:
            return len(self._b64)
        return len(self.uri)

    @property
    def text(self) -> str:
        """The `poster:` value as YAML gives it (a folded data URI keeps the spaces YAML
        folds its breaks into): what is reported and exported. `uri` is the same poster
        made canonical (one line, no whitespace), for writing and decoding."""
        return self._text if self._text is not None else self.uri

    @property
    def uri(self) -> str:
        """The full `data:` URI (base64 text without whitespace) or the path/URL text."""
        if self.origin != "data":
            return self.value or ""
        payload = self._payload()
        if self.is_base64 and _has_blank(payload):  # a folded poster (rare): one line again
            payload = _WS.sub(b"", payload)
        kind = ";base64" if self.is_base64 else ""
        return f"data:{self.declared_mime or ''}{kind}," + payload.decode("ascii", "replace")

    # --- cheap facts ---------------------------------------------------

    @property
    def size(self) -> int | None:
        """Decoded byte count, computed from the base64 length when it is clean."""
        if self._size is None and self.origin == "data":
            payload = self._payload()
            if self.is_base64 and _B64_OK.match(payload) and len(payload) % 4 == 0:
                self._size = len(payload) // 4 * 3 - (len(payload) - len(payload.rstrip(b"=")))
            else:
                self._size = len(self.data)
        return self._size

    def _head(self) -> bytes:
        if self._data is not None:
            return self._data
        payload = self._payload()
        if not self.is_base64:
            return self.data
        head = _WS.sub(b"", payload[: _HEAD_CHARS + 256])[:_HEAD_CHARS]
        try:
            return binascii.a2b_base64(head[: len(head) // 4 * 4])
        except binascii.Error:
            return b""

    def _sniff(self) -> None:
        if self._format is not None or self.origin != "data":
            return
        head = self._head()
        fmt = imageinfo.sniff_format(head)
        dims = imageinfo.image_size(fmt, head)
        if dims is None and fmt is not None:
            try:
                full = self.data
            except FilmcliError:
                full = b""
            dims = imageinfo.image_size(fmt, full)
            if dims is None and full:
                pil_fmt, dims = imageinfo.pillow_size(full)
                fmt = fmt or pil_fmt
        self._format = fmt or ""
        self._dims = dims

    @property
    def format(self) -> str | None:
        """The real format sniffed from the bytes (`JPEG`, `PNG`…), None if unknown."""
        self._sniff()
        return self._format or None

    @property
    def width(self) -> int | None:
        self._sniff()
        return self._dims[0] if self._dims else None

    @property
    def height(self) -> int | None:
        self._sniff()
        return self._dims[1] if self._dims else None

    @property
    def mime(self) -> str | None:
        """The MIME type of the real format (what the URI should declare)."""
        return imageinfo.MIME.get(self.format or "")

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256

    def summary(self, *, hash: bool = True) -> dict:
        """The poster as `parse` and `list --format json` show it: facts, not base64.

        `hash=False` leaves sha256 out (None), sparing a full decode when only
        the format, pixels and size are shown.
        """
        if self.origin != "data":
            return {"source": self.origin, "value": self.value}
        out: dict[str, object] = {
            "source": "data",
            "mime": self.declared_mime,
            "format": None,
            "bytes": None,
            "width": None,
            "height": None,
            "sha256": None,
        }
        try:
            out.update(format=self.format, bytes=self.size, width=self.width, height=self.height)
            if hash:
                out["sha256"] = self.sha256
        except FilmcliError as exc:
            out["error"] = exc.message
        return out

    def short(self) -> str:
        """`JPEG 259×194 7.2 kB`, the one-cell summary for tables."""
        if self.origin != "data":
            return self.value or ""
        try:
            fmt = self.format or "?"
            dims = f" {self.width}×{self.height}" if self.width else ""
            return f"{fmt}{dims} {human_bytes(self.size or 0)}"
        except FilmcliError:
            return "invalid"

    def __repr__(self) -> str:
        return f"Poster({self.origin}, {self.short()!r})"


def _has_blank(data: bytes) -> bool:
    """Whitespace in base64 text: four memchr scans, far cheaper than a regex pass."""
    return (
        b"\n" in data
        or b" " in data
        or b"\r" in data
        or b"\t" in data
        or (b"\x0b" in data or b"\x0c" in data)
    )


def _parse_header(header: str) -> tuple[str | None, bool]:
    parts = header[5:].split(";")
    mime = parts[0].strip().lower() or None
    is_b64 = any(p.strip().lower() == "base64" for p in parts[1:])
    return mime, is_b64


def is_base64_text(payload: bytes) -> bool:
    """Whether `payload` holds base64 letters and `=` only (no whitespace, no junk)."""
    return payload.translate(_CLASSES).find(b"!") < 0


def decode_base64(payload: bytes, *, line: int | None = None) -> bytes:
    """Strict base64: whitespace is tolerated, anything else outside the alphabet is not."""
    classes = payload.translate(_CLASSES)
    if classes.find(b"!") < 0 and len(payload) % 4 == 0:
        pad = classes.find(b"=")
        if pad < 0 or (pad >= len(payload) - 2 and classes.endswith(b"=" * (len(payload) - pad))):
            return binascii.a2b_base64(payload)  # clean: the common case, in one pass
    clean = _WS.sub(b"", payload)
    if not _B64_OK.match(clean) or len(clean) % 4:
        raise FilmcliError("poster data is not valid base64", line=line, rule="FC106")
    try:
        return binascii.a2b_base64(clean)
    except binascii.Error:
        raise FilmcliError("poster data is not valid base64", line=line, rule="FC106") from None
