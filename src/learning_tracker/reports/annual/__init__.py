"""The statutory annual complaints report of a financial year, computed from the records.

``annual_report(db, year, as_of)`` gives every figure (the JSON data contract in the README, "The
annual report's data"); ``publishable(report)`` is the same report with small counts suppressed;
``annual_document(report)`` turns either into a ``render.Document``. The modules, by job:

- ``figures``: the report's figures, assembled from the read side (``annual_report``);
- ``suppression``: small-number suppression (``suppress``, ``publishable``);
- ``prose``: the draft prose (``summary_draft``, ``area_draft``, ``previous_actions_draft``, ``drafts``) and
  the saved sections put in its place (``with_sections``, ``section_statuses``), and what a saved section
  was based on (``figures_of``);
- ``document``: the report as a document and its outputs (``annual_document``, ``about``, ``to_json``,
  ``to_docx``).

The reconciliation is the read side's (``read.reconciliation``), shared with the quarterly report.
This package re-exports what the pages, the command line and the scripts call.
"""

from .document import about, annual_document, to_docx, to_json
from .figures import annual_report
from .prose import computed_drafts, drafts, figures_of, section_statuses, with_sections
from .suppression import publishable, suppress

__all__ = ["about", "annual_document", "annual_report", "computed_drafts", "drafts", "figures_of", "publishable", "section_statuses",
           "suppress", "to_docx", "to_json", "with_sections"]
