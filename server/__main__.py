"""`python -m server`: the same as `nn-playground serve`."""

from server.cli import main

main()
