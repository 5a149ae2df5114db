"""Business numbers: their configuration in SQL, read fast by every webhook."""

from ringback.numbers.directory import NumberDirectory, NumberKeys

__all__ = ["NumberDirectory", "NumberKeys"]
