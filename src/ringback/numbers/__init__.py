"""Business numbers: their configuration in SQL, read fast by every webhook."""

from ringback.numbers.directory import NumberDirectory

__all__ = ["NumberDirectory"]
