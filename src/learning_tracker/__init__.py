"""learning_tracker: Children's Services complaints, the learning drawn from them, and the actions that finish it."""

__version__ = "0.1.0"
