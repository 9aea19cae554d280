"""Review of issue 11 (set/rm/rename/publish/unpublish/edit, the editing core): each test
names one bug found in review; it fails on the code as reviewed."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import EXAMPLE_SITE
from filmcli import Library
from filmcli.model.post import Post
from filmcli.store.editing import splice

HER = "_posts/2013-12-18-her.md"


def _point_poster(site: Path, name: str, value: str) -> None:
    path = site / "_posts" / name
    path.write_bytes(splice(path.read_bytes(), {"poster": value}))


# --- rm --------------------------------------------------------------------------------------


def test_rm_never_removes_another_post_named_as_a_poster(site, run):
    """With poster.dir holding posts (a site's filmcli.toml says `dir = "_posts"`, or "."),
    a post whose `poster:` names another post (or _config.yml) made `rm` delete that file
    too: a second film lost without being listed as a post to remove."""
    (site / "filmcli.toml").write_text('posts_dir = "_posts"\n[poster]\ndir = "."\n')
    _point_poster(site, "2013-12-18-her.md", "/_posts/2019-02-10-casablanca.md")
    _point_poster(site, "2005-07-02-yes.md", "/_config.yml")
    result = run("-L", site, "rm", "her", "--yes")
    assert result.exit_code == 0, result.stderr
    result = run("-L", site, "rm", "yes", "--yes")
    assert result.exit_code == 0, result.stderr
    assert (site / "_posts" / "2019-02-10-casablanca.md").exists()
    assert (site / "_config.yml").exists()


# --- rename ----------------------------------------------------------------------------------


def _posters(site: Path) -> Path:
    out = site / "assets" / "posters"
    out.mkdir(parents=True)
    (out / "her.jpg").write_bytes(b"jpeg of her")
    return out


def test_rename_keeps_a_poster_file_another_post_shares(site, run):
    """rename moved `her.jpg` to the new slug although another post still points at it
    (rm checks for sharers; rename did not): the other post's poster is then missing."""
    posters = _posters(site)
    _point_poster(site, "2013-12-18-her.md", "/assets/posters/her.jpg")
    _point_poster(site, "2005-07-02-yes.md", "/assets/posters/her.jpg")
    result = run("-L", site, "rename", "her", "--slug", "her-2013")
    assert result.exit_code == 0, result.stderr
    other = Post.read(site / "_posts" / "2005-07-02-yes.md").front_matter["poster"].value
    assert (site / other.lstrip("/")).exists(), os.listdir(posters)
    mine = Post.read(site / "_posts" / "2013-12-18-her-2013.md").front_matter["poster"].value
    assert (site / mine.lstrip("/")).exists()


def test_a_rename_that_cannot_take_the_new_name_leaves_the_post_as_it_was(site):
    """When the new name is taken between planning and applying (another program), the
    post had already been rewritten in place (new title, poster: pointing at the new poster
    name) and then the new poster name was unlinked: the post, still under its old name,
    points at a poster file that does not exist, and the error says "nothing moved"."""
    from filmcli.ops.manage import apply_rename

    _posters(site)
    _point_poster(site, "2013-12-18-her.md", "/assets/posters/her.jpg")
    library = Library(site)
    before = (site / HER).read_bytes()
    move = library.rename("her", title="Her Again", dry_run=True)
    move.new.write_bytes(b"another program's file\n")
    apply_rename(library, move)
    assert move.error is not None
    assert (site / HER).read_bytes() == before
    assert (site / "assets" / "posters" / "her.jpg").exists()


# --- publish / unpublish ---------------------------------------------------------------------


def test_publish_refuses_a_slug_another_post_uses(site, run):
    """publish put `_drafts/her.md` at `_posts/DATE-her.md` beside `_posts/2013-12-18-her.md`:
    two posts with one slug (validate's FC204 error; rename and new refuse that)."""
    (site / "_drafts").mkdir()
    (site / "_drafts" / "her.md").write_bytes(b"---\ntitle: Her again\nyear: 2013\n---\nx\n")
    result = run("-L", site, "publish", "_drafts/her.md", "--date", "2020-01-01")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: ")
    assert (site / "_drafts" / "her.md").exists()
    assert not (site / "_posts" / "2020-01-01-her.md").exists()


def test_unpublish_never_moves_a_post_out_of_the_library(site, run, tmp_path):
    """`_drafts` a symbolic link to a folder outside the site (a cloned site can hold one):
    unpublish moved the post out of the library (`new` refuses a posts folder like that)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "_drafts").symlink_to(outside)
    result = run("-L", site, "unpublish", "her")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert (site / HER).exists() and os.listdir(outside) == []


def test_new_draft_never_writes_outside_the_library(site, run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "_drafts").symlink_to(outside)
    result = run(
        "-L",
        site,
        "new",
        "--draft",
        "--title",
        "Past Lives",
        "--director",
        "Celine Song",
        "--year",
        "2023",
        "--poster",
        EXAMPLE_SITE.parent / "her.jpg",
    )
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert "outside the site" in result.stderr, result.stderr
    assert os.listdir(outside) == []


# --- set -------------------------------------------------------------------------------------


def test_set_never_writes_a_file_outside_the_library(site, run, tmp_path):
    """The selector takes any file path, and set wrote it: a post outside the library, or a
    layout of the site (rm refuses both: "not in the posts or drafts folder")."""
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes((site / HER).read_bytes())
    before = outside.read_bytes()
    result = run("-L", site, "set", outside, "director=X")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert "outside the site" in result.stderr or "not in the posts" in result.stderr
    assert outside.read_bytes() == before
    layout = site / "_layouts" / "post.html"
    was = layout.read_bytes()
    result = run("-L", site, "set", layout, "layout=x")
    assert result.exit_code != 0
    assert layout.read_bytes() == was


def test_set_a_draft_in_a_linked_drafts_folder_writes_nothing_outside(site, run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "her.md").write_bytes((site / HER).read_bytes())
    (site / "_drafts").symlink_to(outside)
    before = (outside / "her.md").read_bytes()
    result = run("-L", site, "set", "_drafts/her.md", "director=X")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert (outside / "her.md").read_bytes() == before


def test_set_a_bad_date_inside_a_list_is_a_usage_error(site, run):
    """`x=[2013-02-30]`: yaml.safe_load raises ValueError (not YAMLError) and the user got
    `error: internal error: ValueError: day is out of range for month`."""
    before = (site / HER).read_bytes()
    for value in ("x=[2013-02-30]", "x={a: 2020-13-01}"):
        result = run("-L", site, "set", "her", value)
        assert result.exit_code == 2, result.stderr
        assert "internal error" not in result.stderr and result.stderr.startswith("error: ")
    assert (site / HER).read_bytes() == before


def test_set_poster_as_a_data_uri_must_be_a_real_image(site, run):
    """`poster=data:image/png;base64,AAAA` was written as it is: a poster that is not an
    image (issue 11: "the new values pass the same checks as new (... a real image)")."""
    before = (site / HER).read_bytes()
    result = run("-L", site, "set", "her", "poster=data:image/png;base64,AAAA")
    assert result.exit_code == 2, result.stderr
    assert (site / HER).read_bytes() == before


# --- the editing core ------------------------------------------------------------------------


def test_splice_adds_a_key_after_a_keep_chomped_block_scalar():
    """The last key's value is `|+` (its trailing blank lines are part of the value): a new
    key was put before those blank lines, the value changed, and set refused."""
    raw = b"---\ntitle: Her\nyear: 2013\nnote: |+\n  a\n\n---\nBody\n"
    new = splice(raw, {"rating": 4})
    back = Post.from_bytes(new)
    assert back.front_matter["note"] == "a\n\n" and back.front_matter["rating"] == 4
    assert new.startswith(b"---\ntitle: Her\nyear: 2013\nnote: |+\n  a\n\n")


def test_rm_keeps_a_poster_file_a_draft_still_uses(site, run):
    """plan_remove counted the posts that share a poster file, but not the drafts: removing
    a post deleted the poster file its draft (or a draft of another film) points at."""
    posters = _posters(site)
    _point_poster(site, "2013-12-18-her.md", "/assets/posters/her.jpg")
    (site / "_drafts").mkdir()
    (site / "_drafts" / "her-cut.md").write_bytes(
        b"---\ntitle: Her (director's cut)\nyear: 2013\nposter: /assets/posters/her.jpg\n---\n"
    )
    result = run("-L", site, "rm", HER, "--yes")
    assert result.exit_code == 0, result.stderr
    assert (posters / "her.jpg").exists()


def test_rm_never_removes_a_post_changed_after_it_was_planned(site):
    """apply_remove "checked" a snapshot it had just taken against itself: a post edited
    between the confirmation (the list the user said yes to) and the removal was removed,
    the edit lost. A write only replaces the version read; a removal should be the same."""
    from filmcli.ops.manage import apply_remove

    library = Library(site)
    planned = library.remove("her", dry_run=True)
    edited = (site / HER).read_bytes() + b"\nA paragraph written meanwhile.\n"
    (site / HER).write_bytes(edited)
    apply_remove(library, planned)
    assert planned[0].error is not None and not planned[0].removed
    assert (site / HER).read_bytes() == edited


# --- init ------------------------------------------------------------------------------------


def test_init_writes_a_config_that_reads_back_with_the_title(tmp_path, run):
    """`init --title` put the title between quotes escaping only \\ and ": a control
    character made `_config.yml` unreadable (Jekyll stops, and so does filmcli), exit 0;
    a line break became a space."""
    import yaml

    for n, title in enumerate(["x\x01y", "two\nlines", "bell\x07"]):
        folder = tmp_path / f"lib{n}"
        result = run("init", folder, "--title", title)
        assert result.exit_code == 0, result.stderr
        config = yaml.safe_load((folder / "_config.yml").read_text(encoding="utf-8"))
        assert config["title"] == title


def test_set_poster_as_a_path_must_name_a_file_of_the_site(site, run):
    """`poster=/etc/passwd` or a path to no file was written: validate then fails the post
    with FC105 (a value that breaks the post is refused with exit 2, says issue 11)."""
    before = (site / HER).read_bytes()
    for value in ("poster=/etc/passwd", "poster=/assets/posters/none.jpg", "poster=../../x.jpg"):
        result = run("-L", site, "set", "her", value)
        assert result.exit_code == 2, (value, result.stderr)
    assert (site / HER).read_bytes() == before
    (site / "assets").mkdir()
    (site / "assets" / "her.jpg").write_bytes((EXAMPLE_SITE.parent / "her.jpg").read_bytes())
    assert run("-L", site, "set", "her", "poster=/assets/her.jpg").exit_code == 0


def test_a_key_without_a_value_at_the_end_is_no_internal_error(site, run):
    """`? a` (an explicit key with no value) as the last key: layout's raw.index(b":")
    raised ValueError, and set and edit said `error: internal error: ValueError:
    subsection not found`."""
    post = site / "_posts" / "2000-01-01-x.md"
    post.write_bytes(b"---\ntitle: X\nyear: 2000\n? a\n---\nbody\n")
    result = run("-L", site, "set", post, "rating=1")
    assert "internal error" not in result.stderr, result.stderr
    if result.exit_code == 0:
        assert Post.read(post).front_matter["rating"] == 1
    else:
        assert result.stderr.startswith("error: ") and post.read_bytes().endswith(b"body\n")
    raw = post.read_bytes()
    assert splice(raw, {"rating": 2}).count(b"\n? a\n") == 1


def test_rename_never_moves_a_poster_file_it_cannot_repoint(site, run):
    """`poster: /assets/posters/her.jpg?v=2` names her.jpg (the ?query is ignored): rename
    moved the file to her-2013.jpg but left the poster: line as it was (it only rewrites a
    value ending with the file's name), so the post pointed at a file that was gone."""
    posters = _posters(site)
    _point_poster(site, "2013-12-18-her.md", "/assets/posters/her.jpg?v=2")
    result = run("-L", site, "rename", "her", "--slug", "her-2013")
    assert result.exit_code == 0, result.stderr
    post = Library(site).read(site / "_posts" / "2013-12-18-her-2013.md")
    from filmcli.posters.extract import poster_file

    target = poster_file(site, post.path, post.front_matter["poster"].value)
    assert target.is_file(), (post.front_matter["poster"].value, os.listdir(posters))


# --- edit ------------------------------------------------------------------------------------


def test_an_edit_aborted_for_errors_is_kept(site, run, tmp_path, monkeypatch):
    """Without a terminal to ask on, an edit with errors is aborted, and what the user typed
    in the editor was thrown away (only a post changed meanwhile kept the edit in a file):
    issue 11's "nothing is ever lost"."""
    import sys

    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p, newline='').read()\n"
        "open(p, 'w', newline='').write(t.replace('year: 2013', 'year: [2013')"
        " + 'A long paragraph the user wrote.\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    before = (site / HER).read_bytes()
    result = run("-L", site, "edit", "her")
    assert result.exit_code == 1 and "aborted" in result.stderr
    assert (site / HER).read_bytes() == before
    assert "kept in " in result.stderr, result.stderr
    kept = Path(result.stderr.split("kept in ")[1].split()[0].rstrip(")"))
    assert b"A long paragraph the user wrote." in kept.read_bytes()
    kept.unlink()


def test_a_bulk_set_goes_on_past_a_post_it_cannot_change(site, run):
    """One post whose front matter splice cannot change (a flow mapping) stopped
    `set --where ... --yes` before any write: 0 of 17 changed. Issue 11: bulk changes go
    post by post; a failure in one is reported and the rest go on; exit 1."""
    odd = site / "_posts" / "2000-01-01-flow.md"
    odd.write_bytes(b"---\n{title: Flow, director: D, year: 2000}\n---\nbody\n")
    result = run("-L", site, "set", "--where", "year>=1900", "rating=3", "--yes")
    assert result.exit_code == 1
    assert "error: _posts/2000-01-01-flow.md: " in result.stderr, result.stderr
    changed = [p for p in (site / "_posts").iterdir() if b"\nrating: 3\n" in p.read_bytes()]
    assert len(changed) == len(list((site / "_posts").iterdir())) - 1
    assert odd.read_bytes() == b"---\n{title: Flow, director: D, year: 2000}\n---\nbody\n"


def test_rm_keeps_a_poster_file_a_post_that_does_not_read_points_at(site, run):
    """Sharers were counted among the posts that read cleanly only: a post with a YAML error
    (being edited, say) that points at the same poster file lost it."""
    posters = _posters(site)
    _point_poster(site, "2013-12-18-her.md", "/assets/posters/her.jpg")
    broken = site / "_posts" / "2014-01-01-her-too.md"
    broken.write_bytes(b"---\ntitle: [Her too\nposter: /assets/posters/her.jpg\n---\n")
    result = run("-L", site, "rm", HER, "--yes")
    assert result.exit_code in (0, 1), result.stderr
    assert not (site / HER).exists()
    assert (posters / "her.jpg").exists()


def test_set_a_text_that_starts_with_data_colon(site, run):
    """`note=data:abc` (text for a key that is not the poster): describing the change took
    it for a poster and failed with `error: poster data URI has no ',' before its data`."""
    result = run("-L", site, "set", "her", "note=data:abc")
    assert result.exit_code == 0, result.stderr
    assert Post.read(site / HER).front_matter["note"] == "data:abc"
    assert "note (none) -> 'data:abc'" in result.stderr


# --- the selector ----------------------------------------------------------------------------


def test_the_selector_never_takes_a_fragment_inside_a_word(site, run):
    """Title matching used `text in title`: `ok` named Tokyo Story and `ertig` Vertigo, so
    `filmcli rm ok --yes` removed a film no word of which was typed (issue 11: "a slug, or
    title words")."""
    import pytest

    from filmcli.ops.selector import NoMatch

    for fragment in ("ok", "ertig", "yo st"):
        with pytest.raises(NoMatch):
            Library(site).select(fragment)
    result = run("-L", site, "rm", "ok", "--yes")
    assert result.exit_code == 1 and (site / "_posts" / "2023-12-12-tokyo-story.md").exists()
    assert Library(site).select("tokyo st").slug == "tokyo-story"
    assert Library(site).select("space odyssey").slug == "2001-a-space-odyssey"


def test_a_dry_run_diff_never_shows_a_folded_posters_base64():
    """diff_text cut short only lines starting with `poster:` or `data:`: the lines of a
    folded poster (`poster: >` then base64) were printed whole by `set --dry-run`."""
    from test_manage import TRICKY

    from filmcli.store.editing import diff_text

    raw = TRICKY["folded poster"]
    new = splice(raw, {"poster": "/assets/posters/1917.jpg"})
    assert all(len(line) < 200 for line in diff_text(raw, new, "x.md").splitlines())


def test_renaming_a_draft_adds_no_redirect_from(site, run):
    """A draft has never been at a URL (Jekyll dates it today only with --drafts), yet
    rename added `redirect_from: ["/<today>/old-slug.html"]` to it on a site with
    jekyll-redirect-from: a redirect from a page that never existed, carried on publish."""
    config = site / "_config.yml"
    config.write_text(config.read_text() + "plugins:\n  - jekyll-redirect-from\n")
    (site / "_drafts").mkdir()
    (site / "_drafts" / "soon.md").write_bytes(b"---\ntitle: Soon\nyear: 2024\n---\nx\n")
    result = run("-L", site, "rename", "soon", "--slug", "later")
    assert result.exit_code == 0, result.stderr
    assert (site / "_drafts" / "later.md").read_bytes() == b"---\ntitle: Soon\nyear: 2024\n---\nx\n"


def test_a_draft_in_a_folder_of_drafts_is_a_draft(site, run):
    """Jekyll reads `_drafts/` with its subfolders; filmcli took only files directly in it
    for drafts: `publish` refused `_drafts/ideas/soon.md` ("not a draft"), `unpublish`
    accepted it, and `validate --drafts` asked it for a dated name."""
    (site / "_drafts" / "ideas").mkdir(parents=True)
    draft = site / "_drafts" / "ideas" / "soon.md"
    draft.write_bytes(b"---\ntitle: Soon\nyear: 2024\n---\nx\n")
    assert Library(site).read(draft).draft
    assert run("-L", site, "unpublish", draft).exit_code == 2
    result = run("-L", site, "publish", draft, "--date", "2024-05-05")
    assert result.exit_code == 0, result.stderr
    assert (site / "_posts" / "2024-05-05-soon.md").exists() and not draft.exists()


def test_rm_never_removes_a_version_written_after_its_last_check(site, monkeypatch):
    """apply_remove checked the post, then unlinked the path: a save by another program
    between the two (an editor's atomic write) was removed, the new version lost."""
    import filmcli.store.editing as editing
    from filmcli.ops.manage import apply_remove

    library = Library(site)
    planned = library.remove("her", dry_run=True)
    check = editing.still_current
    edited = (site / HER).read_bytes() + b"\nSaved by an editor just after the check.\n"

    def check_then_someone_saves(snap):
        check(snap)
        tmp = site / "_posts" / ".editor-tmp"
        tmp.write_bytes(edited)
        os.replace(tmp, site / HER)

    monkeypatch.setattr(editing, "still_current", check_then_someone_saves)
    apply_remove(library, planned)
    assert planned[0].error is not None and not planned[0].removed
    assert (site / HER).read_bytes() == edited
    assert sorted(os.listdir(site / "_posts")) == sorted(
        p.name for p in (EXAMPLE_SITE / "_posts").iterdir()
    )


def test_set_refuses_a_date_jekyll_cannot_read(site, run):
    """`date=2020-13-01` (or `date=soon`) was written as text: validate's FC205, "cannot be
    read by Jekyll (it stops the whole build)". A value that breaks the post is refused."""
    before = (site / HER).read_bytes()
    for value in ("date=2020-13-01", "date=soon", "date=2020-02-30 10:00", "date=7"):
        result = run("-L", site, "set", "her", value)
        assert result.exit_code == 2, (value, result.stderr)
    assert (site / HER).read_bytes() == before
    assert run("-L", site, "set", "her", "date=2020-02-29 10:00").exit_code == 0
    assert run("-L", site, "set", "her", "date=2020-02-28").exit_code == 0


def test_an_editor_command_that_does_not_parse_is_a_clean_error(site, run, monkeypatch):
    """`EDITOR='vim "'` gave `error: internal error: ValueError: No closing quotation`;
    `VISUAL=' '` ran the temporary file itself as the editor."""
    before = (site / HER).read_bytes()
    monkeypatch.delenv("VISUAL", raising=False)
    for name, command in (("EDITOR", 'vim "'), ("VISUAL", " ")):
        monkeypatch.setenv(name, command)
        result = run("-L", site, "edit", "her")
        assert result.exit_code == 1 and result.stderr.startswith("error: ")
        assert "internal error" not in result.stderr and "Permission denied" not in result.stderr, (
            result.stderr
        )
    assert (site / HER).read_bytes() == before
