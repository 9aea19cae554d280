"""The plain loop most Python scripts would write: python-frontmatter, one post at a time.

python frontmatter_loop.py LIBRARY    (prints title, director, year as TSV)
"""

import sys
from pathlib import Path

import frontmatter

out = []
for path in sorted(Path(sys.argv[1], "_posts").glob("*.md")):
    post = frontmatter.load(path)
    out.append(f"{post.get('title')}\t{post.get('director')}\t{post.get('year')}\n")
sys.stdout.write("".join(out))
