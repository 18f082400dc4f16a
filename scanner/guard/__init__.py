"""credscope guard: an offline hook that judges a coding agent's tool calls.

Front room over the scan pipeline (design.md): agent adapters (claude_code.py, cursor.py)
turn hook events into actions; core.py collects what each action would show, carry, write
or paste, classifies the credentials in it with the scanner's engine and classifier, matches
the command catalogue (rules/destructive/), and lets policy.py decide. install.py writes the
agents' hook configuration. Nothing here imports the CLI.
"""
