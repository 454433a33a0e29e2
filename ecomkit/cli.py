"""The ``ecomkit`` command: ``ecomkit run CHAPTER ...``, ``ecomkit course``, ``ecomkit chapters``.

Errors an analyst can fix (a bad file, an unknown parameter, a failing cell) are printed as one
line starting with ``ecomkit: error:`` and exit with status 1; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from ecomkit import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecomkit", description="Run ecomkit's chapter notebooks as reports.")
    parser.add_argument("--version", action="version", version=f"ecomkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one chapter on the demo shop or on your own data",
                         description="Execute one chapter notebook and write CHAPTER.ipynb, CHAPTER.html and "
                                     "results.json into --out. Reading options are explained in docs/ingestion.md.")
    run.add_argument("chapter", help="start | profiling | pricing | clv | uplift | logistics, or a .ipynb path")
    run.add_argument("--data", help="your data file (CSV, TSV, CSV.gz, Parquet, Excel) or a folder of tables; "
                                    "default: the demo shop")
    run.add_argument("--map", dest="column_map", metavar="THEIR=OURS,...",
                     help="rename your columns to ecomkit's, e.g. 'buyer=customer_id,paid=net_amount'")
    run.add_argument("--preset", metavar="NAME",
                     help="column map of a platform's export: taobao, jd, pinduoduo, douyin, shopify, woocommerce")
    run.add_argument("--status-map", metavar="WORD=STATUS,...",
                     help="what your status words mean: completed, returned, cancelled, unpaid or in_progress, "
                          "e.g. '已签收=completed,待发货=in_progress'")
    run.add_argument("--date-format", metavar="FORMAT", help="strftime pattern of your dates, e.g. '%%d.%%m.%%Y %%H:%%M'")
    run.add_argument("--dayfirst", action="store_true", help="dates like 03/04/2024 are day/month/year")
    run.add_argument("--timezone", metavar="TZ",
                     help="convert time stamps that carry an offset to this zone (IANA name, e.g. Asia/Shanghai); "
                          "default: keep the wall-clock time written")
    run.add_argument("--decimal", choices=(",", "."), help="decimal separator of amounts (default: decided by the data)")
    run.add_argument("--encoding", help="text encoding of a CSV (default: UTF-8, then GB18030/GBK)")
    run.add_argument("--sheet", help="Excel sheet name or number (default: the first sheet)")
    run.add_argument("--clean", action="append", default=[], metavar="RULE=ACTION",
                     help="change a cleaning rule, e.g. zero_amounts=drop (repeatable; rules in docs/ingestion.md)")
    run.add_argument("--max-drop-share", type=float, metavar="SHARE",
                     help="stop when a default rule would drop more than this share of rows (default 0.5)")
    run.add_argument("--engine", choices=("auto", "pandas", "duckdb", "spark"),
                     help="where the orders are summarised (chapters with an ENGINE parameter: clv): pandas in "
                          "memory, DuckDB (embedded; reads a large file a chunk at a time) or Spark (needs "
                          "pip install ecomkit[spark]); default auto: DuckDB from 1,000,000 orders")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                     help="set a notebook parameter (repeatable); VALUE is parsed as JSON/Python where the "
                          "parameter is not text")
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--no-code", action="store_true", help="hide code cells in the HTML report")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--debug", action="store_true", help="show the full traceback of an error")

    course = sub.add_parser("course", help="run every chapter on the demo shop and write an index page")
    course.add_argument("--out", default="reports", help="output folder (default: reports)")
    course.add_argument("--quiet", action="store_true", help="no progress bar")
    course.add_argument("--debug", action="store_true", help="show the full traceback of an error")

    sub.add_parser("chapters", help="list the chapter keys")

    notebooks = sub.add_parser("notebooks", help="copy the course notebooks into a folder of your own",
                               description="Copy the chapter notebooks and exercises/ into DIR, to open in "
                                           "Jupyter; they read the installed demo shop, so nothing else is needed.")
    notebooks.add_argument("dir", metavar="DIR", help="folder to copy into (created if missing)")
    notebooks.add_argument("--force", action="store_true", help="overwrite notebooks already in DIR")
    notebooks.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    return parser


def reading_options(args) -> dict:
    """The reading options of ``ecomkit run`` as the loaders take them (the notebook's CLEANING)."""
    from ecomkit import runner

    reading: dict = {}
    for name in ("preset", "date_format", "timezone", "decimal", "encoding", "max_drop_share"):
        value = getattr(args, name)
        if value is not None:
            reading[name] = value
    if args.sheet is not None:
        reading["sheet"] = int(args.sheet) if args.sheet.isdigit() else args.sheet
    if args.dayfirst:
        reading["dayfirst"] = True
    if args.status_map:
        reading["status_map"] = runner.parse_pairs(args.status_map, "--status-map")
    clean = {}
    for item in args.clean:
        rule = runner.parse_pairs(item, "--clean")
        if not rule:
            raise runner.RunnerError(f"--clean {item!r} is not of the form RULE=ACTION")
        clean.update(rule)
    if clean:
        reading["clean"] = clean
    return reading


def main(argv: list[str] | None = None) -> int:
    from ecomkit import runner

    args = _parser().parse_args(argv)
    try:
        if args.command == "chapters":
            for key, (notebook, title) in runner.CHAPTERS.items():
                status = "" if (runner.NOTEBOOK_DIR / notebook).exists() else "  (not written yet)"
                print(f"{key:<10} {title}{status}")
            return 0
        if args.command == "notebooks":
            from ecomkit.resources import copy_notebooks

            for path in copy_notebooks(args.dir, force=args.force):
                print(f"wrote {path}")
            return 0
        if args.command == "run":
            result = runner.run_chapter(args.chapter, data=args.data, columns=runner.parse_column_map(args.column_map),
                                        params=[tuple(p) for p in args.parameter], out=args.out, engine=args.engine,
                                        no_code=args.no_code, progress=not args.quiet,
                                        reading=reading_options(args))
            print(f"wrote {result.html}, {result.notebook} and {result.results_path}")
            return 0
        index = runner.run_course(out=args.out, progress=not args.quiet)
        print(f"wrote {index}")
        return 0
    except (runner.RunnerError, runner.ChapterFailed, ValueError, OSError, KeyError) as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"ecomkit: error: {first_line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
