"""`make bench` / `python -m bench [engine|load|gpu|diagram|page|inspect|landscape|persistence
...]`: run the benchmarks."""

from __future__ import annotations

import importlib
import logging
import sys

SUITES = ("engine", "load", "gpu", "diagram", "page", "inspect", "landscape", "persistence",
          "gradients")


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in argv or SUITES:
        if name not in SUITES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(SUITES)}")
        sys.stdout.write(f"\n=== bench.{name} ===\n")
        sys.stdout.flush()
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
