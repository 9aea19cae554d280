"""Naive poster extraction: python-frontmatter, base64.b64decode, write.

python naive_extract.py LIBRARY OUT_DIR
"""

import base64
import sys
from pathlib import Path

import frontmatter

EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
for path in sorted(Path(sys.argv[1], "_posts").glob("*.md")):
    poster = frontmatter.load(path).get("poster")
    if not isinstance(poster, str) or not poster.startswith("data:"):
        continue
    header, payload = poster.split(",", 1)
    mime = header[5:].split(";")[0]
    slug = path.stem[11:]
    (out / f"{slug}.{EXT.get(mime, 'bin')}").write_bytes(base64.b64decode(payload))
