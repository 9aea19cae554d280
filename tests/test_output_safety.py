"""Output that cannot be turned against its reader: no escape sequences or injected lines
from post data, file names or settings (issue 9 item 14), no spreadsheet formulas in
csv-safe exports (15), no UnicodeEncodeError on a non-UTF-8 stdout (20), and no raw
Pillow/libtiff chatter on stderr (21).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import run_process

#: An OSC 52 clipboard write, a window-title change, a C1 OSC (U+009D), rich markup and a
#: newline that would make a GitHub Actions log run `::error::`.
EVIL_TITLE = r"Her\e]52;c;aGk=\a\n::error::pwned [bold]x[/bold] \x9d\e]0;t\a"
EVIL_DIRECTOR = r"Spike\e]0;title\a \x9d [red]Jonze[/red]"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # any C0 but tab/newline, DEL, any C1


def _post(path: Path, title: str, director: str, year: int = 2013, extra: str = "") -> None:
    path.write_text(
        f'---\nlayout: post\ntitle: "{title}"\ndirector: "{director}"\n'
        f"year: {year}\n{extra}---\nA review.\n",
        encoding="utf-8",
    )


@pytest.fixture
def evil(library: Path) -> Path:
    posts = library / "_posts"
    _post(posts / "2013-12-18-her.md", EVIL_TITLE, EVIL_DIRECTOR, extra='"k\\e[31m": 1\n')
    _post(posts / "2013-12-19-her-again.md", EVIL_TITLE, EVIL_DIRECTOR)  # FC203: same film
    (posts / "2013-01-01-bad\x1b]0;t\x07.md").write_text("---\ntitle: x\n")  # unclosed
    return library


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FILMCLI_LIBRARY", "FORCE_COLOR")}
    env.update(NO_COLOR="1", PYTHONPATH=str(Path(__file__).resolve().parent.parent), **extra)
    return env


def _clean(out: bytes) -> str:
    text = out.decode("utf-8")
    assert not RAW.search(text), RAW.search(text)
    return text


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "-F", "github"],
        ["stats"],
        ["list", "-F", "table"],
        ["list", "-F", "csv"],
        ["list", "-F", "tsv"],
        ["list"],
        ["list", "-F", "json"],
        ["list", "-F", "jsonl"],
        ["parse", "_posts/2013-12-18-her.md"],
        ["parse", "-F", "json", "_posts/2013-12-18-her.md"],
        ["parse", "-F", "toml", "_posts/2013-12-18-her.md"],
        ["extract-posters", "--dry-run"],
        ["export", "-F", "csv"],
        ["export", "-F", "json"],
    ],
)
def test_no_raw_controls_reach_the_output(evil, args):
    done = run_process(*args, cwd=evil, env=_env())
    out, err = _clean(done.stdout), _clean(done.stderr)
    assert "Traceback" not in err
    if args[0] != "parse":  # the file name, shown, never run
        assert "bad\\x1b]0;t\\x07.md" in err + out
    if args[0] == "validate" and "github" not in args:
        # the newline in the title stays in its line: no `::error::` line of its own
        assert not any(line.startswith("::") for line in out.splitlines())
        assert "FC203" in out and "\\n::error::pwned" in out
        assert "'k\\x1b[31m'" in out  # FC208 names the key, escaped
    if args == ["validate", "-F", "github"]:
        assert all(line.startswith(("::error ", "::warning ")) for line in out.splitlines())
    if args[0] == "stats":
        assert "Spike\\x1b]0;title\\x07 \\x9d [red]Jonze[/red]" in out  # no markup run
    if args == ["list", "-F", "table"]:
        assert "[bold]x[/bold]" in out  # markup shown as text, not interpreted


def test_visible_is_the_one_escaper():
    from filmcli.text import visible

    assert visible("a\x1b]0;t\x07\nb\tc\x9d\u202e\udcff") == (
        "a\\x1b]0;t\\x07\\nb\\tc\\x9d\\u202e\\xff"
    )
    assert visible("one\r\ntwo\n\tthree\rover\x1b", lines=True) == ("one\ntwo\n\tthree\\rover\\x1b")
    assert visible("[bold]x[/bold]", markup=True) == "\\[bold]x\\[/bold]"
    assert visible(2013) == "2013"


def test_config_show_escapes_keys_and_values(library):
    (library / "filmcli.toml").write_text(
        '[defaults.front_matter]\n"k\\u001b]0;t\\u0007" = "v\\u009d"\n'
    )
    done = run_process("config", "show", cwd=library, env=_env())
    out = _clean(done.stdout)
    assert done.returncode == 0, done.stderr
    assert "k\\x1b]0;t\\x07" in out or "k\\u001b]0;t\\u0007" in out
    for fmt in ("json", "toml"):
        _clean(run_process("config", "show", "-F", fmt, cwd=library, env=_env()).stdout)


def test_machine_formats_stay_exact(evil):
    """JSON keeps every character (as escapes); TSV escapes are reversible."""
    done = run_process("list", "-F", "json", cwd=evil, env=_env())
    records = json.loads(done.stdout)
    title = "Her\x1b]52;c;aGk=\x07\n::error::pwned [bold]x[/bold] \x9d\x1b]0;t\x07"
    assert {r["title"] for r in records} == {title}
    done = run_process("list", "-F", "tsv", "--fields", "title", cwd=evil, env=_env())
    line = _clean(done.stdout).splitlines()[1]
    assert line == r"Her\x1b]52;c;aGk=\x07\n::error::pwned [bold]x[/bold] \x9d\x1b]0;t\x07"


def test_list_json_never_emits_nan(library):
    _post(
        library / "_posts" / "2013-12-18-her.md",
        "Her",
        "Spike Jonze",
        extra="rating: .nan\nscore: -.inf\n",
    )
    for fmt in ("json", "jsonl"):
        done = run_process("list", "-F", fmt, cwd=library, env=_env())
        assert done.returncode == 0, done.stderr
        text = done.stdout.decode()
        assert "NaN" not in text.replace('"NaN"', "") and "Infinity" not in text.replace(
            '"-Infinity"', ""
        )
        record = json.loads(text.splitlines()[0] if fmt == "jsonl" else text)
        record = record if fmt == "jsonl" else record[0]
        assert (record["rating"], record["score"]) == ("NaN", "-Infinity")
        json.loads(
            text.splitlines()[0] if fmt == "jsonl" else text,
            parse_constant=lambda c: pytest.fail(f"not JSON: {c}"),
        )


FORMULAS = [
    '=HYPERLINK(\\"http://x\\",\\"y\\")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "-2+3",
    "'=already quoted",
    "\\t=tab",
]


@pytest.fixture
def formulas(library: Path) -> Path:
    for i, title in enumerate(FORMULAS, 1):
        _post(
            library / "_posts" / f"2001-01-0{i}-f{i}.md",
            title,
            "=Dir",
            2000 + i,
            extra=f'"=key{i}": "@v"\n',
        )
    return library


def _cells(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_csv_is_safe_by_default_and_add_reads_it_back_exactly(formulas, tmp_path):
    done = run_process("export", "-F", "csv", cwd=formulas, env=_env())
    assert done.returncode == 0, done.stderr
    rows = _cells(done.stdout.decode())
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert '\'=HYPERLINK("http://x","y")' in {c for row in rows for c in row}
    assert "''=already quoted" in {c for row in rows for c in row}
    export = tmp_path / "films.csv"
    export.write_bytes(done.stdout)
    target = tmp_path / "target"
    (target / "_posts").mkdir(parents=True)
    (target / "_config.yml").write_text("title: t\n")
    added = run_process("add", str(export), cwd=target, env=_env())
    assert added.returncode == 0, added.stderr
    for post in (formulas / "_posts").iterdir():
        assert (target / "_posts" / post.name).read_bytes() == post.read_bytes(), post.name


def test_export_no_csv_safe_and_list_are_exact(formulas):
    done = run_process("export", "-F", "csv", "--no-csv-safe", cwd=formulas, env=_env())
    cells = {c for row in _cells(done.stdout.decode()) for c in row}
    assert '=HYPERLINK("http://x","y")' in cells and "=Dir" in cells
    done = run_process("list", "-F", "csv", "--fields", "title,director", cwd=formulas, env=_env())
    cells = {c for row in _cells(done.stdout.decode()) for c in row}
    assert "+cmd|' /C calc'!A0" in cells  # list is exact unless asked
    done = run_process(
        "list", "-F", "csv", "--csv-safe", "--fields", "title,director", cwd=formulas, env=_env()
    )
    cells = {c for row in _cells(done.stdout.decode()) for c in row}
    assert {"'+cmd|' /C calc'!A0", "'=Dir", "'@SUM(1+1)*cmd", "'-2+3"} <= cells
    assert "'=already quoted" in cells  # list's csv-safe is one-way: no prefix to undo


def test_export_add_round_trip_keeps_control_characters(evil, tmp_path):
    """Controls travel as JSON escapes (in CSV: JSON text cells), and come back exact."""
    (evil / "_posts" / "2013-01-01-bad\x1b]0;t\x07.md").unlink()
    (evil / "_posts" / "2013-12-19-her-again.md").unlink()  # the same film: add --force
    for fmt in ("csv", "json", "jsonl", "toml"):
        done = run_process("export", "-F", fmt, cwd=evil, env=_env())
        assert done.returncode == 0, done.stderr
        _clean(done.stdout)
        export = tmp_path / f"films.{fmt}"
        export.write_bytes(done.stdout)
        target = tmp_path / f"target-{fmt}"
        (target / "_posts").mkdir(parents=True)
        (target / "_config.yml").write_text("title: t\n")
        added = run_process("add", str(export), cwd=target, env=_env())
        assert added.returncode == 0, added.stderr
        # the same values (YAML may spell `\e` as `\x1b`: the writer's choice)
        assert _parsed(target) == _parsed(evil), fmt


def _parsed(site: Path) -> list:
    done = run_process("list", "-F", "json", cwd=site, env=_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- item 20: output encodings -----------------------------------------------------------

NOT_UTF8 = [
    {"PYTHONIOENCODING": "ascii"},
    {"PYTHONIOENCODING": "cp1252"},
    {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
]
HUMAN = [
    ["stats"],
    ["list", "-F", "table"],
    ["validate"],
    ["parse", "_posts/2001-04-25-amelie.md"],
    ["config", "show"],
    ["extract-posters", "--dry-run"],
    ["list", "-F", "json", "-w", "title=x"],
]
DATA = [
    ["list"],
    ["list", "-F", "json"],
    ["list", "-F", "csv"],
    ["list", "-F", "jsonl"],
    ["validate", "-F", "json"],
    ["validate", "-F", "github"],
    ["stats", "-F", "json"],
    ["parse", "-F", "json", "_posts/2001-04-25-amelie.md"],
    ["parse", "-F", "toml", "_posts/2001-04-25-amelie.md"],
    ["export"],
    ["export", "-F", "csv"],
    ["config", "show", "-F", "toml"],
    ["extract-posters", "--dry-run", "-F", "json"],
]


@pytest.fixture
def accents(library: Path) -> Path:
    _post(library / "_posts" / "2013-12-18-her.md", "Her", "Spike Jonze", 2013)
    _post(library / "_posts" / "2001-04-25-amelie.md", "Amélie", "Jean-Pierre Jeunet", 2001)
    (library / "_posts" / "2001-01-01-ü.md").write_text("---\ntitle: x\n")  # an error line
    return library


def _utf8_env(**extra) -> dict:
    env = _env(**extra)
    env.pop("LC_ALL", None)
    return env


@pytest.mark.parametrize("encoding", NOT_UTF8, ids=lambda e: "-".join(e.values()))
def test_no_command_crashes_on_a_non_utf8_stdout(accents, encoding):
    codec = encoding.get("PYTHONIOENCODING", "ascii")
    for args in HUMAN:
        done = run_process(*args, cwd=accents, env=_env(**encoding))
        err = done.stderr.decode(codec)
        assert "UnicodeEncodeError" not in err and "Traceback" not in err, (args, err)
        assert done.returncode in (0, 1), (args, err)
        out = done.stdout.decode(codec)  # written in the terminal's own encoding
        if args[0] not in ("validate", "parse", "config"):
            assert "error: _posts/2001-01-01-" in err, args
        if args == ["validate"]:
            assert "_posts/2001-01-01-" in out
        if args == ["stats"] and codec == "ascii":
            assert "2001-2013" in out  # filmcli's own en dash, degraded
        if args == ["list", "-F", "table"]:
            assert ("Am?lie" if codec == "ascii" else "Amélie") in out


@pytest.mark.parametrize("encoding", NOT_UTF8, ids=lambda e: "-".join(e.values()))
def test_machine_formats_are_utf8_whatever_the_locale(accents, encoding):
    for args in DATA:
        done = run_process(*args, cwd=accents, env=_env(**encoding))
        want = run_process(*args, cwd=accents, env=_utf8_env(PYTHONIOENCODING="utf-8"))
        assert "Traceback" not in done.stderr.decode("utf-8", "replace"), args
        assert done.returncode == want.returncode, (args, done.stderr)
        assert done.stdout == want.stdout, args  # the very same UTF-8 bytes
        if "amelie" in " ".join(args) or args[0] in ("list", "export"):
            assert "Amélie" in done.stdout.decode("utf-8"), args


# --- item 21: Pillow's warnings and libtiff's messages ----------------------------------


def noisy_tiff() -> bytes:
    """An LZW TIFF (decoded by libtiff, which prints on fd 2) with a broken strip, and a
    tag whose data runs past the end (Pillow warns "Tag data larger than file")."""
    import io
    import struct

    from PIL import Image, TiffImagePlugin

    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[65000] = "private"
    info.tagtype[65000] = 2
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), "navy").save(buf, "TIFF", compression="tiff_lzw", tiffinfo=info)
    data = bytearray(buf.getvalue())
    for i in range(8, 40):  # the strip: LZW codes libtiff cannot decode
        data[i] = 0xFF
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, at)[0] == 65000:
            struct.pack_into("<I", data, at + 4, 1_000_000)  # count: far past the end
    return bytes(data)


def corrupt_exif_jpeg() -> bytes:
    """A good JPEG whose EXIF block is broken: Pillow warns "Corrupt EXIF data"."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 60), "teal").save(
        buf,
        "JPEG",
        exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x05\x00\x0f\x01\x02\x00"
        b"\x30\x00\x00\x00\xff\xff\xff\x7f",
    )
    return buf.getvalue()


#: libtiff's own text may end filmcli's error line ("decoder error -2; libtiff: Using code
#: not yet in table."); never a line of its own, a path or a Python warning.
CHATTER = ("site-packages", "Warning", "warnings.warn", "BytesIO", "tempfile.tif", "Traceback")


def _quiet(err: bytes) -> str:
    text = err.decode("utf-8")
    for word in CHATTER:
        assert word not in text, text
    for line in text.splitlines():
        assert (
            line.startswith(("error: ", "warning: ", "hint: "))
            or not line.strip()
            or re.fullmatch(r"\d+ errors?, \d+ warnings?", line)
            or re.fullmatch(r"wrote \S+: \d+ of \d+ posters, .* tiles, .* px, .*", line)
        ), line
    return text


def test_decoders_never_print_raw_on_stderr(library, tmp_path):
    import base64

    for name, data in (("noisy.tif", noisy_tiff()), ("exif.jpg", corrupt_exif_jpeg())):
        (tmp_path / name).write_bytes(data)
    uri = "data:image/tiff;base64," + base64.b64encode(noisy_tiff()).decode()
    _post(library / "_posts" / "2013-12-18-her.md", "Her", "Spike Jonze", extra=f"poster: {uri}\n")
    done = run_process("validate", cwd=library, env=_env())
    err = _quiet(done.stderr)
    assert "FC107" in done.stdout.decode() and "2013-12-18-her.md" in done.stdout.decode()
    assert done.returncode == 1, err
    done = run_process("show", "her", "--protocol", "blocks", cwd=library, env=_env())
    assert "her.md" in _quiet(done.stderr)  # the post's own one-line warning
    done = run_process("wall", "-o", str(tmp_path / "wall.png"), cwd=library, env=_env())
    assert "her.md" in _quiet(done.stderr)
    done = run_process(
        "new",
        "-t",
        "Yes",
        "-d",
        "Sally Potter",
        "--year",
        "2004",
        "--poster",
        str(tmp_path / "noisy.tif"),
        cwd=library,
        env=_env(),
    )
    assert done.returncode == 1 and "noisy.tif" in _quiet(done.stderr)
    done = run_process(
        "new",
        "-t",
        "Orlando",
        "-d",
        "Sally Potter",
        "--year",
        "1992",
        "--poster",
        str(tmp_path / "exif.jpg"),
        cwd=library,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    _quiet(done.stderr.replace(b"poster: ", b"warning: "))


def test_validate_workers_catch_decoder_chatter_too(library):
    """Many posters: the decodes run in worker processes (FILMCLI_JOBS=2), which capture
    their own fd 2. Before: two raw lines per poster (a Pillow warning with its
    site-packages path, and libtiff's `tempfile.tif: ...`)."""
    import base64

    uri = "data:image/tiff;base64," + base64.b64encode(noisy_tiff()).decode()
    for i in range(60):
        _post(
            library / "_posts" / f"2013-12-{i % 28 + 1:02d}-her{i}.md",
            f"Her {i}",
            "Spike Jonze",
            1950 + i,
            extra=f"poster: {uri}\n",
        )
    done = run_process("validate", cwd=library, env=_env(FILMCLI_JOBS="2"))
    _quiet(done.stderr)
    out = done.stdout.decode().splitlines()
    assert len([line for line in out if " FC107 " in line]) == 60, out[:3]


def test_per_post_lines_of_embed_and_extract_are_escaped(library):
    import io

    from PIL import Image

    name = "x\x1b]0;t\x07.jpg"
    (library / "assets" / "posters").mkdir(parents=True)
    buf = io.BytesIO()
    Image.new("RGB", (20, 30), "navy").save(buf, "JPEG")
    (library / "assets" / "posters" / name).write_bytes(buf.getvalue())
    post = library / "_posts" / "2013-12-18-her\x1b]0;t\x07.md"
    _post(post, "Her", "Spike Jonze", extra='poster: "/assets/posters/x\\e]0;t\\a.jpg"\n')
    done = run_process("embed-posters", cwd=library, env=_env())
    out = _clean(done.stderr)  # per-post lines are for people: stderr
    assert done.stdout == b""
    assert done.returncode == 0, done.stderr
    assert "x\\x1b]0;t\\x07.jpg" in out and "her\\x1b]0;t\\x07.md" in out
    done = run_process("extract-posters", "--out", "out\x1b]0;t\x07", cwd=library, env=_env())
    out = _clean(done.stderr)
    assert done.returncode == 0, done.stderr
    assert "her\\x1b]0;t\\x07.md" in out and "out\\x1b]0;t\\x07" in out


def test_decoding_captures_and_restores_fd2(capfd):
    """The library helper itself: notes filled, fd 2 given back even when decoding fails,
    and a decompression bomb still raises (callers refuse it)."""
    import io

    from PIL import Image

    from filmcli.model.imageinfo import decoding

    before = os.fstat(2)
    with pytest.raises(OSError):
        with decoding(noisy_tiff()) as notes:
            Image.open(io.BytesIO(noisy_tiff())).load()
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    assert any(n.startswith("libtiff: ") and "tempfile" not in n for n in notes), notes
    assert any(n.startswith("Pillow: Tag data larger than file") for n in notes), notes
    assert notes.suffix().startswith("; ")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    big = io.BytesIO()
    Image.new("L", (300, 300)).save(big, "PNG")
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 50_000
    try:
        with pytest.raises(Image.DecompressionBombWarning):
            with decoding(big.getvalue()):
                Image.open(io.BytesIO(big.getvalue()))
    finally:
        Image.MAX_IMAGE_PIXELS = limit
