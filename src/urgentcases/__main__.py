"""``python -m urgentcases``: the command-line interface."""

from urgentcases._cli import main

raise SystemExit(main())
