"""`python -m scanner.guard AGENT`: the lean hook entry (see main.py)."""

from scanner.guard.main import console_main

console_main()
