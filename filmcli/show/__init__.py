"""Showing posts to people: terminal images, the page `show` prints, the wall.

Stands on ops and below."""
