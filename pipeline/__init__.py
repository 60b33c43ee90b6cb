"""fenjie (分解): work-breakdown notices of Chinese governments -> auditable datasets."""

__version__ = "0.1.0"
