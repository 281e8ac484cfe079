"""PIN900 unparsable-file: a file pinlint could not read or parse is reported, never skipped silently."""

from pinlint.rules.base import MetaRule


class UnparsableFile(MetaRule):
    code = "PIN900"
    name = "unparsable-file"
    summary = "File could not be decoded or parsed"
