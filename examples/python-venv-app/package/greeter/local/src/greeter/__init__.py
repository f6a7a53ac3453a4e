"""greeter: a tiny greeting service, shipped with its own virtual environment."""

from importlib import metadata

__version__ = metadata.version("greeter")
