"""`python -m filmcli` runs the command line."""

from filmcli.cli import main

main()
