"""The one sanitiser for repository text on its way to a terminal.

Everything a repository holds — subjects, emails, file and model names, values,
prompt lines, parser messages quoting them — is attacker-controlled text. Sent raw,
an escape sequence could repaint or hide lines, a newline in a file name could forge
a report line, a bidi override could make a diff read backwards. So every such string
passes through `safe` before it is printed (the CLI, the hooks, the app): control
and invisible formatting characters are shown as `\\xNN` / `\\uNNNN`, never sent.
"""

from __future__ import annotations

import json
import re

from auditui.core.base.values import json_text

# C0 (newline and tab included: a field is one line), DEL, C1, the invisible
# formatting characters a "trojan source" uses (zero-width, bidi embeddings, isolates),
# and surrogates: git's bytes that are not UTF-8 (a subject in Latin-1, a file name)
# are read as surrogates standing for them, which no terminal or file can be sent.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


def shown(match: re.Match[str]) -> str:
    """How `safe` writes one character it will not send."""
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as git gave it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object) -> str:
    """`text` fit for one line of a terminal: nothing in it can act on the terminal."""
    return _UNSAFE.sub(shown, str(text))


def json_dumps(data: object, indent: int | None = 2) -> str:
    """JSON as a terminal may show it: the same data, with every character `safe`
    would escape written as a JSON `\\uNNNN` escape (json itself leaves C1 and bidi
    characters raw when non-ASCII text is kept readable)."""

    text = json.dumps(data, indent=indent, ensure_ascii=False, default=json_text)
    return json_safe(text)  # C0 escaped already


def json_safe(text: str) -> str:
    """JSON text with every character `safe` would escape written as `\\uNNNN`."""
    if text.isascii() and "\x7f" not in text:
        return text  # the common case, told at C speed: nothing to escape (DEL is ASCII)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
