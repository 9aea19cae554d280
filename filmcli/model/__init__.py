"""What a post is: its text, front matter and poster, and how Jekyll reads them.

Stands on nothing in filmcli but errors and text."""
