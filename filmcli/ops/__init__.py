"""What the commands do, as functions that take a library and return plain data.

Stands on posters, lookup, store and model."""
