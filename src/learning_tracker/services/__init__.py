"""Use cases: every write checks the actor's role and service area, validates, runs in one
transaction and leaves one audit event. Pages call these; they never write to the store themselves."""

from .core import Actor, actor_by_email, load_actor

__all__ = ["Actor", "actor_by_email", "load_actor"]
