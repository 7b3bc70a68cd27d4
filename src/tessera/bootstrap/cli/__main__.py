"""``python -m tessera.bootstrap.cli``: the ``tessera`` command."""

from tessera.bootstrap.cli import main

main()
