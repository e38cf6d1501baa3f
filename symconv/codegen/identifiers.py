"""Names that may appear in generated code: plain ASCII identifiers that shadow nothing.

Every name a user can influence (operator keys, symbol names) goes through
:func:`check_identifier` before it is printed, so generated code never contains
text a user wrote other than a validated identifier.

>>> check_identifier("in_channels", "symbol")
'in_channels'
>>> check_identifier("x; import os", "symbol")
Traceback (most recent call last):
...
symconv.errors.InvalidConfiguration: symbol 'x; import os' is not allowed in generated code: it must be ...
"""

from __future__ import annotations

import builtins
import keyword
import re

from symconv.errors import InvalidConfiguration

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_BUILTINS = frozenset(dir(builtins))


def check_identifier(name: object, what: str, reserved: frozenset[str] = frozenset()) -> str:
    """Return ``name`` if it is safe to print as a Python name, else raise ``InvalidConfiguration`` naming it.

    ``reserved`` holds the names the generated module defines itself.
    """
    if not isinstance(name, str) or not _PLAIN.fullmatch(name):
        problem = "it must be an ASCII identifier (a letter, then letters, digits or '_')"
    elif name in _KEYWORDS:
        problem = "it is a Python keyword"
    elif name in _BUILTINS:
        problem = "it would shadow a Python builtin"
    elif name in reserved:
        problem = "the generated module already defines it"
    else:
        return name
    raise InvalidConfiguration(f"{what} {name!r} is not allowed in generated code: {problem}")
