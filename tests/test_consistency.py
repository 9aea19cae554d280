"""One tool: every short flag means one thing, messages on stderr, one exit-code table."""

from __future__ import annotations

import json
import os

import pytest
from typer.main import get_command

from conftest import run_process
from filmcli.cli import app


def _commands(command=None, path=()):
    command = command or get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def flag_table() -> dict[str, dict[str, list[str]]]:
    """short flag -> {long name it means -> [commands]}, from the real Typer app."""
    table: dict[str, dict[str, list[str]]] = {}
    for path, command in _commands():
        for param in command.params:
            if getattr(param, "param_type_name", "") != "option":
                continue
            names = [*param.opts, *param.secondary_opts]
            longs = [n for n in names if n.startswith("--")]
            for short in (n for n in names if not n.startswith("--")):
                meaning = longs[0] if longs else param.name
                table.setdefault(short, {}).setdefault(meaning, []).append(
                    " ".join(path) or "filmcli"
                )
    return table


def test_every_short_flag_means_one_long_name_in_every_command():
    table = flag_table()
    clashes = {short: meanings for short, meanings in table.items() if len(meanings) > 1}
    assert clashes == {}
    meaning = {short: next(iter(m)) for short, m in table.items()}
    # the commonest conventions (rsync, git, apt): one meaning for each letter
    assert meaning["-n"] == "--dry-run"
    assert meaning["-f"] == "--force"
    assert meaning["-o"] == "--output"
    assert meaning["-y"] == "--yes"
    assert meaning["-w"] == "--where"
    assert meaning["-L"] == "--library"
    assert "--limit" not in meaning.values() and "--fields" not in meaning.values()


def test_the_filters_are_the_same_options_on_every_command_that_reads_many_films():
    commands = dict(_commands())
    shared = None
    for name in ("list", "wall", "export", "stats", "validate", "extract-posters", "embed-posters"):
        options = {
            tuple(p.opts): (p.multiple, p.is_flag, p.metavar)
            for p in commands[(name,)].params
            if set(p.opts) & {"--where", "--search", "--sort", "--reverse", "--limit", "--drafts"}
        }
        assert len(options) == 6, name
        assert shared is None or options == shared, name
        shared = options


def test_old_spellings_still_work_but_are_not_shown(run, site, tmp_path):
    out = tmp_path / "posters"
    old = run("-L", site, "extract-posters", "--out", out, "--dry-run", "--format", "json")
    assert old.exit_code == 0, old.stderr
    assert json.loads(old.stdout)["out"] == str(out)
    new = run("-L", site, "extract-posters", "-o", out, "--dry-run", "--format", "json")
    assert json.loads(new.stdout)["out"] == str(out)
    assert "--out " not in run("extract-posters", "--help").stdout
    both = run("-L", site, "extract-posters", "-o", out, "--out", tmp_path / "other", "-n")
    assert both.exit_code == 2 and both.stderr.startswith("error: give the folder once")


@pytest.mark.parametrize(
    "args, first",
    [
        (["show"], "error: missing argument FILM"),
        (["config", "get"], "error: missing argument KEY"),
        (["wall"], "error: missing option --output"),
        (["config", "gte"], "error: no such command 'gte'; did you mean 'get'?"),
        (["lst"], "error: no such command 'lst'; did you mean 'list' or 'set'?"),
        (["list", "--bogus"], "error: no such option --bogus"),
        (["list", "--limt", "2"], "error: no such option --limt; did you mean --limit?"),
        (["list", "--limit", "-1"], "error: --limit: must be at least 0"),
        (["list", "--limit", "x"], "error: --limit: must be a whole number, not 'x'"),
        (["show", "her", "--width", "0"], "error: --width: must be at least 1"),
        (["list", "--format"], "error: --format needs a value"),
        (["new", "--year", "abc", "-t", "x"], "error: --year: must be a whole number, not 'abc'"),
    ],
)
def test_usage_errors_are_filmcli_lines_exit_2(seed_site, args, first):
    done = run_process("-L", seed_site, *args, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.splitlines()[0] == first, err
    assert len(err.splitlines()) == 1 or err.splitlines()[-1].startswith("hint: try 'filmcli")
    assert done.stdout == b"" and "Traceback" not in err


def test_global_options_work_after_the_command(seed_site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = run_process("-L", seed_site, "list", "-F", "json", cwd=elsewhere, timeout=60)
    for args in (
        ["list", "-F", "json", "-L", seed_site],
        ["list", "-F", "json", f"--library={seed_site}", "--no-cache", "--no-color"],
        ["list", "--debug", "-F", "json", "--library", seed_site],
    ):
        done = run_process(*args, cwd=elsewhere, timeout=60)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout == before.stdout
    stats = run_process("stats", "-L", seed_site, "-F", "json", cwd=elsewhere, timeout=60)
    assert json.loads(stats.stdout)["films"] == 1
    for args in (
        ["config", "show", "-L", seed_site, "-F", "json"],
        ["config", "-L", seed_site, "--debug", "show", "-F", "json"],
    ):
        config = run_process(*args, cwd=elsewhere, timeout=60)
        assert config.returncode == 0, config.stderr
        assert json.loads(config.stdout)
    # a value that looks like a global option is still the value of its own option
    search = run_process(
        "list", "-F", "json", "--search", "--debug", "-L", seed_site, cwd=elsewhere, timeout=60
    )
    assert search.returncode == 0 and json.loads(search.stdout) == []
    # after `--`, nothing is an option
    rest = run_process("-L", seed_site, "parse", "--", "--debug", cwd=elsewhere, timeout=60)
    assert rest.returncode == 1 and b"--debug" in rest.stderr


def _paths(text: str, root, gone: bool = False) -> None:
    """Each stdout line is a file the command wrote (or removed): data for `$(...)`."""
    lines = text.splitlines()
    assert lines, "no path on stdout"
    for line in lines:
        assert ((root / line).exists() or os.path.exists(line)) != gone, line


def test_data_on_stdout_and_every_message_on_stderr_in_every_command(
    run, site, tmp_path, monkeypatch
):
    """Each command once, stdout and stderr captured apart: stdout holds only data (records,
    the page, the paths written), never a sentence for people; those are on stderr."""
    monkeypatch.chdir(site)
    export = tmp_path / "films.json"
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/Spike Jonze/S. Jonze/' \"$1\"\n")
    editor.chmod(0o755)
    poster = site.parent / "poster.jpg"
    from PIL import Image

    Image.new("RGB", (40, 60), "navy").save(poster)
    data, nothing, paths = "data", "nothing", "paths"
    steps = [
        (("init", tmp_path / "new-site"), paths, "created "),
        (("list", "-F", "json"), data, None),
        (("list", "-F", "json", "--limit", "1", "--drafts"), data, None),
        (("parse", "her"), data, None),
        (("validate",), nothing, "no problems found"),
        (("validate", "-F", "json"), data, None),
        (("stats", "-F", "json"), data, None),
        (
            (
                "new",
                "--title",
                "Past Lives",
                "--director",
                "Celine Song",
                "--year",
                "2023",
                "--poster",
                poster,
                "--body",
                "Good.",
            ),
            paths,
            "poster: ",
        ),
        (("export", "-o", export), nothing, "exported "),
        (("export", "-F", "jsonl", "--limit", "2"), data, None),
        (("set", "her", "rating=4"), paths, "rating"),
        (("set", "her", "rating=5", "-n"), data, "dry run"),
        (("edit", "her"), paths, "saved"),
        (("rename", "past-lives", "--title", "Past Lives 2"), paths, "moved "),
        (("unpublish", "past-lives-2"), paths, "moved "),
        (("publish", "past-lives-2"), paths, "moved "),
        (("rm", "past-lives-2", "-y"), paths, "removed "),
        (("add", export), paths, "skipped"),  # the removed film comes back
        (("lookup", "Her", "--offline", "-F", "json"), nothing, "error: "),
        (("fill", "her", "--offline"), nothing, "nothing to fill"),
        (("extract-posters", "-o", tmp_path / "posters"), nothing, "extracted "),
        (("extract-posters", "-o", tmp_path / "posters", "-F", "json"), data, None),
        (("embed-posters", "-n"), nothing, "posts: "),
        (("embed-posters", "-n", "-F", "json"), data, None),
        (("show", "her", "--protocol", "blocks"), data, None),
        (("wall", "-o", tmp_path / "wall.png", "--limit", "3"), nothing, "wrote "),
        (("config", "show"), data, None),
        (("config", "set", "poster.max_width", "300"), nothing, "poster.max_width = 300"),
        (("config", "get", "poster.max_width"), data, None),
        (("config", "unset", "poster.max_width"), nothing, "removed poster.max_width"),
        (("cache", "info"), data, None),
        (("cache", "clear"), nothing, "cache"),
        (("completion", "bash"), data, None),
        (("help", "list"), data, None),
    ]
    covered = set()
    for args, out_kind, err_has in steps:
        result = run(*args, env={"VISUAL": str(editor), "EDITOR": str(editor)})
        covered.add(" ".join(map(str, args[: 2 if args[0] in ("config", "cache") else 1])))
        where = (args, result.exit_code, result.stdout[:300], result.stderr[:300])
        assert result.exit_code == (1 if args[0] == "lookup" else 0), where
        if out_kind == nothing:
            assert result.stdout == "", where
        elif out_kind == paths:
            _paths(result.stdout, site, gone=args[0] == "rm")
        else:
            assert result.stdout.strip(), where
            for line in result.stdout.splitlines():  # no sentence for people on stdout
                assert not line.startswith(
                    (
                        "wrote ",
                        "extracted ",
                        "embedded ",
                        "exported ",
                        "error:",
                        "warning:",
                        "hint:",
                        "created ",
                        "removed ",
                        "moved ",
                    )
                ), where
        if err_has:
            assert err_has in result.stderr, where
        if out_kind == data and ("-F", "json") in zip(args, args[1:], strict=False):
            json.loads(result.stdout)
    everything = {
        " ".join(path) for path, command in _commands() if path and not hasattr(command, "commands")
    }
    assert everything <= covered, everything - covered


def test_the_filters_choose_the_same_films_on_every_command(run, site, tmp_path):
    """--where/--search/--sort/--limit/--drafts mean the same on every command reading many."""
    her = ("--where", "title=Her")
    assert [r["title"] for r in json.loads(run("-L", site, "list", "-F", "json", *her).stdout)] == [
        "Her"
    ]
    assert [
        r["title"] for r in json.loads(run("-L", site, "export", "-F", "json", *her).stdout)
    ] == ["Her"]
    assert json.loads(run("-L", site, "stats", "-F", "json", *her).stdout)["films"] == 1
    wall = run("-L", site, "wall", "-o", tmp_path / "w.png", *her)
    assert "1 of 1 posters" in wall.stderr
    for command in ("extract-posters", "embed-posters"):
        done = run("-L", site, command, "-n", "-F", "json", *her)
        assert [p["post"] for p in json.loads(done.stdout)["posts"]] == [
            "_posts/2013-12-18-her.md"
        ], command
    # validate checks only the chosen films (a film it does not choose may be broken)
    broken = site / "_posts" / "2001-01-01-broken.md"
    broken.write_text("---\nlayout: post\ntitle: Broken\nyear: 2001\n---\n")
    assert run("-L", site, "validate").exit_code == 1
    assert run("-L", site, "validate", *her).exit_code == 0
    assert run("-L", site, "validate", "--search", "broken").exit_code == 1
    # sort and limit: the same two films, in the same order
    newest = ("--sort", "-year", "--limit", "2")
    listed = [r["title"] for r in json.loads(run("-L", site, "list", "-F", "json", *newest).stdout)]
    exported = [
        r["title"] for r in json.loads(run("-L", site, "export", "-F", "json", *newest).stdout)
    ]
    assert listed == exported and len(listed) == 2
    assert json.loads(run("-L", site, "stats", "-F", "json", *newest).stdout)["films"] == 2
    # the drafts, on every command that reads many
    drafts = site / "_drafts"
    drafts.mkdir(exist_ok=True)
    (drafts / "soon.md").write_text(
        "---\nlayout: post\ntitle: Soon\ndirector: X\nyear: 2030\n---\n"
    )
    for command in (("list", "-F", "json"), ("export", "-F", "json")):
        plain = {r["title"] for r in json.loads(run("-L", site, *command).stdout)}
        with_drafts = {r["title"] for r in json.loads(run("-L", site, *command, "--drafts").stdout)}
        assert with_drafts - plain == {"Soon"}, command
    nothing = run("-L", site, "extract-posters", "-n", "--where", "year>3000")
    assert nothing.exit_code == 0 and "no films match" in nothing.stderr


def test_the_list_header_names_the_field(run, site):
    table = run("-L", site, "list", "--format", "table", "--fields", "title,path")
    assert table.stdout.splitlines()[0].split() == ["Title", "Path"]


def _solaris_twice(run, site, tmp_path):
    from PIL import Image

    poster = tmp_path / "p.jpg"
    Image.new("RGB", (40, 60), "navy").save(poster)
    for year, who in ((1972, "Andrei Tarkovsky"), (2002, "Steven Soderbergh")):
        assert (
            run(
                "-L",
                site,
                "new",
                "--title",
                "Solaris",
                "--director",
                who,
                "--year",
                str(year),
                "--poster",
                poster,
                "--body",
                "x",
            ).exit_code
            == 0
        )


def test_one_exit_code_table(run, site, tmp_path):
    """0 ok; 1 the data is bad or a film was not found; 2 usage; 130 interrupted."""
    import signal
    import subprocess
    import sys
    import time

    _solaris_twice(run, site, tmp_path)
    assert run("-L", site, "list").exit_code == 0
    assert run("-L", site, "show", "nosuchfilm").exit_code == 1  # not found
    (site / "_posts" / "2001-01-01-bad.md").write_text("---\ntitle: [\n---\n")
    assert run("-L", site, "validate").exit_code == 1  # bad data
    assert run("-L", site, "list", "--bogus").exit_code == 2  # usage
    ambiguous = run("-L", site, "show", "solar")
    assert ambiguous.exit_code == 2 and "1972" in ambiguous.stderr and "2002" in ambiguous.stderr
    for args in (
        ("list", "--where", "ratng>3"),
        ("list", "--sort", "ratng"),
        ("list", "--fields", "title,ratng"),
        ("export", "--sort", "ratng"),
        ("stats", "--where", "ratng=1"),
    ):
        unknown = run("-L", site, *args)
        assert unknown.exit_code == 2 and "known fields: " in unknown.stderr, args
    # a field some post has is no usage error, even where the others lack it
    assert run("-L", site, "set", "solaris", "1972", "rating=5").exit_code == 0
    assert run("-L", site, "list", "--where", "rating>3").exit_code == 1  # the bad post
    (site / "_posts" / "2001-01-01-bad.md").unlink()
    assert run("-L", site, "list", "--where", "rating>3").exit_code == 0
    # interrupted: a real process reading stdin gets SIGINT
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmcli", "-L", str(site), "add", "-", "--from", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines()[-1] == "error: interrupted"
    assert b"Traceback" not in err


def test_a_poster_url_is_a_validate_warning(run, seed_site):
    post = seed_site / "_posts" / "2013-12-18-her.md"
    text = post.read_text()
    start = text.index("poster:")
    end = text.index("\n", start)
    post.write_text(text[:start] + "poster: https://example.com/her.jpg" + text[end:])
    done = run("-L", seed_site, "validate", "-F", "json")
    assert done.exit_code == 0  # a warning: the page still works while that site serves it
    [problem] = json.loads(done.stdout)
    assert problem["rule"] == "FC113" and problem["severity"] == "warning"
    assert "https://example.com/her.jpg" in problem["message"]
    assert "extract-posters" in problem["message"] and problem["line"] > 1
    assert run("-L", seed_site, "validate", "--strict").exit_code == 1
    assert run("-L", seed_site, "validate", "--ignore", "FC113", "--strict").exit_code == 0
    rules = run("validate", "--rules").stdout
    assert "FC113\twarning\t" in rules


def test_export_and_extract_name_poster_files_the_same_way(run, site, tmp_path):
    exported, extracted = tmp_path / "exported", tmp_path / "extracted"
    assert (
        run(
            "-L",
            site,
            "export",
            "-o",
            tmp_path / "films.json",
            "--posters",
            "files",
            "--posters-dir",
            exported,
        ).exit_code
        == 0
    )
    assert run("-L", site, "extract-posters", "-o", extracted).exit_code == 0
    names = sorted(p.name for p in exported.iterdir())
    assert names == sorted(p.name for p in extracted.iterdir())
    assert "her.jpg" in names  # the slug, as extract-posters has always named them
    # one film chosen: the same name as when the whole library is exported
    one = tmp_path / "one"
    run(
        "-L",
        site,
        "export",
        "-o",
        tmp_path / "one.json",
        "--posters",
        "files",
        "--posters-dir",
        one,
        "--where",
        "title=Her",
    )
    assert [p.name for p in one.iterdir()] == ["her.jpg"]


def test_paths_for_people_are_relative_to_the_current_folder_inside_the_library(site, tmp_path):
    from PIL import Image

    posts = site / "_posts"
    poster = tmp_path / "p.jpg"
    Image.new("RGB", (40, 60), "navy").save(poster)
    (posts / "2001-01-01-bad.md").write_text("---\ntitle: [\n---\n")

    def here(*args):
        done = run_process(*args, cwd=posts, timeout=60)
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    code, out, err = here(
        "new",
        "--title",
        "Past Lives",
        "--director",
        "C. Song",
        "--year",
        "2023",
        "--poster",
        poster,
        "--body",
        "x",
        "--date",
        "2024-01-02",
    )
    assert code == 0 and out == "2024-01-02-past-lives.md\n", err
    assert "library:" not in err  # inside the library: the paths say where
    assert (posts / out.strip()).is_file()
    code, out, err = here("set", "past-lives", "rating=4")
    assert out == "2024-01-02-past-lives.md\n", err
    code, out, err = here("rename", "past-lives", "--title", "Past Lives 2", "-n")
    assert "would move 2024-01-02-past-lives.md -> 2024-01-02-past-lives-2.md" in err
    code, out, err = here("validate")
    assert out.startswith("2001-01-01-bad.md:"), out  # text for people: from here
    code, out, err = here("validate", "-F", "json")
    assert json.loads(out)[0]["path"] == "_posts/2001-01-01-bad.md"  # data: from the root
    code, out, err = here("list")
    assert "error: 2001-01-01-bad.md:2: " in err or "error: 2001-01-01-bad.md:3: " in err, err
    code, out, err = here("extract-posters", "-n", "-w", "title~past")
    assert "would extract 2024-01-02-past-lives.md -> ../assets/posters/past-lives.jpg" in err
    code, out, err = here("rm", "past-lives", "-y")
    assert out == "2024-01-02-past-lives.md\n" and not (posts / out.strip()).exists()
    # from the root, and from outside with -L, paths stay relative to the library root
    done = run_process("-L", site, "list", "-F", "paths", cwd=tmp_path, timeout=60)
    assert "error: _posts/2001-01-01-bad.md:" in done.stderr.decode()
