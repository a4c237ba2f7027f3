"""Report builders and their renderers: the weekly RAG report, and the quarterly, annual and forum reports."""
