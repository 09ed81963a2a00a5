r"""cleaner: strip aggregator boilerplate from scraped news text and keep each passage once.

>>> from cleaner import clean, Config
>>> [r.body for r in clean(["Rates rise again.\nShare\nCopy Link"], Config())]
['Rates rise again.']
"""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .document import Document, Encoded, Reject, Removal, Result  # noqa: E402
from .pipeline import Cleaner, clean  # noqa: E402

__all__ = ["Cleaner", "Config", "Document", "Encoded", "Reject", "Removal", "Result", "clean", "__version__"]
