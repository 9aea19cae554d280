"""Durable lean poster extraction on both cores: what filmcli's own guarantee costs at least.

python lean_extract_durable.py LIBRARY OUT_DIR NAMES [PROCESSES]

The same files as lean_extract.py (the NAMES map), each written as an unnamed file
(O_TMPFILE), one `syncfs` per batch of 128 before the batch's files are linked into
place (`linkat`, which never replaces a file), then one fsync of the folder: a crash
leaves each file absent or whole. The posts are split in two halves, one per process.
"""

import binascii
import ctypes
import os
import sys

BATCH = 128
libc = ctypes.CDLL(None, use_errno=True)
folder = os.path.join(sys.argv[1], "_posts")
out = sys.argv[2]
with open(sys.argv[3], encoding="utf-8") as handle:
    names = dict(line.rstrip("\n").split("\t") for line in handle)
procs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
os.makedirs(out, exist_ok=True)
posts = [n for n in sorted(os.listdir(folder)) if n in names]


def work(part):
    out_fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    pending = []

    def flush():
        if libc.syncfs(out_fd) != 0:
            raise OSError(ctypes.get_errno(), "syncfs")
        for fd, target in pending:
            src = b"/proc/self/fd/%d" % fd
            if libc.linkat(-100, src, out_fd, target.encode(), 0x400) != 0:
                raise OSError(ctypes.get_errno(), "linkat", target)
            os.close(fd)
        pending.clear()

    for name in part:
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        start = data.find(b"\nposter: data:")
        if start < 0:
            continue
        comma = data.find(b",", start)
        eol = data.find(b"\n", comma)
        fd = os.open(out, os.O_TMPFILE | os.O_WRONLY, 0o666)
        os.write(fd, binascii.a2b_base64(data[comma + 1 : eol]))
        pending.append((fd, names[name]))
        if len(pending) == BATCH:
            flush()
    flush()
    os.fsync(out_fd)


children = []
for i in range(1, procs):
    pid = os.fork()
    if pid == 0:
        work(posts[i::procs])
        os._exit(0)
    children.append(pid)
work(posts[0::procs])
status = 0
for pid in children:
    status |= os.waitpid(pid, 0)[1]
sys.exit(1 if status else 0)
