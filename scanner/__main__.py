"""`python -m scanner` runs the credscope command line."""

from scanner.cli import main

main()
