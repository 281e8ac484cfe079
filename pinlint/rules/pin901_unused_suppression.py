"""PIN901 unused-suppression: a suppression comment that suppressed nothing."""

from pinlint.rules.base import MetaRule


class UnusedSuppression(MetaRule):
    code = "PIN901"
    name = "unused-suppression"
    summary = "Suppression comment that suppresses nothing"
