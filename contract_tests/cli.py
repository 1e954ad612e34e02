"""`rooms-contract`: run the suite against a server, or lint and diff specs."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "lint":
        from .lint import main as lint_main

        return lint_main(args[1:])
    if args and args[0] == "diff":
        from .diff import main as diff_main

        return diff_main(args[1:])
    from .run import main as run_main

    return run_main(args)


if __name__ == "__main__":
    sys.exit(main())
