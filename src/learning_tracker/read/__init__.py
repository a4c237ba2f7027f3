"""The read side: every query the pages, reports and exports read through.

It filters, aggregates and pages in SQL and returns plain values or small DataFrames. It imports the
rules, the clock, the configuration and the store, never the services or the reports.

- ``sql``: the one query-building helper (conditions and their parameters, frames);
- ``report_figures``: the annual report's figures by financial year; ``key_facts``: the Overview's;
- ``register``: the complaints and compliments registers and a complaint's detail;
- ``open_stages``: the stages waiting for a response on a date, with their RAG (the RAG report's rows);
- ``monitoring``: the dashboard; ``themes``: themes and outcomes;
- ``learning_and_actions``: learning points, improvement actions and learning gaps;
- ``service_improvements``: the annual report's learning by service area (learning points, actions);
- ``reconciliation``: the reports' checks that each breakdown adds up to its total;
- ``forum``: what the Practice Improvement Forum's pack reads;
- ``templates`` and ``records``: the import and export templates, and the records in template form.
"""
