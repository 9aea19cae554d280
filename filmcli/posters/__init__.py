"""Poster images: preparing, extracting and embedding them. Stands on store and model."""
