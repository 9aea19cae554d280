"""Where posts live and how they are written.

The library folder, its cache, settings and lock, atomic writes and the one byte-preserving
editor (editing). Stands on model."""
