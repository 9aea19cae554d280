"""extract-posters and embed-posters as operations: choose the posts, plan the jobs, run them
(posters.extract does each one), and report what happened as one result a script reads and
the CLI prints (`ExtractReport`, `EmbedReport`; `.to_dict()` is the `--format json` document).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from filmcli.errors import FilmcliError
from filmcli.posters.extract import Result

if TYPE_CHECKING:
    from filmcli.store.library import Store

#: what each reason a post is skipped for is called in the text summary
SKIP_LABELS = {
    "path": "already point at files",
    "url": "point at URLs",
    "none": "without a poster",
    "not-text": "with a poster that is not text",
    "embedded": "already embedded",
}


@dataclass
class PosterReport:
    """What one run did, post by post (`results`, one `posters.extract.Result` each, in path
    order), with the counts `summary` gives (`extracted`, `unchanged`, `embedded`,
    `skipped`, `failed`, `rewritten`, `bytes_written`...)."""

    results: list[Result] = field(default_factory=list)
    dry_run: bool = False
    none_chosen: bool = False  # the filters chose no film: no job was run

    command = ""

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    @property
    def already(self) -> int:
        """Posts another run had already changed as this one would (no failure)."""
        return sum(1 for r in self.results if r.already)

    @property
    def skip_reasons(self) -> dict[str, int]:
        """How many posts were skipped for each reason, in the order first met."""
        counts: dict[str, int] = {}
        for result in self.results:
            if result.status == "skipped":
                counts[result.reason or "?"] = counts.get(result.reason or "?", 0) + 1
        return counts

    def skipped_text(self) -> str:
        """`16 skipped (16 already point at files)`."""
        counts = self.skip_reasons
        total = self.count("skipped")
        if not counts:
            return f"{total} skipped"
        parts = ", ".join(f"{n} {SKIP_LABELS.get(why, why)}" for why, n in counts.items())
        return f"{total} skipped ({parts})"

    @property
    def summary(self) -> dict:
        """The counts (each kind of report has its own)."""
        raise NotImplementedError

    def _head(self) -> dict:
        return {"dry_run": self.dry_run}

    def to_dict(self) -> dict:
        """The `--format json` document: command, options, summary, and each post's record."""
        return {**self._document(), "posts": [r.to_dict() for r in self.results]}

    def _document(self) -> dict:
        return {"command": self.command, **self._head(), "summary": self.summary}

    def to_json(self) -> str:
        """`to_dict()` as `formats.dumps_json` writes it (indent 2), byte for byte."""
        return "".join(self.json_chunks())

    def json_chunks(self) -> Iterator[str]:
        """`to_json()` in pieces, one per post's record, made as they are written: no
        list of 100,000 records nor their text held at once (issue 16). Each flat record of
        text, ints and booleans is written with the C string encoder, in exactly the layout
        json.dumps(..., indent=2) gives it (the pure-Python indenting encoder took most of
        a second at 10,000 posts)."""
        from filmcli.ops.formats import dumps_json, json_safe

        head = dumps_json({**self._document(), "posts": []})
        tail = '\n  "posts": []\n}'
        if not self.results or not head.endswith(tail):
            yield dumps_json(self.to_dict()) + "\n"
            return
        yield head[: -len(tail)] + '\n  "posts": [\n'
        comma = ""
        for result in self.results:
            record = result.to_dict()
            text = _json_record(record)
            if text is None:  # not the flat record expected: json.dumps, indented to depth 2
                text = "\n".join("    " + line for line in dumps_json(record).split("\n"))
            yield comma + json_safe(text)
            comma = ",\n"
        yield "\n  ]\n}\n"


@dataclass
class ExtractReport(PosterReport):
    """extract-posters: also the output `folder` and whether posts were `rewrite`n."""

    folder: Path | None = None
    out: str = ""  # the folder relative to the library, as the JSON names it
    rewrite: bool = False

    command = "extract-posters"

    @property
    def summary(self) -> dict:
        from filmcli.posters.extract import summarize

        summary = summarize(self.results)
        summary.pop("embedded")
        return summary

    def _head(self) -> dict:
        return {"out": self.out, "dry_run": self.dry_run, "rewrite": self.rewrite}


@dataclass
class EmbedReport(PosterReport):
    """embed-posters: also `bytes_embedded`, the image bytes put into posts."""

    command = "embed-posters"

    @property
    def bytes_embedded(self) -> int:
        return sum(r.size or 0 for r in self.results if r.status == "embedded")

    @property
    def summary(self) -> dict:
        from filmcli.posters.extract import summarize

        summary = summarize(self.results)
        summary.pop("extracted")
        summary.pop("unchanged")
        summary["bytes_written"] = 0
        summary["bytes_embedded"] = self.bytes_embedded
        return summary


def choose_paths(
    library: Store,
    paths: Sequence[str | os.PathLike] = (),
    *,
    where: Sequence[str] = (),
    search: str | None = None,
    sort: Sequence[str] = (),
    reverse: bool = False,
    limit: int | None = None,
    drafts: bool = False,
) -> list[str] | None:
    """The post files a path-based command works on: without filters the paths as given;
    with them the chosen posts' files in the chosen order, then every file that could not
    be read (so the run still reports it). None when the filters chose no post at all."""
    from filmcli.ops.query import select

    files: list[str] = [os.fspath(p) for p in paths]
    chooses = bool(where or search or sort or reverse or limit is not None)
    if not chooses and not drafts:
        return files
    unreadable: list[str] = []

    def posts():
        for item in library.iter_posts(files, drafts=drafts):
            if isinstance(item, FilmcliError):
                if item.path is not None:
                    unreadable.append(item.path)
            else:
                yield item

    chosen = [str(post.path) for post in select(posts(), where, search, sort, reverse, limit)]
    targets = chosen + [p if os.path.isabs(p) else str(library.root / p) for p in unreadable]
    return None if chooses and not targets else targets


_Report = TypeVar("_Report", bound=PosterReport)


def _run(jobs, work, report: _Report, on_start, on_result) -> _Report:
    from filmcli.posters.extract import run

    if on_start is not None:
        on_start(len(jobs))
    for result in run(jobs, work):
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report


def extract_posters(
    library: Store,
    targets: list[str] | None,
    *,
    out: str | None = None,
    rewrite: bool = False,
    force: bool = False,
    dry_run: bool = False,
    digest: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> ExtractReport:
    """Write each embedded poster of the posts `targets` names (None: the filters chose
    none) to its file; see `Library.extract_posters`."""
    from filmcli.posters.extract import extract_one, plan_extract

    jobs, folder = plan_extract(
        library,
        targets or [],
        out=out,
        rewrite=rewrite,
        dry_run=dry_run,
        force=force,
        digest=digest,
    )
    report = ExtractReport(
        dry_run=dry_run,
        none_chosen=targets is None,
        folder=folder,
        out=library.relpath(folder),
        rewrite=rewrite,
    )
    return _run([] if targets is None else jobs, extract_one, report, on_start, on_result)


def embed_posters(
    library: Store,
    targets: list[str] | None,
    *,
    dry_run: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> EmbedReport:
    """Embed the poster files the posts `targets` names point at; see
    `Library.embed_posters`."""
    from filmcli.posters.extract import embed_one, plan_embed

    jobs = [] if targets is None else plan_embed(library, targets, dry_run=dry_run)
    report = EmbedReport(dry_run=dry_run, none_chosen=targets is None)
    return _run(jobs, embed_one, report, on_start, on_result)


# --- the JSON report, fast ------------------------------------------------------------


def _json_record(record: dict) -> str | None:
    """One flat record at depth 2 of an indent-2 document, as json.dumps writes it.

    None when a value is not text, an int or a boolean (the caller then uses json.dumps).
    """
    from json.encoder import encode_basestring  # the C encoder when available

    if not record:
        return "    {}"
    lines = []
    for key, value in record.items():
        if value is True:
            text = "true"
        elif value is False:
            text = "false"
        elif isinstance(value, str):
            text = encode_basestring(value)
        elif type(value) is int:
            text = int.__repr__(value)
        else:
            return None
        lines.append(f"      {encode_basestring(key)}: {text}")
    return "    {\n" + ",\n".join(lines) + "\n    }"
