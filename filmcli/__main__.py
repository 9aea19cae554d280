"""`python -m filmcli` runs the command line."""

from .cli import main

main()
