"""Lean poster extraction: bytes.find for the poster line, binascii, write (no fsync).

python lean_extract.py LIBRARY OUT_DIR NAMES

NAMES holds `post file name<TAB>poster file name` lines: the very names filmcli gives
(run.py writes it once from `filmcli extract-posters --dry-run --format json`), so this
writes exactly the files filmcli writes, no fewer (cutting names out of the post's file
name made 5,198 of 10,000 generated posts collide, and wrote 4,802 files).
"""

import binascii
import os
import sys

folder = os.path.join(sys.argv[1], "_posts")
out = sys.argv[2]
with open(sys.argv[3], encoding="utf-8") as handle:
    names = dict(line.rstrip("\n").split("\t") for line in handle)
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(folder)):
    target = names.get(name)
    if target is None:
        continue
    with open(os.path.join(folder, name), "rb") as handle:
        data = handle.read()
    start = data.find(b"\nposter: data:")
    if start < 0:
        continue
    comma = data.find(b",", start)
    eol = data.find(b"\n", comma)
    image = binascii.a2b_base64(data[comma + 1 : eol])
    with open(os.path.join(out, target), "wb") as handle:
        handle.write(image)
