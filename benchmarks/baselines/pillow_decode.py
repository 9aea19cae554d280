"""Full decode of every poster with Pillow, in 2 processes.

python pillow_decode.py LIBRARY [PROCESSES]
"""

import binascii
import io
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from PIL import Image


def decode(path: str) -> tuple[int, int]:
    with open(path, "rb") as handle:
        data = handle.read()
    start = data.find(b"\nposter: data:")
    comma = data.find(b",", start)
    eol = data.find(b"\n", comma)
    with Image.open(io.BytesIO(binascii.a2b_base64(data[comma + 1 : eol]))) as image:
        image.load()
        return image.size


if __name__ == "__main__":
    folder = os.path.join(sys.argv[1], "_posts")
    paths = [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".md")]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with ProcessPoolExecutor(workers) as pool:
        sizes = list(pool.map(decode, paths, chunksize=256))
    print(len(sizes), "posters decoded")
