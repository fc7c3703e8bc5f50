"""Reading nested JSON-like data."""


def deep_get(data, path, default=None):
    """Look up a dotted path ('users.0.name') in nested dicts and lists.

    >>> data = {"users": [{"name": "ada"}], "count": 0}
    >>> deep_get(data, "users.0.name")
    'ada'
    >>> deep_get(data, "users.1.name", "?")
    '?'
    >>> deep_get(data, "count", 5)
    0
    """
    current = data
    for key in path.split("."):
        if isinstance(current, list):
            if not key.isdigit() or int(key) >= len(current):
                return default
            current = current[int(key)]
        elif isinstance(current, dict) and key in current:
            current = current[key]
        else:
            return default
    return current
