"""The domain's vocabulary and rules, each written once: pure Python that reads no records (beside it in the
bottom layer are only the working-day clock, ``workdays``, and ``errors``).

- ``vocabulary``: action and learning-point statuses, complaint outcomes, which are open or upheld, what a
  learning gap is, how a learning point's status follows its actions;
- ``rag``: the Red/Amber/Green rule of an open complaint stage;
- ``periods``: financial years and their quarters;
- ``roles``: the role keys and their names;
- ``sql``: how a rule's constant becomes a SQL fragment, so SQL never restates a rule.

Each rule that SQL also needs has its SQL form here, generated from the same constant, and a
property-based test (``tests/test_rules.py``) holds the two forms together.
"""
