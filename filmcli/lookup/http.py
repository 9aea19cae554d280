"""The one HTTP client lookups use: timeouts, polite retries, a rate limit, a disk cache.

httpx rather than requests: separate connect and read timeouts, streamed bodies
that can be cut off, and no extra dependency chain (urllib3, chardet).

Secrets (TMDb's `api_key` parameter, an `Authorization` header) never reach an
error message, a log line or a cache file name: errors are written here from
the kind of failure and the host, never from httpx's text (which holds the URL).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import socket
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from filmcli import __version__
from filmcli.errors import FilmcliError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"filmcli/{__version__} (+https://github.com/filmcli/filmcli)"
RETRY_STATUS = {429, 500, 502, 503, 504}


class LookupFailed(FilmcliError):
    """`error: tmdb: ...`: the provider's name is the location."""

    def __init__(
        self, provider: str, message: str, hint: str | None = None, *, unreachable: bool = False
    ):
        super().__init__(message, provider, hint=hint)
        # the provider cannot be used at all now (no network, bad key, rate limit):
        # a command with many films stops asking it
        self.unreachable = unreachable


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/filmcli/lookup, made 0700; None (no cache) without a home folder
    or when the folder is not the user's own: what it holds becomes posts' content."""
    from filmcli.store.cache import cache_root

    root = cache_root()
    if root is None:
        return None
    folder = root / "lookup"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(folder)
    except OSError:
        return None
    problem = None
    if not stat.S_ISDIR(st.st_mode):
        problem = "is not a folder"
    elif hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        problem = f"is owned by another user (uid {st.st_uid})"
    elif st.st_mode & 0o022:
        problem = f"may be written by others (mode {st.st_mode & 0o777:04o}; chmod 700 fixes it)"
    elif st.st_mode & 0o077:
        os.chmod(folder, 0o700)  # readable by others: the answers are the user's business
    if problem:
        _warn_once(f"{folder}: the lookup cache folder {problem}; the cache is not used")
        return None
    return folder


_warned: set[str] = set()


def _warn_once(text: str) -> None:
    import sys

    if text not in _warned:
        _warned.add(text)
        sys.stderr.write(f"warning: {text}\n")


def _read_private(path: Path) -> tuple[bytes, float] | None:
    """A cache file's bytes and age, if it is a regular file of the user's own (never
    through a symbolic link)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(), time.time() - st.st_mtime
    except OSError:
        return None
    finally:
        os.close(fd)


class Client:
    """GETs for one provider. `secret_params` and `secret_headers` (the credentials) are
    sent only to addresses under `secret_base`, and left out of cache keys and messages."""

    def __init__(
        self,
        settings: dict,
        provider: str,
        *,
        offline: bool = False,
        refresh: bool = False,
        headers: dict | None = None,
        secret_params: dict | None = None,
        secret_headers: dict | None = None,
        secret_base: str | None = None,
        hint: str | None = None,
    ):
        self.settings = settings
        self.provider = provider
        self.offline = offline
        self.refresh = refresh
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.secret_params = secret_params or {}
        self.secret_headers = secret_headers or {}
        # Credentials go only to addresses under this one (the API), never to an image host.
        self.secret_base = secret_base
        self.hint = hint
        self.requests = 0
        self._last = 0.0
        self._http: httpx.Client | None = None

    # --- settings ---------------------------------------------------------

    def _num(self, name: str, default: float) -> float:
        try:
            return float(self.settings.get(name, default))
        except (TypeError, ValueError):
            return default

    def _client(self):
        import httpx

        if self._http is None:
            timeout = httpx.Timeout(
                self._num("read_timeout", 15.0), connect=self._num("connect_timeout", 5.0)
            )
            self._http = httpx.Client(
                timeout=timeout,
                follow_redirects=True,
                max_redirects=5,
                headers=self.headers,
                trust_env=False,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- cache -----------------------------------------------------------------

    def _key(self, url: str, params: dict) -> Path | None:
        folder = cache_dir()
        if folder is None:
            return None
        public = sorted((k, str(v)) for k, v in params.items() if v is not None)
        raw = json.dumps([self.provider, url, public]).encode("utf-8")
        return folder / hashlib.sha256(raw).hexdigest()

    def _cached(self, path: Path | None) -> bytes | None:
        if path is None or (self.refresh and not self.offline):
            return None
        found = _read_private(path)
        if found is None:
            return None
        data, age = found
        if not self.offline and age > self._num("cache_days", 7) * 86400:
            return None
        return data

    def _store(self, path: Path | None, data: bytes) -> None:
        if path is None:
            return
        from filmcli.store.atomic import write_atomic

        try:
            write_atomic(path, data, mode=0o600)  # renamed into the 0700 folder
        except (FilmcliError, OSError):
            pass  # the cache is a saving, never a reason to fail

    # --- requests ------------------------------------------------------------

    def _wait_turn(self) -> None:
        rate = self._num("requests_per_second", 4.0)
        gap = 1.0 / rate if rate > 0 else 0.0
        now = time.monotonic()
        if self._last and now - self._last < gap:
            time.sleep(gap - (now - self._last))
        self._last = time.monotonic()

    def _fail(
        self, message: str, hint: str | None = None, *, unreachable: bool = False
    ) -> NoReturn:
        # `from None`: even --debug's traceback never shows httpx's text (it holds the URL)
        raise LookupFailed(
            self.provider, message, hint or self.hint, unreachable=unreachable
        ) from None

    def _send(self, url: str, params: dict, *, limit: int | None = None) -> tuple[bytes, str]:
        """The body and its content type, after retries; LookupFailed otherwise."""
        import httpx

        host = httpx.URL(url).host or url
        attempts = max(0, int(self._num("retries", 3))) + 1
        cap = self._num("max_retry_after", 30.0)
        query = {k: v for k, v in params.items() if v is not None}
        headers = {}
        if self.secret_base and url.startswith(self.secret_base):
            query.update(self.secret_params)
            headers = self.secret_headers
        for attempt in range(attempts):
            self._wait_turn()
            started = time.monotonic()
            self.requests += 1
            try:
                with self._client().stream("GET", url, params=query, headers=headers) as response:
                    status = response.status_code
                    if status in RETRY_STATUS and attempt + 1 < attempts:
                        time.sleep(_retry_delay(response.headers.get("Retry-After"), attempt, cap))
                        continue
                    if status == 401:
                        self._fail(
                            f"{host} refused the credentials (401)",
                            "check the TMDb key (TMDB_API_KEY/TMDB_TOKEN or "
                            "~/.config/filmcli/config.toml), or try --provider "
                            "wikidata",
                            unreachable=True,
                        )
                    if status == 404:
                        self._fail(f"{host} has no such item (404)")
                    if status == 429:
                        self._fail(
                            f"{host} is rate-limiting us (429) after {attempts} tries",
                            "wait a minute and run again",
                            unreachable=True,
                        )
                    if status >= 400:
                        self._fail(f"{host} answered HTTP {status}")
                    body = _read_limited(
                        response, limit, self, started + self._num("max_seconds", 60.0)
                    )
                    return body, response.headers.get("Content-Type", "")
            except LookupFailed:
                raise
            except httpx.TimeoutException:
                self._fail(
                    f"{host} did not answer in time",
                    "try again later, or raise lookup.connect_timeout/lookup.read_timeout",
                    unreachable=True,
                )
            except httpx.TooManyRedirects:
                self._fail(f"{host} redirected too many times")
            except (httpx.ConnectError, httpx.NetworkError, httpx.ProtocolError) as exc:
                if _is_dns(exc):
                    self._fail(
                        f"cannot resolve {host} (DNS failure)",
                        "check the network, or use --offline for cached answers",
                        unreachable=True,
                    )
                self._fail(
                    f"cannot connect to {host} (no network?)",
                    "check the network, or use --offline for cached answers",
                    unreachable=True,
                )
            except httpx.HTTPError:
                self._fail(f"the request to {host} failed")
            except Exception as exc:  # e.g. httpx.InvalidURL, whose text holds the URL
                self._fail(f"the request to {host} failed ({type(exc).__name__})")
        self._fail(f"{host} kept failing")  # pragma: no cover - the loop always returns

    def get_json(self, url: str, params: dict | None = None):
        params = params or {}
        key = self._key(url, params)
        data = self._cached(key)
        if data is None:
            if self.offline:
                self._fail(
                    "not in the cache, and --offline allows no request",
                    "run once without --offline",
                )
            data, _ = self._send(url, params, limit=20_000_000)
            parsed = _parse_json(data, self)
            self._store(key, data)
            return parsed
        return _parse_json(data, self)

    def get_image(self, url: str, *, max_bytes: int, max_pixels: int) -> bytes:
        """A poster image, cut off past `max_bytes` and checked as an image before anyone
        decodes it (the same pixel limit as `validate`)."""
        key = self._key(url, {})
        data = self._cached(key)
        if data is None:
            if self.offline:
                self._fail("the poster is not in the cache, and --offline allows no request")
            data, _ = self._send(url, {}, limit=max_bytes)
            check_image(data, max_pixels, self)
            self._store(key, data)
        else:
            check_image(data, max_pixels, self)
        return data


def _read_limited(response, limit: int | None, client: Client, deadline: float) -> bytes:
    """The body, cut off past `limit` bytes, or when it is still coming at `deadline` (a
    server that sends a byte now and then never trips the read timeout)."""
    declared = response.headers.get("Content-Length")
    if limit and declared and declared.isdigit() and int(declared) > limit:
        client._fail(
            f"the download is {int(declared):,} bytes, over the limit of {limit:,}",
            "give --poster FILE yourself, or raise poster.max_download_bytes in filmcli.toml",
        )
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if limit and size > limit:
            client._fail(
                f"the download passed the limit of {limit:,} bytes and was cut off",
                "give --poster FILE yourself, or raise poster.max_download_bytes in filmcli.toml",
            )
        chunks.append(chunk)
        if time.monotonic() > deadline:
            client._fail(
                f"{response.url.host} is sending too slowly (still coming after "
                f"{client._num('max_seconds', 60.0):g} s)",
                "try again later, or raise lookup.max_seconds",
            )
    return b"".join(chunks)


def check_image(data: bytes, max_pixels: int, client: Client) -> None:
    from filmcli.model.imageinfo import image_size, pillow_size, sniff_format

    fmt = sniff_format(data[:64])
    if fmt is None:
        client._fail(
            "the poster address gave something that is not an image", "give --poster FILE yourself"
        )
    size = image_size(fmt, data[:65536]) or pillow_size(data)[1]
    if size and size[0] * size[1] > max_pixels:
        client._fail(
            f"the poster is {size[0]}×{size[1]} pixels, over the limit of "
            f"{max_pixels:,} (not decoded)",
            "give --poster FILE yourself, or raise validate.max_pixels in filmcli.toml",
        )


def _parse_json(data: bytes, client: Client):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        client._fail("the answer is not valid JSON", "try again later, or try another --provider")


def _retry_delay(header: str | None, attempt: int, cap: float) -> float:
    """Retry-After (seconds or an HTTP date) when given, else 0.5, 1, 2... seconds;
    never more than `cap`."""
    delay = 0.5 * (2**attempt)
    if header:
        text = header.strip()
        if text.isdigit():
            delay = float(text)
        else:
            try:
                when = email.utils.parsedate_to_datetime(text)
                delay = max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return max(0.0, min(delay, cap))


def _is_dns(exc: BaseException | None) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, socket.gaierror):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
