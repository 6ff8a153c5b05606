"""Sub-commands that live outside ``citykg/cli.py``, one module per area, registered by ``cli.py``.

Each module defines click commands and a ``COMMANDS`` list; ``cli.register_commands`` adds them.
"""
