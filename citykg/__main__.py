"""``python -m citykg`` runs the command line."""

from citykg.cli import main

main()
