"""`parse`, `stats`, `config` and `completion` through the real CLI."""

from __future__ import annotations

import json
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from conftest import SEED


def test_parse_text_shows_every_field_and_summary(run):
    result = run("parse", SEED)
    assert result.exit_code == 0
    out = result.stdout
    for text in (
        "title",
        "Her",
        "Spike Jonze",
        "2013",
        "JPEG 259×194 7.4 kB (image/jpeg)",
        "366c00f918c856ecbd287ee772edb411c38e0fe65c8c806e28bf5ae840f603b0",
        "A quiet film about connection",
    ):
        assert text in out
    assert "base64" not in out


def test_parse_json_and_poster_data(run):
    record = json.loads(run("parse", SEED, "--format", "json").stdout)
    assert record["poster"] == {
        "source": "data",
        "mime": "image/jpeg",
        "format": "JPEG",
        "bytes": 7393,
        "width": 259,
        "height": 194,
        "sha256": "366c00f918c856ecbd287ee772edb411c38e0fe65c8c806e28bf5ae840f603b0",
    }
    assert record["body"].startswith("A quiet film")
    full = json.loads(run("parse", SEED, "--format", "json", "--poster-data").stdout)
    assert full["poster"].startswith("data:image/jpeg;base64,/9j/")


def test_parse_toml(run):
    doc = tomllib.loads(run("parse", SEED, "--format", "toml").stdout)
    assert doc["post"][0]["title"] == "Her" and doc["post"][0]["poster"]["width"] == 259


def test_parse_missing_file(run):
    result = run("parse", "nope.md")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: nope.md: no such file or folder")


def test_stats(run, site):
    stats = json.loads(run("-L", site, "stats", "--format", "json").stdout)
    assert stats["films"] >= 12
    assert stats["year_min"] <= 1954 and stats["year_max"] >= 2024
    assert sum(stats["per_decade"].values()) == stats["films"]
    assert stats["without_year"] == 0
    assert {"JPEG", "PNG", "WEBP"} <= set(stats["poster_formats"])
    assert 0.5 < stats["poster_share"] < 1
    text = run("-L", site, "stats").stdout
    assert "Films per decade" in text and "█" in text


def test_config_set_keeps_comments(run, tmp_path):
    (tmp_path / "filmcli.toml").write_text('# my blog\nposts_dir = "_posts"  # kept\n')
    result = run("-L", tmp_path, "config", "set", "poster.max_width", "300")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "filmcli.toml").read_text()
    assert "# my blog" in text and "# kept" in text
    assert tomllib.loads(text)["poster"]["max_width"] == 300
    shown = json.loads(run("-L", tmp_path, "config", "show", "--format", "json").stdout)
    assert shown["poster"]["max_width"] == 300 and shown["posts_dir"] == "_posts"


def test_config_set_rejects_bad_values(run, tmp_path):
    bad_type = run("-L", tmp_path, "config", "set", "poster.max_width", "wide")
    assert bad_type.exit_code == 2 and "whole number" in bad_type.stderr
    unknown = run("-L", tmp_path, "config", "set", "colour", "red")
    assert unknown.exit_code == 2 and "unknown setting 'colour'" in unknown.stderr
    assert not (tmp_path / "filmcli.toml").exists()


def test_broken_config_is_one_clear_error(run, tmp_path):
    (tmp_path / "filmcli.toml").write_text("posts_dir = \n")
    result = run("-L", tmp_path, "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "filmcli.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_completion_scripts(run):
    for shell, marker in (
        ("bash", "complete -o"),
        ("zsh", "#compdef filmcli"),
        ("fish", "complete --command filmcli"),
    ):
        result = run("completion", shell)
        assert result.exit_code == 0 and marker in result.stdout, shell
    assert run("completion", "tcsh").exit_code == 2


def test_version_and_help(run):
    assert run("--version").stdout.startswith("filmcli 0.")
    help_text = run("--help").stdout
    for command in ("list", "parse", "validate", "stats", "config", "completion"):
        assert command in help_text


def test_config_set_checks_choices_and_ranges(run, tmp_path):
    fmt = run("-L", tmp_path, "config", "set", "poster.format", "bmp")
    assert fmt.exit_code == 2 and "not a format filmcli can write" in fmt.stderr
    zero = run("-L", tmp_path, "config", "set", "poster.max_width", "0")
    assert zero.exit_code == 2 and "must be 1 or more" in zero.stderr
    ok = run("-L", tmp_path, "config", "set", "poster.format", "webp")
    assert ok.exit_code == 0
    assert tomllib.loads((tmp_path / "filmcli.toml").read_text())["poster"]["format"] == "webp"


def test_stats_counts_films_without_a_usable_year(run, seed_site):
    post = seed_site / "_posts" / "2013-12-18-her.md"
    text = post.read_text()
    (seed_site / "_posts" / "2014-01-01-odd.md").write_text(
        text.replace('title: "Her"', 'title: "Odd"').replace("year: 2013", 'year: "soon"')
    )
    stats = json.loads(run("-L", seed_site, "stats", "--format", "json").stdout)
    assert (stats["films"], stats["without_year"], sum(stats["per_decade"].values())) == (2, 1, 1)
    assert "1 without a usable year" in run("-L", seed_site, "stats").stdout


def test_wrongly_typed_settings_are_one_clear_error(run, tmp_path):
    for text, message in (
        (
            '[validate]\nmax_bytes = "5MB"\n',
            ":2: validate.max_bytes: must be a whole number, not '5MB'",
        ),
        ("validate = 3\n", ":1: validate: must be a table of settings, not 3"),
        (
            '[validate]\nrequired = "title"\n',
            ":2: validate.required: must be a list of text, not 'title'",
        ),
    ):
        (tmp_path / "filmcli.toml").write_text(text)
        result = run("-L", tmp_path, "validate")
        assert result.exit_code == 1, text
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert "internal error" not in result.stderr


def test_github_format_escapes_file_names(run, seed_site):
    (seed_site / "_posts" / "2013-12-18-her.md").rename(
        seed_site / "_posts" / "2013-12-18-her,again.md"
    )
    result = run("-L", seed_site, "validate", "--format", "github", "--select", "FC2")
    assert result.exit_code == 0
    moved = seed_site / "_posts" / "2013-12-18-her,again.md"
    moved.write_text(moved.read_text().replace("year: 2013", "year: 1850"))
    result = run("-L", seed_site, "validate", "--format", "github")
    assert "file=_posts/2013-12-18-her%2Cagain.md,line=5,title=FC103::" in result.stdout


def test_settings_in_the_file_are_checked_like_config_set(run, seed_site):
    """One rule book: a value `config set` refuses is refused in filmcli.toml too, with its line."""
    toml = seed_site / "filmcli.toml"
    for text, line, message in (
        ("# mine\n[poster]\nmax_width = -10\n", 3, "poster.max_width: must be 1 or more"),
        ("[read]\nmax_post_bytes = 0\n", 2, "read.max_post_bytes: must be 1 or more"),
        ('[poster]\nformat = "bmp"\n', 2, "poster.format: 'bmp' is not a format"),
        ("poster = { max_width = 0 }\n", 1, "poster.max_width: must be 1 or more"),
        ("[validate]\nrequired = [1, 2]\n", 2, "validate.required: must be a list of text"),
        (
            "[defaults.front_matter]\nseen = 07:32:00\n",
            2,
            "defaults.front_matter.seen: a time of day",
        ),
        ("[defaults.front_matter]\nscore = nan\n", 2, "defaults.front_matter.score: "),
    ):
        toml.write_text(text)
        for command in (
            ("list",),
            ("new", "-t", "Yes", "--year", "2004", "-d", "Sally Potter", "-n"),
        ):
            result = run("-L", seed_site, *command)
            assert result.exit_code == 1, (text, result.stderr)
            assert result.stderr.startswith(f"error: {toml}:{line}: {message}"), result.stderr
            assert "internal error" not in result.stderr
        # config set refuses the same value, with the same words (and a usage exit)
        key = message.split(":")[0]
        value = text.rsplit("=", 1)[1].strip(" }\n")
        toml.unlink()
        refused = run("-L", seed_site, "config", "set", "--", key, value)
        assert refused.exit_code == 2, (key, value, refused.stderr)
        assert refused.stderr.startswith(f"error: {message}"), refused.stderr
        assert not toml.exists()


def test_config_show_shows_dates_and_datetimes(run, seed_site):
    result = run(
        "-L", seed_site, "config", "set", "defaults.front_matter.seen", "1979-05-27T07:32:00Z"
    )
    assert result.exit_code == 0, result.stderr
    assert "1979-05-27T07:32:00+00:00" in result.stderr
    run("-L", seed_site, "config", "set", "defaults.front_matter.day", "1979-05-27")
    text = run("-L", seed_site, "config", "show", "-F", "text")
    assert text.exit_code == 0, text.stderr
    assert "defaults.front_matter.seen = 1979-05-27T07:32:00+00:00\n" in text.stdout
    assert "defaults.front_matter.day = 1979-05-27\n" in text.stdout
    shown = json.loads(run("-L", seed_site, "config", "show", "-F", "json").stdout)
    assert shown["defaults"]["front_matter"] == {
        "seen": "1979-05-27T07:32:00+00:00",
        "day": "1979-05-27",
    }
    back = tomllib.loads(run("-L", seed_site, "config", "show", "-F", "toml").stdout)
    assert str(back["defaults"]["front_matter"]["seen"]) == "1979-05-27 07:32:00+00:00"
