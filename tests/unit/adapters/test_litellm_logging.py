"""litellm's log records reach the application's handlers once, and format under the Faust worker's formatter.

litellm's logger filters render each message and set `record.args = None`; mode's `ExtensionFormatter` (Faust's)
turned that into `(None,)` and %-formatted the rendered message with it: "--- Logging error --- ... TypeError" on
every LLM call.
"""

from __future__ import annotations

import io
import logging

from mode.utils.logging import ExtensionFormatter

from adapters.ai_gateway.gateway import LITELLM_LOGGERS, _litellm


class _Recording(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.errors = 0

    def handleError(self, record: logging.LogRecord) -> None:
        self.errors += 1


def test_a_litellm_record_formats_once_under_the_worker_formatter() -> None:
    _litellm()
    handler = _Recording()
    handler.setFormatter(ExtensionFormatter(fmt="%(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        logging.getLogger("LiteLLM").info("\nLiteLLM completion() model= %s; provider = %s", "test-model", "openai")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert handler.errors == 0
    written = handler.stream.getvalue()
    assert "LiteLLM completion() model= test-model; provider = openai" in written
    assert all(not logging.getLogger(name).handlers for name in LITELLM_LOGGERS)  # printed once, by the app
