r"""cleaner: strip aggregator boilerplate from scraped news text and keep each passage once.

>>> from cleaner import clean, Config
>>> [r.body for r in clean(["Rates rise again.\nShare\nCopy Link"], Config())]
['Rates rise again.']
"""

from ._version import __version__
from .config import Config
from .document import Document, Encoded, Reject, Removal, Result
from .run.pipeline import Cleaner, clean

__all__ = ["Cleaner", "Config", "Document", "Encoded", "Reject", "Removal", "Result", "__version__", "clean"]
