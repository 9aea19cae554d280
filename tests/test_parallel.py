"""Both cores: the pool gives what a serial run gives, in the same order.

`validate` decodes posters and `extract-posters` writes them in a process pool
(FILMCLI_JOBS=1 forces a serial run). JPEGs are decoded with Pillow's `draft`
(DCT scaling), which must still catch every truncation a full decode catches.
"""

from __future__ import annotations

import base64
import io
import os
import random
import re
import shutil

import pytest
from PIL import Image, ImageFile

from conftest import SEED
from filmcli.ops.validate import decode_problem
from filmcli.store import atomic, parallel


def many_posts(folder, count: int = 80):
    """`count` copies of the seed, a few with a truncated or undecodable poster."""
    (folder / "_posts").mkdir(parents=True)
    (folder / "_config.yml").write_text("title: t\n")
    text = SEED.read_text(encoding="utf-8")
    uri = re.search(r"^poster: (\S+)$", text, re.M).group(1)
    data = base64.b64decode(uri.split(",", 1)[1])
    for i in range(count):
        body = text.replace('title: "Her"', f'title: "Her {i}"')
        if i % 9 == 4:  # truncated: half the JPEG
            cut = base64.b64encode(data[: len(data) // 2]).decode()
            body = body.replace(uri, "data:image/jpeg;base64," + cut)
        (folder / "_posts" / f"2013-12-{i % 28 + 1:02d}-her-{i:03d}.md").write_text(
            body, encoding="utf-8"
        )
    return folder


def test_validate_in_the_pool_says_what_a_serial_run_says(run, tmp_path, monkeypatch):
    library = many_posts(tmp_path / "lib")
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    serial = run("-L", library, "validate", "--format", "json")
    monkeypatch.setenv("FILMCLI_JOBS", "2")
    assert parallel.workers_for(80) == 2
    pooled = run("-L", library, "validate", "--format", "json")
    assert pooled.exit_code == serial.exit_code == 1
    assert pooled.stdout == serial.stdout
    assert pooled.stdout.count('"FC107"') == len(range(4, 80, 9))


def test_validate_fast_decodes_nothing(run, tmp_path, monkeypatch):
    library = many_posts(tmp_path / "lib", 30)

    def refuse(*args, **kwargs):
        raise AssertionError("--fast decoded a poster")

    monkeypatch.setattr("filmcli.model.poster.decode_base64", refuse)
    monkeypatch.setattr("filmcli.ops.validate.decode_problem", refuse)
    result = run("-L", library, "validate", "--fast", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "FC107" not in result.stdout  # truncation needs the full decode


def test_extract_in_the_pool_matches_a_serial_run(run, tmp_path, monkeypatch):
    library = many_posts(tmp_path / "lib")
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    serial = run("-L", library, "extract-posters", "--out", tmp_path / "a")
    monkeypatch.setenv("FILMCLI_JOBS", "2")
    pooled = run("-L", library, "extract-posters", "--out", tmp_path / "b")
    assert pooled.exit_code == serial.exit_code == 0
    assert pooled.stdout.replace("/b", "/a") == serial.stdout
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(names) == 80 and not any(n.endswith(".tmp") for n in names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_deferred_writes_land_only_at_the_end_and_report_conflicts(tmp_path):
    target = tmp_path / "x.bin"
    clash = tmp_path / "y.bin"
    with atomic.deferred_sync() as failures:
        atomic.write_atomic(target, b"new", exclusive=True)
        atomic.write_atomic(clash, b"mine", exclusive=True)
        assert not target.exists()  # nothing in place before the flush
        clash.write_bytes(b"someone else's")  # appears meanwhile
    assert target.read_bytes() == b"new"
    assert clash.read_bytes() == b"someone else's"
    assert [(path.name, exc.message) for path, exc in failures] == [("y.bin", "already exists")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin", "y.bin"]  # no temp files


@pytest.mark.skipif(not atomic._O_TMPFILE, reason="no O_TMPFILE here")
def test_deferred_temp_files_are_unnamed_until_they_land(tmp_path, monkeypatch):
    """O_TMPFILE: a deferred write shows no name in the folder (a crash leaves nothing to
    clean up), makes no named temp file, and keeps the target's mode or the umask's."""
    import tempfile

    def no_named(*args, **kwargs):
        raise AssertionError("a named temp file was made")

    monkeypatch.setattr(tempfile, "mkstemp", no_named)
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    with atomic.deferred_sync() as failures:
        atomic.write_atomic(tmp_path / "new.bin", b"new", exclusive="or-same")
        atomic.write_atomic(kept, b"replaced")
        atomic.write_atomic(tmp_path / "private.bin", b"secret", mode=0o600)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.bin"]
    assert not failures
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.bin", "new.bin", "private.bin"]
    assert kept.read_bytes() == b"replaced" and kept.stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "private.bin").stat().st_mode & 0o777 == 0o600
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_interrupted_deferred_block_leaves_no_file_and_no_descriptor(tmp_path):
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(KeyboardInterrupt), atomic.deferred_sync():
        for i in range(20):
            atomic.write_atomic(tmp_path / f"{i}.bin", b"x" * i, exclusive=True)
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    assert len(os.listdir("/proc/self/fd")) == before


def test_more_deferred_writes_than_open_files_allowed_still_land(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "MAX_UNNAMED", 3)
    with atomic.deferred_sync() as failures:
        for i in range(8):
            atomic.write_atomic(tmp_path / f"{i}.bin", bytes([i]) * 10, exclusive=True)
    assert not failures
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i}.bin" for i in range(8)]
    assert all((tmp_path / f"{i}.bin").read_bytes() == bytes([i]) * 10 for i in range(8))


def jpegs() -> list[bytes]:
    rng = random.Random(5)
    out = []
    for progressive in (False, True):
        for size in ((64, 48), (259, 194), (300, 441)):
            image = Image.new("RGB", size)
            image.putdata(
                [
                    (rng.randrange(256), rng.randrange(256), (x * 7) % 256)
                    for x in range(size[0] * size[1])
                ]
            )
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85, progressive=progressive)
            out.append(buffer.getvalue())
    seed = SEED.read_text(encoding="utf-8")
    out.append(base64.b64decode(re.search(r"base64,(\S+)", seed).group(1)))
    return out


def full_decode_fails(data: bytes) -> bool:
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception:  # noqa: BLE001 - any failure is "not decodable"
        return True
    return False


@pytest.mark.parametrize("index", range(7))
def test_draft_decoding_catches_every_truncation_a_full_decode_catches(index):
    data = jpegs()[index]
    cuts = list(range(2, len(data), max(1, len(data) // 150))) + list(
        range(len(data) - 80, len(data))
    )
    caught = 0
    for cut in cuts:
        truncated = data[:cut]
        expected = full_decode_fails(truncated)
        found = decode_problem(truncated, 25_000_000)
        assert (found is not None) == expected, f"cut at {cut} of {len(data)}"
        caught += expected
    assert caught > len(cuts) // 2
    assert decode_problem(data, 25_000_000) is None


def test_small_batches_stay_serial(monkeypatch):
    monkeypatch.delenv("FILMCLI_JOBS", raising=False)
    assert parallel.workers_for(5) == 1
    assert list(parallel.ordered_map(abs, [-3, 1, -2])) == [3, 1, 2]
    assert list(parallel.ordered_map(abs, range(-200, 0), workers=2)) == list(range(200, 0, -1))


def test_validate_of_the_example_site_is_unchanged_by_the_pool(run, site, monkeypatch):
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    serial = run("-L", site, "validate", "--format", "json")
    monkeypatch.setenv("FILMCLI_JOBS", "2")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    pooled = run("-L", site, "validate", "--format", "json")
    assert (pooled.exit_code, pooled.stdout) == (serial.exit_code, serial.stdout)
    shutil.rmtree(site)


def _square(n: int) -> int:
    return n * n


def test_ordered_stream_takes_items_as_it_goes_and_keeps_few_in_flight(monkeypatch):
    """`ordered_stream` gives `map`'s results in order, over a pool, while holding only a
    window of items: validate hands posters to the workers as posts are read, never a
    list of 100,000 jobs (issue 16)."""
    monkeypatch.setenv("FILMCLI_JOBS", "2")
    taken = 0

    def items():
        nonlocal taken
        for n in range(5000):
            taken += 1
            yield n

    ahead: list[int] = []
    out = []
    for i, value in enumerate(parallel.ordered_stream(_square, items(), chunksize=16)):
        ahead.append(taken - i)
        out.append(value)
    assert out == [n * n for n in range(5000)]
    assert max(ahead) <= parallel.MIN_ITEMS + 2 * 4 * 16 + 16  # a window, not the lot
    assert list(parallel.ordered_stream(_square, iter(range(5)))) == [0, 1, 4, 9, 16]
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    assert list(parallel.ordered_stream(_square, iter(range(100)))) == [n * n for n in range(100)]
