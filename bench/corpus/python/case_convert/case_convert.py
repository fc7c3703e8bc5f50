"""Identifier case conversion."""

import re


def camel_to_snake(name):
    """Convert camelCase (acronyms included) to snake_case.

    >>> camel_to_snake("parseHTTPResponse")
    'parse_http_response'
    >>> camel_to_snake("userId")
    'user_id'
    >>> camel_to_snake("already_snake")
    'already_snake'
    """
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()
