"""Run chapter notebooks with papermill and export code-free HTML reports with nbconvert.

The runner contract (DESIGN.md): ``run_chapter`` writes ``OUT/<chapter>.ipynb``,
``OUT/<chapter>.html`` and ``OUT/results.json``; it refuses unknown parameters before anything runs
and raises :class:`ChapterFailed` naming the failing cell when the notebook fails.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ecomkit import __version__
from ecomkit.course import RESULTS_FILE
from ecomkit.resources import notebook_dir

#: the chapter notebooks' folder when ecomkit was imported, kept for existing callers; the runner itself
#: calls notebook_dir() (the repository's notebooks/ in a checkout, the wheel's copy once installed)
NOTEBOOK_DIR = notebook_dir()

CHAPTERS: dict[str, tuple[str, str]] = {
    "start": ("00_getting_started.ipynb", "Getting started: the shop and its core indicators"),
    "profiling": ("01_user_profiling.ipynb", "User profiling and segmentation"),
    "pricing": ("02_pricing.ipynb", "Pricing and promotion pricing"),
    "clv": ("03_clv_bgnbd.ipynb", "Customer lifetime value with BG/NBD"),
    "uplift": ("04_promotion_uplift.ipynb", "Promotion uplift"),
    "logistics": ("05_logistics_cost.ipynb", "Logistics cost"),
}


# Chapters are validated in this process before a kernel starts, so a bad file fails in a second
# with one DataError line. Each entry names the loader the chapter's notebook uses for DATA; it is
# called as loader(data, columns=..., **CLEANING, **forwarded) and its result is discarded, where
# `forwarded` carries the notebook parameters the loader also takes (PREFLIGHT_PARAMETERS) and the
# columns the chapter cannot do without (PREFLIGHT_REQUIRE).
PREFLIGHT = {
    "start": "ecomkit.io:load_shop",
    "profiling": "ecomkit.io:load_shop",
    "clv": "ecomkit.io:load_shop",
    "pricing": "ecomkit.io:load_panel",
    "uplift": "ecomkit.io:load_campaign",
    "logistics": "ecomkit.io:load_shipments",
}

PREFLIGHT_PARAMETERS = {"uplift": {"TREATMENT_COL": "treatment_col", "OUTCOME_COL": "outcome_col", "REVENUE_COL": "revenue_col", "CONTROL_VALUE": "control_value"},
                        "start": {"START": "start", "END": "end"}}
PREFLIGHT_REQUIRE = {"profiling": ("customer_id",), "clv": ("customer_id",)}
#: values of a chapter's ENGINE parameter (``--engine``); see ecomkit.engine.load_shop
ENGINE_CHOICES = ("auto", "pandas", "duckdb", "spark")


def preflight(chapter: str, parameters: dict, engine: str | None = None, progress: bool = False) -> str | None:
    """Load ``parameters["DATA"]`` with the chapter's own loader; a bad file raises its DataError here.

    Returns the currency the data's amounts carried (``R$ 12,50`` -> BRL, or a one-valued ``currency``
    column), or None; the loaded data itself is not kept. For a chapter with an ``ENGINE`` parameter
    (``engine`` is its value) whose orders go to DuckDB or Spark, the orders file is cleaned a chunk
    at a time into the engine's cache instead (``ecomkit.engine.prepare_orders``): this process never
    holds the whole file, and the notebook finds the cleaned file ready."""
    import importlib

    data = parameters.get("DATA", "demo")
    if chapter not in PREFLIGHT or (data == "demo" and not parameters.get("CLEANING")):
        return None
    forwarded = {keyword: parameters[name] for name, keyword in PREFLIGHT_PARAMETERS.get(chapter, {}).items()
                 if name in parameters}
    cleaning = dict(parameters.get("CLEANING") or {})
    if chapter in PREFLIGHT_REQUIRE:
        cleaning["require"] = PREFLIGHT_REQUIRE[chapter]
    if engine is not None and PREFLIGHT[chapter] == "ecomkit.io:load_shop":
        from ecomkit.engine.prepare import choose_engine, prepare_orders
        from ecomkit.engine.shop import _orders_path

        chosen = choose_engine(engine, _orders_path(data))
        if chosen == "spark" and importlib.util.find_spec("pyspark") is None:
            from ecomkit.engine.connect import SPARK_EXTRA_HINT

            raise RunnerError(f"--engine spark: {SPARK_EXTRA_HINT}")
        if chosen != "pandas":
            return prepare_orders(data, parameters.get("COLUMNS") or None, progress=progress, **cleaning).currency
    module, function = PREFLIGHT[chapter].split(":")
    loader = getattr(importlib.import_module(module), function)
    loaded = loader(data, columns=parameters.get("COLUMNS") or None, **cleaning, **forwarded)
    return _data_currency(loaded)


def _data_currency(loaded) -> str | None:
    for name in ("orders", "panel", "campaign", "shipments"):
        table = getattr(loaded, name, None)
        if table is not None:
            return table.attrs.get("currency")
    return None


class RunnerError(ValueError):
    """A problem with how a chapter was asked to run (bad key, unknown parameter, missing file)."""


class ChapterFailed(RuntimeError):
    """A notebook cell raised; the message names the cell and the error's first line."""


@dataclass(frozen=True)
class RunResult:
    chapter: str
    notebook: Path
    html: Path
    results_path: Path
    results: dict


def resolve_chapter(chapter: str) -> tuple[str, Path]:
    """Turn a chapter key or a notebook path into ``(name, notebook_path)``."""
    if chapter in CHAPTERS:
        return chapter, notebook_dir() / CHAPTERS[chapter][0]
    path = Path(chapter)
    if path.suffix == ".ipynb":
        if not path.exists():
            raise RunnerError(f"notebook not found: {path}")
        return path.stem, path.resolve()
    keys = ", ".join(CHAPTERS)
    raise RunnerError(f"unknown chapter {chapter!r}: use one of {keys} or a path to a .ipynb file")


def notebook_parameters(notebook: Path) -> dict[str, dict]:
    """The names, defaults (as source text) and inferred types of a notebook's parameters cell."""
    import papermill as pm

    return dict(pm.inspect_notebook(str(notebook)))


def parse_value(raw: str, inferred_type: str | None):
    """Parse a ``-p NAME VALUE`` string: kept as text for str parameters, else a Python literal."""
    if inferred_type == "str":
        return raw
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(raw)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return raw


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "True or False", "dict": "a JSON object {...}",
               "list": "a JSON list [...]"}


def declared_type(inferred_type: str | None, default: str | None) -> str | None:
    """The type of a parameter: papermill's annotation if any, else the type of its default's literal."""
    if inferred_type and inferred_type != "None":
        return inferred_type
    try:
        value = ast.literal_eval(default) if default is not None else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return {bool: "bool", int: "int", float: "float", dict: "dict", list: "list", str: "str"}.get(type(value))


def check_value(name: str, raw: str, value, inferred_type: str | None, default: str) -> None:
    """Refuse a ``-p`` value that is not of the parameter's declared type (before any kernel starts)."""
    expected = {"int": (int,), "float": (int, float), "bool": (bool,), "dict": (dict,), "list": (list, tuple)}
    types = expected.get(inferred_type or "")
    if types is None:
        return
    ok = isinstance(value, types) and not (inferred_type in ("int", "float") and isinstance(value, bool))
    if not ok:
        raise RunnerError(f"-p {name} {raw!r}: {name} takes {_TYPE_WORDS[inferred_type]} (default {default})")


def parse_pairs(text: str | None, option: str, form: str | None = None) -> dict[str, str]:
    """Parse ``"a=b,c=d"`` (``--map``, ``--status-map``, ``--clean``) into a dict; ``option`` names
    the flag and ``form`` the expected shape in errors."""
    if not text:
        return {}
    form = form or {"--clean": "RULE=ACTION", "--map": "their_name=ecomkit_name"}.get(option, "WORD=STATUS")
    pairs = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        if "=" not in pair:
            raise RunnerError(f"{option} entry {pair.strip()!r} is not of the form {form}")
        key, value = (part.strip() for part in pair.split("=", 1))
        if not key or not value:
            raise RunnerError(f"{option} entry {pair.strip()!r} has an empty side")
        pairs[key] = value
    return pairs


def parse_column_map(text: str | None) -> dict[str, str]:
    """Parse ``--map "their_a=customer_id,their_b=order_ts"`` into ``{"their_a": "customer_id", ...}``."""
    return parse_pairs(text, "--map")


def build_parameters(notebook: Path, data: str | None, columns: dict[str, str] | None,
                     params: list[tuple[str, str]] | None, out_dir: Path, reading: dict | None = None) -> dict:
    """Assemble papermill parameters; unknown names are an error before anything runs."""
    declared = notebook_parameters(notebook)
    given: dict = {}
    for name, raw in params or []:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "(none)"
            raise RunnerError(f"unknown parameter {name!r} for {notebook.name}; its parameters are: {known}")
        kind = declared_type(declared[name].get("inferred_type_name"), declared[name].get("default"))
        given[name] = parse_value(raw, kind)
        check_value(name, raw, given[name], kind, declared[name].get("default"))
    if data is not None:
        data_path = Path(data)
        if data != "demo" and not data_path.exists():
            raise RunnerError(f"data file not found: {data}")
        given["DATA"] = data if data == "demo" else str(data_path.resolve())
    if columns:
        given["COLUMNS"] = columns
    if reading:
        if "CLEANING" not in declared:
            raise RunnerError(f"{notebook.name} has no CLEANING parameter for the reading options")
        merged = dict(given.get("CLEANING") or {})
        clean = {**(merged.get("clean") or {}), **(reading.pop("clean", None) or {})}
        merged.update(reading)
        if clean:
            merged["clean"] = clean
        given["CLEANING"] = merged
    given["OUTPUT_DIR"] = str(out_dir.resolve())
    missing = [name for name in ("DATA", "OUTPUT_DIR") if name in given and name not in declared]
    if missing:
        raise RunnerError(f"{notebook.name} has no parameter(s) {', '.join(missing)} in its parameters cell")
    return given


def export_html(notebook: Path, html_path: Path, no_code: bool, report: bool = True) -> None:
    """Write the HTML of an executed notebook: a report (course cells removed, the executive summary
    first) unless ``report`` is False; ``no_code`` hides every input cell. See ecomkit.reporting."""
    from ecomkit import reporting

    reporting.export_html(notebook, html_path, no_code=no_code, report=report)


def _failure_message(name: str, executed: Path, exc) -> str:
    evalue = (getattr(exc, "evalue", "") or "").strip().splitlines()
    first = evalue[0] if evalue else ""
    ename = getattr(exc, "ename", type(exc).__name__)
    cell = getattr(exc, "exec_count", None)
    where = f"cell [{cell}]" if cell is not None else f"cell #{getattr(exc, 'cell_index', '?')}"
    return f"{name} failed in {where}: {ename}: {first} (executed notebook: {executed})"


def run_chapter(chapter: str, data: str | None = None, columns: dict[str, str] | None = None,
                params: list[tuple[str, str]] | None = None, out: str | Path = "reports",
                no_code: bool = False, progress: bool = True, reading: dict | None = None,
                report: bool = True, engine: str | None = None) -> RunResult:
    """Execute one chapter notebook and write its executed copy, HTML report and results.json.

    ``reading`` holds the reading options of the command line (``preset``, ``status_map``,
    ``date_format``, ``dayfirst``, ``clean`` ...); they are merged into the notebook's ``CLEANING``.
    ``report`` (default) writes the manager's HTML: course-only cells removed, the executive summary
    first; ``run_course`` keeps the whole lesson. ``engine`` (``--engine``) sets the notebook's
    ``ENGINE`` parameter: auto, pandas, duckdb or spark.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    name, notebook = resolve_chapter(chapter)
    if not notebook.exists():
        raise RunnerError(f"chapter {chapter!r} has no notebook yet ({notebook})")
    out_dir = Path(out)
    declared = notebook_parameters(notebook)
    if engine is not None:
        if "ENGINE" not in declared:
            with_engine = [k for k, (nb, _) in CHAPTERS.items()
                           if (notebook_dir() / nb).exists() and "ENGINE" in notebook_parameters(notebook_dir() / nb)]
            raise RunnerError(f"--engine: {name} always runs in pandas; the chapters with an engine choice are "
                              f"{', '.join(with_engine) or 'none'}")
        if engine not in ENGINE_CHOICES:
            raise RunnerError(f"--engine {engine!r}: use one of {', '.join(ENGINE_CHOICES)}")
        params = [*(params or []), ("ENGINE", engine)]
    parameters = build_parameters(notebook, data, columns, params, out_dir, dict(reading or {}))
    if "ENGINE" in declared:
        engine = parameters.get("ENGINE") or ast.literal_eval(declared["ENGINE"].get("default") or "'auto'")
    currency = preflight(name, parameters, engine=engine, progress=progress)
    if currency and "CURRENCY" not in parameters and "CURRENCY" in declared:
        parameters["CURRENCY"] = currency  # the file said so; -p CURRENCY still wins
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{name}.ipynb"
    (out_dir / RESULTS_FILE).unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        pm.execute_notebook(str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent),
                            progress_bar=progress, kernel_name="python3",
                            # the kernel's own start-up warnings are not the analyst's concern
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except PapermillExecutionError as exc:
        raise ChapterFailed(_failure_message(name, executed, exc)) from None
    elapsed = time.perf_counter() - started
    html_path = out_dir / f"{name}.html"
    export_html(executed, html_path, no_code=no_code, report=report)
    results = _complete_results(out_dir / RESULTS_FILE, name, notebook, parameters, elapsed)
    return RunResult(name, executed, html_path, out_dir / RESULTS_FILE, results)


def _complete_results(path: Path, name: str, notebook: Path, parameters: dict, elapsed: float) -> dict:
    if path.exists():
        results = json.loads(path.read_text(encoding="utf-8"))
    else:  # the notebook never called course.start_run: still leave a well-formed file
        results = {"chapter": name, "data": parameters.get("DATA", "demo"), "results": {},
                   "ledger": None, "truth_check": None}
    chapters_dir = notebook_dir()
    results.update({
        "notebook": str(notebook.relative_to(chapters_dir.parent)) if notebook.parent == chapters_dir else str(notebook),
        "parameters": {**results.get("parameters", {}), **parameters},
        "ecomkit_version": __version__,
        "elapsed_s": round(elapsed, 2),
    })
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return results


def run_course(out: str | Path = "reports", progress: bool = True, chapters: list[str] | None = None) -> Path:
    """Run every chapter that has a notebook on the demo shop and write ``out/index.html``."""
    from tqdm.auto import tqdm

    out_dir = Path(out)
    keys = [k for k in (chapters or CHAPTERS) if (notebook_dir() / CHAPTERS[k][0]).exists()]
    runs: list[RunResult] = []
    bar = tqdm(keys, desc="course", unit="chapter", disable=not progress)
    for key in bar:
        bar.set_postfix_str(key)
        runs.append(run_chapter(key, out=out_dir / key, no_code=True, progress=False, report=False))
    index = out_dir / "index.html"
    index.write_text(render_index(runs, out_dir), encoding="utf-8")
    return index


def _headline(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (int, str, bool)) or value is None:
        return html.escape(str(value))
    return html.escape(json.dumps(value, ensure_ascii=False)[:80])


MAX_INDEX_ROWS = 24


def headline_numbers(results: dict, depth: int = 2, prefix: str = "") -> dict:
    """Scalar results, with nested dicts flattened to dotted names (``bgnbd.r``) up to ``depth``."""
    flat = {}
    for key, value in results.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth > 0:
            flat.update(headline_numbers(value, depth - 1, prefix=f"{name}."))
        elif not isinstance(value, (dict, list)):
            flat[name] = value
    return flat


def render_index(runs: list[RunResult], out_dir: Path) -> str:
    """An HTML page linking each chapter report with its scalar headline numbers."""
    sections = []
    for run in runs:
        title = CHAPTERS.get(run.chapter, (None, run.chapter))[1]
        link = run.html.relative_to(out_dir).as_posix()
        scalars = dict(list(headline_numbers(run.results.get("results", {})).items())[:MAX_INDEX_ROWS])
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{_headline(v)}</td></tr>" for k, v in scalars.items())
        truth = run.results.get("truth_check") or {}
        verdict = ""
        if truth:
            passed = truth.get("all_passed")
            verdict = f"<p>Ground-truth check: {'passed' if passed else 'FAILED' if passed is False else 'n/a'}</p>"
        sections.append(f"<section><h2><a href='{link}'>{html.escape(title)}</a></h2>{verdict}"
                        f"<table><tr><th>result</th><th>value</th></tr>{rows}</table>"
                        f"<p class='meta'>{run.results.get('elapsed_s')} s</p></section>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:left}.meta{color:#777}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>ecomkit course reports</title>"
            f"<style>{style}</style></head><body><h1>ecomkit course reports</h1>"
            f"<p>ecomkit {__version__}; every chapter run on the bundled demo shop.</p>{''.join(sections)}</body></html>")
