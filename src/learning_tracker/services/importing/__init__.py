"""Importing records from the council's case system and spreadsheets: file -> validated rows -> one
transaction, with a row-by-row error report.

The steps, each a function the page and the command share, each in its own module:

1. ``reading``: ``read_table`` reads a CSV or an Excel workbook (.xlsx) into a header and rows. A file
   that is not what it claims (a PDF named .csv, an empty file) is one clear sentence (``UnreadableFile``);
   ``cells`` turns one Excel cell into text, and reads a row's id.
2. ``mapping``: a ``Mapping`` pairs the template's fields (``read.templates``) with the file's columns,
   with value mappings for coded columns ("Partially Upheld" -> partly upheld). ``guess_mapping``
   pairs the obvious ones; a canonical template file needs no mapping at all. Mappings are saved by name.
3. ``checking``: ``plan_import`` checks every row (pydantic, then the domain rules against lookups loaded
   once) and works out what would be added, updated (field by field) and left unchanged. Nothing is
   written.
4. ``writing``: ``import_file`` does 1 to 3 and, when no row has an error, writes everything in one
   transaction with one audit event naming the file and its counts. Any error writes nothing.

A record that exists already is updated: a complaint by its reference, a service area by its name, a
user by their email, anything else by its ``id`` column. A row without an id (compliments, learning,
actions) is matched to an identical record, so importing the same file twice changes nothing the
second time. A column the file does not have leaves that field of an existing record as it is.
"""

from ...read.records import Lookups, allowed_values, norm
from .checking import MAX_PROBLEMS_SHOWN, FieldChange, ImportPlan, RowUpdate, plan_import, problems_csv
from .mapping import (
    Mapping,
    check_columns,
    closest_value,
    distinct_values,
    guess_mapping,
    ignored_columns,
    is_canonical,
    load_mapping,
    mapped_rows,
    save_mapping,
    saved_mappings,
    unmatched_values,
    value_meaning,
)
from .reading import Table, UnreadableFile, read_table
from .writing import import_file

__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "FieldChange",
    "ImportPlan",
    "Lookups",
    "Mapping",
    "RowUpdate",
    "Table",
    "UnreadableFile",
    "allowed_values",
    "check_columns",
    "closest_value",
    "distinct_values",
    "guess_mapping",
    "ignored_columns",
    "import_file",
    "is_canonical",
    "load_mapping",
    "mapped_rows",
    "norm",
    "plan_import",
    "problems_csv",
    "read_table",
    "save_mapping",
    "saved_mappings",
    "unmatched_values",
    "value_meaning",
]
