"""A lean hand-written loop: read bytes, skip the poster line, libyaml on the rest.

python lean_loop.py LIBRARY    (prints title, director, year as TSV)
"""

import os
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
folder = os.path.join(sys.argv[1], "_posts")
out = []
for name in sorted(os.listdir(folder)):
    if not name.endswith(".md"):
        continue
    with open(os.path.join(folder, name), "rb") as handle:
        data = handle.read()
    end = data.find(b"\n---", 3)
    start = data.find(b"\nposter:", 3, end)
    if start >= 0:
        eol = data.find(b"\n", start + 1)
        front = data[4 : start + 1] + data[eol + 1 : end + 1]
    else:
        front = data[4 : end + 1]
    meta = yaml.load(front.decode("utf-8"), Loader=Loader)
    out.append(f"{meta.get('title')}\t{meta.get('director')}\t{meta.get('year')}\n")
sys.stdout.write("".join(out))
