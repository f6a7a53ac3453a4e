"""``python -m greeter``: the same as the ``greeter`` console script."""

from greeter.cli import main

raise SystemExit(main())
