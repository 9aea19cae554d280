"""Lean poster extraction: bytes.find for the poster line, binascii, write.

python lean_extract.py LIBRARY OUT_DIR
"""

import binascii
import os
import sys

EXT = {b"image/jpeg": "jpg", b"image/png": "png", b"image/webp": "webp", b"image/gif": "gif"}
folder = os.path.join(sys.argv[1], "_posts")
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(folder)):
    if not name.endswith(".md"):
        continue
    with open(os.path.join(folder, name), "rb") as handle:
        data = handle.read()
    start = data.find(b"\nposter: data:")
    if start < 0:
        continue
    comma = data.find(b",", start)
    eol = data.find(b"\n", comma)
    mime = data[start + 14 : comma].split(b";")[0]
    image = binascii.a2b_base64(data[comma + 1 : eol])
    with open(os.path.join(out, f"{name[11:-3]}.{EXT.get(mime, 'bin')}"), "wb") as handle:
        handle.write(image)
