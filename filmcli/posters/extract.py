"""Posters out of posts and back in: `extract-posters`, `embed-posters` and the byte splice.

Extracting writes each embedded poster's decoded bytes, untouched, to `DIR/<slug>.<ext>`.
Rewriting and embedding change the `poster:` value of a post by splicing bytes: the
value's exact byte span is found (the reader's span for a one-line data URI, the YAML
node's marks otherwise) and only those bytes are replaced, so key order, quoting,
comments, the body and line endings stay as they were. Every new post is parsed again
before it is written, and refused unless every other field reads back the same.

The per-post work (`extract_one`, `embed_one`) is a top-level function taking a small
frozen job and returning a small result, so a process pool can map it over a library;
`run` keeps results in input order.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model import imageinfo
from filmcli.model.post import Post, date_from_filename
from filmcli.model.slug import MAX_SLUG_BYTES, slug_problem, slugify
from filmcli.store.atomic import same_content, write_atomic
from filmcli.store.editing import replace_poster

if TYPE_CHECKING:
    from filmcli.store.library import Store

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}
_NAME_OK = re.compile(r"\w[\w.-]*\Z")  # letters, digits, _, ., - (no spaces, no separators)


# --------------------------------------------------------------------------------------------
# Safe names and places
# --------------------------------------------------------------------------------------------


def filename_problem(name: str) -> str | None:
    """Why `name` is not a safe single file name on any common system, or None."""
    if not name or name in (".", ".."):
        return "the name is empty"
    if "\x00" in name:
        return "the name contains a NUL byte"
    if "/" in name or "\\" in name or os.sep in name or (os.altsep and os.altsep in name):
        return "the name contains a path separator"
    if any(ch in '<>:"|?*' or unicodedata.category(ch)[0] == "C" for ch in name):
        return "the name contains characters not allowed in file names"
    if name.startswith("."):
        return "the name starts with a dot"
    if name != name.strip() or name.endswith("."):
        return "the name starts or ends with a space or ends with a dot"
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        return "the name is reserved on Windows"
    if len(name.encode("utf-8")) > 255:
        return "the name is too long"
    return None


def poster_stem(post_path: str | os.PathLike) -> str:
    """The poster's file name without extension: the post's slug when it is a safe name.

    The slug comes from the file name (`2013-12-18-her.md` -> `her`), never from the
    front matter; a slug that is not a safe name (`..`, `con`, control characters,
    separators, a leading dot) is replaced by `slugify(slug)`, which always is.
    """
    name = Path(post_path).name
    slug = date_from_filename(name)[1] or name.rsplit(".", 1)[0]
    if (
        slug_problem(slug) is None
        and _NAME_OK.match(slug)
        and len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
        and filename_problem(slug) is None
    ):
        return slug
    stem = slugify(slug)
    return stem if filename_problem(stem) is None else "poster"


def plan_names(
    paths: Iterable[str | os.PathLike], universe: Iterable[str | os.PathLike] = ()
) -> dict[str, str]:
    """A distinct, deterministic file stem for every post in `paths`.

    Names collide when equal ignoring case (as on macOS and Windows). Colliding posts all
    get their file name's date as a prefix (`2013-12-18-her`); what still collides gets
    `-2`, `-3`... in path order. `universe` (the whole library) is taken into account so a
    post's name does not depend on which posts a run was given.
    """
    every = sorted({os.path.abspath(p) for p in (*universe, *paths)})
    stems = {p: poster_stem(p) for p in every}
    groups: dict[str, list[str]] = {}
    for path in every:
        groups.setdefault(stems[path].casefold(), []).append(path)
    for members in groups.values():
        if len(members) > 1:
            for path in members:
                date = date_from_filename(Path(path).name)[0]
                if date is not None:
                    stems[path] = f"{date.isoformat()}-{stems[path]}"
    taken: set[str] = set()
    for path in every:
        stem = stems[path]
        n = 1
        while stem.casefold() in taken:
            n += 1
            stem = f"{stems[path]}-{n}"
        taken.add(stem.casefold())
        stems[path] = stem
    return {os.path.abspath(p): stems[os.path.abspath(p)] for p in paths}


def safe_target(
    folder: str | os.PathLike, name: str, shown: str | None = None, *, fresh: bool = False
) -> Path:
    """`folder/name`, checked to be a plain file name directly inside the resolved folder.

    Refuses unsafe names, a symbolic link in the file's place, and anything whose resolved
    path is not exactly `<resolved folder>/<name>`. `fresh`: the folder held no such name
    when the run was planned (a link made since is refused by the exclusive write).
    """
    problem = filename_problem(name)
    if problem:
        raise FilmcliError(f"refusing poster file name {name!r}: {problem}")
    base = _resolved(os.fspath(folder))
    target = base / name
    where = shown or str(target)
    if not fresh and target.is_symlink():
        raise FilmcliError(f"{where}: is a symbolic link; refusing to write through it")
    # `base` has no symbolic link in it and `name` is one plain component that is not a
    # link, so the target resolves to base/name: no second resolve() per poster needed.
    if target.parent != base or target.name != name:
        raise FilmcliError(f"{where}: refusing to write outside the output folder")
    return target


_RESOLVED: dict[str, Path] = {}


def _resolved(folder: str) -> Path:
    """Path(folder).resolve(), once per folder and process (it costs a syscall per part)."""
    found = _RESOLVED.get(folder)
    if found is None:
        found = _RESOLVED[folder] = Path(folder).resolve()
    return found


def output_folder(library: Store, out: str | None, *, rewrite: bool) -> tuple[Path, str | None]:
    """The resolved output folder and its site path (`/assets/posters`, None if outside).

    Without --out the folder is `poster.dir` from filmcli.toml, which must stay inside the
    site; --out may name any folder, but --rewrite needs one inside the site so the posts
    can point at it.
    """
    root = library.root
    if out:
        folder = Path(out).expanduser().resolve()
    else:
        from filmcli.store.config import PosterSettings

        configured = library.settings.poster.dir or PosterSettings.dir  # "" is the default
        if "\x00" in configured:
            raise FilmcliError("poster.dir contains a NUL byte", root / "filmcli.toml")
        folder = (root / configured).resolve()
        try:
            folder.relative_to(root)
        except ValueError:
            raise FilmcliError(
                f"poster.dir {configured!r} leads outside the site",
                root / "filmcli.toml",
                hint="set a folder inside the site, or pass --out",
            ) from None
    if folder.exists() and not folder.is_dir():
        raise FilmcliError("the output folder is not a folder", folder)
    try:
        site_dir = "/" + folder.relative_to(root).as_posix()
    except ValueError:
        site_dir = None
    if site_dir == "/.":
        site_dir = "/"
    if rewrite and site_dir is None:
        raise UsageError(
            "--rewrite needs an output folder inside the site",
            hint=f"the site is {root}; posts can only point at files it serves",
        )
    return folder, site_dir


# --------------------------------------------------------------------------------------------
# The splice: replace the poster value, and only it (through the one editing core)
# --------------------------------------------------------------------------------------------


def data_uri(data: bytes, fmt: str) -> str:
    """`data:<real mime>;base64,<payload>` for image bytes of format `fmt`."""
    return f"data:{imageinfo.MIME[fmt]};base64," + base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------------------------
# Jobs and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtractJob:
    """Everything one post's extraction needs, as plain picklable values."""

    post: str  # the post file
    shown: str  # the post as users see it
    stem: str  # the poster file name without extension
    out_dir: str  # the resolved output folder
    out_shown: str  # the output folder as users see it
    site_dir: str | None = None  # its site path (`/assets/posters`) for --rewrite
    rewrite: bool = False
    dry_run: bool = False
    force: bool = False
    max_bytes: int | None = None
    fresh: bool = False  # no file of this stem was in the folder when the run was planned
    digest: bool = True  # give the poster's sha256 (the JSON report and --rewrite need it)


@dataclass(slots=True)
class Result:
    """What happened to one post: a small record, the same for extract and embed."""

    post: str
    status: str  # extracted | unchanged | embedded | skipped | failed
    file: str | None = None  # the poster file as users see it
    format: str | None = None
    size: int | None = None  # the poster's bytes
    written: int = 0  # poster bytes written to disk by this run
    sha256: str | None = None
    poster: str | None = None  # the post's new poster value (a site path) after --rewrite
    rewritten: bool = False  # the post file was (or, in a dry run, would be) changed
    replaced: bool = False  # an existing different file was replaced (--force)
    already: bool | None = None  # the post already held what this run would write (another
    # run wrote it meanwhile): nothing to do, and no failure
    reason: str | None = None  # why it was skipped: none, not-text, path, url, embedded
    message: str | None = None
    line: int | None = None
    hint: str | None = None

    def to_dict(self) -> dict:
        # every field is a plain str/int/bool/None: no asdict() deep copy needed
        return {k: v for k in _RESULT_FIELDS if (v := getattr(self, k)) is not None}


_RESULT_FIELDS = Result.__slots__  # in field order


def _read_post(path: str, shown: str, max_bytes: int | None) -> tuple[bytes, Post, tuple]:
    """(bytes, post, atomic.stamp of the file they were read from), through the reader's one
    opening function: no FIFO, no device, never over `max_bytes`."""
    from filmcli.model.reader import read_stamped

    try:
        if os.path.islink(path):
            raise FilmcliError("is a symbolic link; posts are rewritten in place", shown)
        raw, st = read_stamped(path, max_bytes=max_bytes)  # stamp taken before reading
        return raw, Post.from_bytes(raw, path), st
    except FilmcliError as exc:
        exc.path = shown
        raise


def _failed(result: Result, exc: FilmcliError, shown: str) -> Result:
    result.status = "failed"
    result.message = exc.message
    result.hint = exc.hint
    if exc.path in (None, shown):
        result.line = exc.line
    elif exc.path is not None:
        # the error is about another file (the poster file): say which
        result.message = f"{exc.path}: {exc.message}"
    return result


def place_file(
    target: Path, shown: str, data: bytes, *, force: bool, dry_run: bool, fresh: bool = False
) -> str:
    """Write `data` to `target` unless it already holds it: "written", "replaced", "same".

    The one rule for every poster file filmcli writes (extract-posters, export --posters
    files): a file holding other bytes is replaced only with `force`; a new file is made
    exclusively, so one that appears meanwhile is never overwritten. `fresh` (the folder's
    listing had no such file when the run was planned) skips the look: the exclusive
    write finds a file that appeared since, as it would any other.
    """
    st = None
    if not fresh:
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            pass
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise FilmcliError("is a symbolic link; refusing to write through it", shown)
        if not stat.S_ISREG(st.st_mode):
            raise FilmcliError("exists and is not a regular file", shown)
        if st.st_size == len(data) and same_content(target, data):
            return "same"
        if not force:
            raise FilmcliError(
                f"{shown} already exists with other content",
                hint="use --force to replace it, or move it away",
            )
        if not dry_run:
            write_atomic(target, data)
        return "replaced"
    if not dry_run:
        try:
            # "or-same": a file that appeared meanwhile holding these very bytes is success
            if write_atomic(target, data, exclusive="or-same") == "same":
                return "same"
        except FilmcliError as exc:
            exc.path = shown
            raise
    return "written"


def _post_and_poster(result: Result, path, shown: str, max_bytes):
    """(raw bytes, post, poster, stamp), or `result` finished when there is nothing to do."""
    try:
        raw, post, st = _read_post(path, shown, max_bytes)
        poster = post.poster
    except FilmcliError as exc:
        return _failed(result, exc, shown)
    if poster is None:
        result.status = "skipped"
        result.reason = "none" if "poster" not in post.front_matter else "not-text"
        result.message = "no poster" if result.reason == "none" else "the poster value is not text"
        return result
    return raw, post, poster, st


def extract_one(job: ExtractJob) -> Result:
    """Extract one post's embedded poster (and rewrite the post with --rewrite)."""
    result = Result(job.shown, "failed")
    loaded = _post_and_poster(result, job.post, job.shown, job.max_bytes)
    if isinstance(loaded, Result):
        return loaded
    raw, post, poster, st = loaded
    if poster.origin != "data":
        result.status = "skipped"
        result.reason = poster.origin
        result.message = f"the poster is a {'URL' if poster.origin == 'url' else 'file path'}"
        result.poster = poster.value
        return result
    result.line = poster.line
    try:
        data = poster.data
        fmt = imageinfo.sniff_format(data[:64])
        if fmt is None:
            raise FilmcliError(
                "the poster data is not an image in a known format", line=poster.line, rule="FC107"
            )
        result.format, result.size = fmt, len(data)
        name = f"{job.stem}.{imageinfo.EXTENSION[fmt]}"
        shown_file = os.path.join(job.out_shown, name)
        result.file = shown_file
        target = safe_target(job.out_dir, name, shown_file, fresh=job.fresh)
        if job.digest or job.rewrite:
            result.sha256 = hashlib.sha256(data).hexdigest()
        outcome = place_file(
            target, shown_file, data, force=job.force, dry_run=job.dry_run, fresh=job.fresh
        )
    except FilmcliError as exc:
        return _failed(result, exc, job.shown)
    result.status = "unchanged" if outcome == "same" else "extracted"
    result.replaced = outcome == "replaced"
    result.written = 0 if outcome == "same" else len(data)
    result.line = None
    if job.rewrite and job.site_dir is not None:
        site_path = job.site_dir.rstrip("/") + "/" + name
        assert result.sha256 is not None  # computed above whenever job.rewrite
        try:
            new = replace_poster(raw, post, site_path)
            # only the version of the post that was read is replaced, and only while its
            # poster file holds its image
            if (
                not job.dry_run
                and write_atomic(job.post, new, expect=st, requires=(str(target), result.sha256))
                == "same"
            ):
                result.already = True
        except FilmcliError as exc:
            _failed(result, exc, job.shown)
            result.message = f"poster extracted, but the post was not rewritten: {exc.message}"
            return result
        result.poster = site_path
        result.rewritten = not result.already
    return result


@dataclass(frozen=True, slots=True)
class EmbedJob:
    """Everything one post's embedding needs."""

    post: str
    shown: str
    root: str  # the resolved site root: poster files must lie inside it
    dry_run: bool = False
    max_bytes: int | None = None  # read.max_post_bytes: the largest post or poster file


def poster_file(root: str | os.PathLike, post_path: str | os.PathLike, value: str) -> Path:
    """The file a `poster:` path names, which must be a regular file inside the site.

    `/assets/posters/her.jpg` is a site path (from the site root); a relative value is
    looked for next to the post first, then from the site root. `?query` and `#fragment`
    are ignored and %-escapes are tried decoded too. Symbolic links are followed only when
    they end inside the site.
    """
    from urllib.parse import unquote

    root = Path(root).resolve()
    text = value.split("?", 1)[0].split("#", 1)[0].strip()
    if not text or "\x00" in text:
        raise FilmcliError(f"poster path {value!r} names no file")
    names = [text] + ([unquote(text)] if unquote(text) != text else [])
    outside = False
    for name in names:
        if "\x00" in name:
            continue
        bases = [root] if name.startswith("/") else [Path(post_path).parent, root]
        for base in bases:
            candidate = Path(os.path.join(base, name.lstrip("/")))
            try:
                resolved = candidate.resolve()
                resolved.relative_to(root)
            except ValueError:
                with contextlib.suppress(OSError):
                    outside = outside or resolved.exists()
                outside = outside or ".." in Path(name).parts
                continue
            except OSError:  # a name too long for the system, say: no file of the site
                continue
            try:
                if resolved.is_file():
                    return resolved
            except OSError:
                continue
    if outside:
        raise FilmcliError(f"poster path {value!r} leads outside the site; not embedded")
    raise FilmcliError(f"poster file {value!r} not found in the site")


def embed_one(job: EmbedJob) -> Result:
    """Embed one post's poster file as a data URI with its real MIME type."""
    result = Result(job.shown, "failed")
    loaded = _post_and_poster(result, job.post, job.shown, job.max_bytes)
    if isinstance(loaded, Result):
        return loaded
    raw, post, poster, st = loaded
    if poster.origin == "data":
        result.status = "skipped"
        result.reason = "embedded"
        result.message = "the poster is already embedded"
        return result
    if poster.origin == "url":
        result.status = "skipped"
        result.reason = "url"
        result.message = "the poster is a URL; only files in the site are embedded"
        result.poster = poster.value
        return result
    result.line = poster.line
    try:
        path = poster_file(job.root, job.post, poster.value or "")
        result.file = os.path.relpath(path, job.root)
        size = path.stat().st_size
        if job.max_bytes is not None and size > job.max_bytes:
            raise FilmcliError(
                f"the poster file is {size:,} bytes, over the limit of {job.max_bytes:,}",
                line=poster.line,
            )
        data = path.read_bytes()
        fmt = imageinfo.sniff_format(data[:64])
        if fmt is None or fmt not in imageinfo.MIME:
            raise FilmcliError(
                f"{result.file} is not an image in a known format", line=poster.line, rule="FC107"
            )
        result.format, result.size = fmt, len(data)
        new = replace_poster(raw, post, data_uri(data, fmt))
        if not job.dry_run and write_atomic(job.post, new, expect=st) == "same":
            result.already = True
    except OSError as exc:
        return _failed(
            result, FilmcliError(f"cannot read the poster file: {exc.strerror}"), job.shown
        )
    except FilmcliError as exc:
        return _failed(result, exc, job.shown)
    result.sha256 = hashlib.sha256(data).hexdigest()
    result.status = "embedded"
    result.rewritten = not result.already
    result.line = None
    return result


# --------------------------------------------------------------------------------------------
# Planning and running
# --------------------------------------------------------------------------------------------


def library_stems(
    library: Store, paths: Iterable[str | os.PathLike], *, whole: bool = False
) -> dict[str, str]:
    """The poster file stem of each post in `paths`, the whole library considered: what
    extract-posters and `export --posters files` both name the files by. `whole`: `paths`
    is the whole posts folder already (no second listing)."""
    paths = list(paths)
    return plan_names(paths, () if whole else _universe(library))


def _universe(library: Store) -> list[Path]:
    folder = library.posts_dir
    return library.post_paths([folder]) if folder.is_dir() else []


def _present_stems(folder: Path) -> set[str]:
    """The stems (`her` of `her.jpg`) of the names in `folder`: one listing, so a poster
    whose stem is not among them is written without a look at its own name first."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name.rsplit(".", 1)[0].casefold() for entry in entries}
    except OSError:  # no folder yet (it is made on demand): nothing in the way
        return set()


def plan_extract(
    library: Store,
    paths: Iterable[str],
    *,
    out: str | None = None,
    rewrite: bool = False,
    dry_run: bool = False,
    force: bool = False,
    digest: bool = True,
) -> tuple[list[ExtractJob], Path]:
    """One job per post file named (default: the posts folder), in path order.

    `digest=False` leaves out the posters' sha256 (only the JSON report shows it; --rewrite
    computes it anyway, to check the file before pointing a post at it)."""
    _RESOLVED.clear()  # folders are resolved afresh for every run
    folder, site_dir = output_folder(library, out, rewrite=rewrite)
    chosen = list(paths)
    post_paths = library.post_paths(chosen)
    stems = library_stems(library, post_paths, whole=not chosen)
    out_shown = library.relpath(folder)
    max_bytes = library.settings.read.max_post_bytes
    present = _present_stems(folder)
    out_dir = str(folder)
    relpath = library.relpath
    jobs = []
    for p in post_paths:
        text = str(p)
        stem = stems[os.path.abspath(text)]
        jobs.append(
            ExtractJob(
                text,
                relpath(p),
                stem,
                out_dir,
                out_shown,
                site_dir,
                rewrite,
                dry_run,
                force,
                max_bytes,
                stem.casefold() not in present,
                digest,
            )
        )
    return jobs, folder


def plan_embed(library: Store, paths: Iterable[str], *, dry_run: bool = False) -> list[EmbedJob]:
    max_bytes = library.settings.read.max_post_bytes
    return [
        EmbedJob(str(p), library.relpath(p), str(library.root), dry_run, max_bytes)
        for p in library.post_paths(list(paths))
    ]


def run(jobs: list, work: Callable, mapper: Callable | None = None) -> Iterator[Result]:
    """Results of `work` over `jobs` in input order; `mapper` may be a pool's `map`.

    By default the jobs go in chunks to a process pool (`filmcli.store.parallel`), and
    each chunk's files are made durable with one flush (`atomic.deferred_sync`)
    rather than two fsyncs per file; results still come in input order.
    """
    if mapper is not None:
        return iter(mapper(work, jobs))
    from filmcli.store.parallel import ordered_map, workers_for

    size = max(1, min(CHUNK, -(-len(jobs) // max(1, workers_for(len(jobs))))))
    chunks = [(work, jobs[i : i + size]) for i in range(0, len(jobs), size)]
    return (result for results in ordered_map(run_chunk, chunks, chunksize=1) for result in results)


CHUNK = 128  # posts per flush: big enough to amortise it, small enough to report progress


def run_chunk(task: tuple[Callable, list]) -> list[Result]:
    """`work` over a chunk of jobs, their writes made durable together at the end."""
    from filmcli.store.atomic import deferred_sync

    work, jobs = task
    with deferred_sync() as outcomes:
        results = [work(job) for job in jobs]
    if outcomes or outcomes.same:
        failed = {os.path.abspath(path): exc for path, exc in outcomes}
        for job, result in zip(jobs, results, strict=True):
            _settle(job, result, failed, outcomes.same)
    return results


def _settle(job, result: Result, failed: dict, same: set) -> None:
    """Correct a result by what happened when its chunk's writes were put in place:
    `failed` maps each path not written to why, `same` holds paths that already held
    the bytes (a poster file identical to ours, a post another run rewrote the same)."""
    post = os.path.abspath(job.post)
    poster = (
        os.path.abspath(os.path.join(job.out_dir, os.path.basename(result.file)))
        if result.file and getattr(job, "out_dir", None)
        else None
    )
    if poster in same and result.status == "extracted":
        result.status, result.written = "unchanged", 0  # it appeared meanwhile, identical
    poster_exc = failed.get(poster) if poster else None
    post_exc = failed.get(post)
    if poster_exc is not None:
        result.status, result.written, result.rewritten, result.poster = "failed", 0, False, None
        result.message = f"{result.file}: {poster_exc.message}"
        if getattr(job, "rewrite", False):
            result.message += "; the post was left as it was"
        result.hint = poster_exc.hint
    elif post_exc is not None:
        result.status, result.rewritten, result.poster = "failed", False, None
        about_poster = post_exc.path is not None and os.path.abspath(post_exc.path) == poster
        text = f"{result.file}: {post_exc.message}" if about_poster else post_exc.message
        result.message = (
            f"poster extracted, but the post was not rewritten: {text}"
            if getattr(job, "rewrite", False)
            else text
        )
        result.hint = post_exc.hint
    elif post in same and result.rewritten:
        result.rewritten, result.already = False, True


STATUSES = ("extracted", "unchanged", "embedded", "skipped", "failed")


def summarize(results: Iterable[Result]) -> dict:
    """Counts per status, posts rewritten and poster bytes written."""
    summary = {status: 0 for status in STATUSES}
    summary["rewritten"] = 0
    summary["bytes_written"] = 0
    for result in results:
        summary[result.status] = summary.get(result.status, 0) + 1
        summary["rewritten"] += int(result.rewritten)
        summary["bytes_written"] += result.written
    return summary
