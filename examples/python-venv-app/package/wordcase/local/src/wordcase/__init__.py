"""Small text-casing helpers.

Stands in for a third-party dependency: it is built into a wheel by its own
releng package and installed into the application's venv from that local
wheel directory, never from an index.
"""

__all__ = ["STYLES", "apply", "shout", "title", "whisper"]


def title(text: str) -> str:
    """Capitalise each word: ``"ada lovelace"`` -> ``"Ada Lovelace"``."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


def shout(text: str) -> str:
    """Upper-case, as if shouted."""
    return text.upper()


def whisper(text: str) -> str:
    """Lower-case, as if whispered."""
    return text.lower()


STYLES = {"title": title, "shout": shout, "whisper": whisper, "plain": str}


def apply(style: str, text: str) -> str:
    """Apply the style named ``style`` (one of :data:`STYLES`)."""
    try:
        return STYLES[style](text)
    except KeyError:
        raise ValueError(f"unknown style {style!r}; use one of {', '.join(sorted(STYLES))}") from None
