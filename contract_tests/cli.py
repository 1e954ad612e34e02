"""`rooms-contract`: run the suite against a server, replay a failure it saved, or lint and diff
specs."""

from __future__ import annotations

import os
import sys


def dispatch(args: list[str]) -> int:
    if args and args[0] == "lint":
        from .lint.cli import main as lint_main

        return lint_main(args[1:])
    if args and args[0] == "diff":
        from .diff.cli import main as diff_main

        return diff_main(args[1:])
    if args and args[0] == "replay":
        from .suite.replay import main as replay_main

        return replay_main(args[1:])
    from .suite.cli import main as suite_main

    return suite_main(args)


def main(argv: list[str] | None = None) -> int:
    try:
        return dispatch(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        # The reader went away (`rooms-contract diff ... | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("rooms-contract: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
