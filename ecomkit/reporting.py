"""Reports from executed notebooks: what a manager receives from ``ecomkit run``.

Cell tags choose what a reader sees (the Jupyter Book / nbconvert conventions):

=============== ===============================================================================
``course``      course-only material: learning goals, prerequisites, exercise pointers, demo
                commentary, ground-truth checks, published benchmarks — removed from reports
``summary``     the executive summary (headline numbers, the ledger in one line, decisions),
                computed at the end of the notebook and shown first in a report
``remove-input`` / ``hide-input``  code hidden, output kept (also done for every cell by ``--no-code``)
=============== ===============================================================================

The executed notebook keeps every cell; only the HTML changes.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["COURSE_TAG", "SUMMARY_TAG", "report_cells", "export_html"]

COURSE_TAG = "course"
SUMMARY_TAG = "summary"
_HIDE_INPUT = ("remove-input", "hide-input")


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def report_cells(nb, report: bool = True):
    """A copy of notebook ``nb`` as a report: course cells removed, the summary moved to the top
    (after the title cell). With ``report=False`` the notebook is returned unchanged (course pages)."""
    import copy

    nb = copy.deepcopy(nb)
    if not report:
        return nb
    cells = [c for c in nb.cells if COURSE_TAG not in _tags(c)]
    summary = [c for c in cells if SUMMARY_TAG in _tags(c)]
    rest = [c for c in cells if SUMMARY_TAG not in _tags(c)]
    title = rest[:1] if rest and rest[0].cell_type == "markdown" else []
    nb.cells = title + summary + rest[len(title):]
    return nb


def export_html(notebook: Path, html_path: Path, no_code: bool = False, report: bool = True) -> Path:
    """Write ``html_path`` from an executed notebook; ``report`` applies :func:`report_cells`,
    ``no_code`` hides every input cell (cells tagged ``remove-input`` lose their input anyway)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = report_cells(nbformat.read(str(notebook), as_version=4), report=report)
    for cell in nb.cells:
        if _tags(cell) & set(_HIDE_INPUT):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            cell.metadata["transient"] = {"remove_source": True}
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = no_code
    exporter.exclude_input_prompt = no_code
    exporter.exclude_output_prompt = no_code
    if not no_code:
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags=set(_HIDE_INPUT)), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    Path(html_path).write_text(body, encoding="utf-8")
    return Path(html_path)
