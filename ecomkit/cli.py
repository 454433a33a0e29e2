"""The ``ecomkit`` command: ``ecomkit run CHAPTER ...`` and ``ecomkit course``.

Errors an analyst can fix (a bad file, an unknown parameter, a failing cell) are printed as one
line starting with ``ecomkit: error:`` and exit with status 1; no traceback.
"""

from __future__ import annotations

import argparse
import sys

from ecomkit import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecomkit", description="Run ecomkit's chapter notebooks as reports.")
    parser.add_argument("--version", action="version", version=f"ecomkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one chapter on the demo shop or on your own data",
                         description="Execute one chapter notebook and write CHAPTER.ipynb, CHAPTER.html and "
                                     "results.json into --out.")
    run.add_argument("chapter", help="start | profiling | pricing | clv | uplift | logistics, or a .ipynb path")
    run.add_argument("--data", help="your data file (CSV, CSV.gz, Parquet) or a folder of tables; default: demo shop")
    run.add_argument("--map", dest="column_map", metavar="THEIR=OURS,...",
                     help="rename your columns to ecomkit's, e.g. 'buyer=customer_id,paid=net_amount'")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                     help="set a notebook parameter (repeatable); VALUE is parsed as JSON/Python where the "
                          "parameter is not text")
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--no-code", action="store_true", help="hide code cells in the HTML report")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    course = sub.add_parser("course", help="run every chapter on the demo shop and write an index page")
    course.add_argument("--out", default="reports", help="output folder (default: reports)")
    course.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("chapters", help="list the chapter keys")
    return parser


def main(argv: list[str] | None = None) -> int:
    from ecomkit import runner

    args = _parser().parse_args(argv)
    try:
        if args.command == "chapters":
            for key, (notebook, title) in runner.CHAPTERS.items():
                status = "" if (runner.NOTEBOOK_DIR / notebook).exists() else "  (not written yet)"
                print(f"{key:<10} {title}{status}")
            return 0
        if args.command == "run":
            result = runner.run_chapter(args.chapter, data=args.data, columns=runner.parse_column_map(args.column_map),
                                        params=[tuple(p) for p in args.parameter], out=args.out,
                                        no_code=args.no_code, progress=not args.quiet)
            print(f"wrote {result.html}, {result.notebook} and {result.results_path}")
            return 0
        index = runner.run_course(out=args.out, progress=not args.quiet)
        print(f"wrote {index}")
        return 0
    except (runner.RunnerError, runner.ChapterFailed, ValueError, OSError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"ecomkit: error: {first_line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
