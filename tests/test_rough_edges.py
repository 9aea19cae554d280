"""Small things a new user notices (the consistency issue's list), each checked on the CLI."""

from __future__ import annotations

import os

from conftest import EXAMPLE_SITE, run_process
from filmcli.model.post import Post

POSTER = EXAMPLE_SITE.parent / "her.jpg"
NEW = ("new", "-t", "Past Lives", "-d", "Celine Song", "-p", POSTER)


def test_a_year_past_the_upper_bound_says_which_bound(site, run):
    result = run("-L", site, *NEW, "--year", "3000")
    assert result.exit_code == 2 and "at most next year" in result.stderr
    assert "min_year" not in result.stderr
    low = run("-L", site, *NEW, "--year", "1700")
    assert low.exit_code == 2 and "min_year" in low.stderr


def test_a_poster_url_says_urls_need_a_download(site, run):
    result = run("-L", site, *NEW, "--year", "2023", "-p", "https://example.com/p.jpg")
    assert result.exit_code == 1 and "not a URL" in result.stderr
    assert "https:/example" not in result.stderr


def test_a_poster_that_is_a_fifo_or_a_device_is_refused_at_once(site, tmp_path):
    fifo = tmp_path / "fifo.jpg"
    os.mkfifo(fifo)
    for source in (fifo, "/dev/zero"):
        result = run_process("-L", site, *NEW[:-1], source, "--year", "2023", timeout=30)
        assert result.returncode == 1 and b"not a regular file" in result.stderr


def test_one_film_is_one_film(site, run, tmp_path):
    lib = tmp_path / "one"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: t\n")
    (lib / "_posts" / "2013-12-18-her.md").write_bytes(
        (site / "_posts" / "2013-12-18-her.md").read_bytes()
    )
    result = run("-L", lib, "list", "-F", "table")
    assert "1 film" in result.stdout and "1 films" not in result.stdout


def test_a_folder_without_posts_says_so_and_exits_1(site, run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ("list", "parse", "validate", "export"):
        result = run("-L", site, command, empty)
        assert result.exit_code == 1, command
        assert "no posts in this folder" in result.stderr, command


def test_new_set_writes_extra_keys_as_set_does(site, run):
    result = run(
        "-L",
        site,
        *NEW,
        "--year",
        "2023",
        "--set",
        "rating=4.5",
        "--set",
        "tags=[drama, romance]",
        "--set",
        "seen=2024-01-05",
        "--date",
        "2024-01-05",
    )
    assert result.exit_code == 0, result.stderr
    post = Post.read(site / "_posts" / "2024-01-05-past-lives.md")
    assert post.front_matter["rating"] == 4.5 and post.front_matter["tags"] == ["drama", "romance"]
    assert str(post.front_matter["seen"]) == "2024-01-05"
    clash = run("-L", site, *NEW, "--year", "2023", "--set", "title=Other")
    assert clash.exit_code == 2 and "--title" in clash.stderr


def test_config_get_unset_and_set_fills_inits_commented_block(tmp_path, run):
    import tomllib

    blog = tmp_path / "blog"
    assert run("init", blog).exit_code == 0
    before = (blog / "filmcli.toml").read_text()
    assert run("-L", blog, "config", "set", "poster.max_width", "500").exit_code == 0
    after = (blog / "filmcli.toml").read_text()
    assert after.count("[poster]") == 1 and "\n[poster]\n" in after
    assert "max_width = 500\n" in after and "# max_width" not in after
    assert len(after.splitlines()) == len(before.splitlines())  # filled in, not appended
    assert tomllib.loads(after)["poster"] == {"max_width": 500}
    got = run("-L", blog, "config", "get", "poster.max_width")
    assert got.exit_code == 0 and got.stdout == "500\n"
    assert run("-L", blog, "config", "get", "poster.dir").stdout == "assets/posters\n"
    assert run("-L", blog, "config", "get", "no.such").exit_code == 2
    unset = run("-L", blog, "config", "unset", "poster.max_width")
    assert unset.exit_code == 0 and "400" in unset.stderr
    assert run("-L", blog, "config", "get", "poster.max_width").stdout == "400\n"


def test_add_errors_say_the_line_once(site, run):
    result = run("-L", site, "add", "-", "--from", "jsonl", input='{"title": 5}\n')
    assert result.exit_code == 1
    assert "error: -:1: no year" in result.stderr and "line 1:" not in result.stderr
