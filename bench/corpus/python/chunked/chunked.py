"""Splitting sequences into chunks."""


def chunked(items, size):
    """Consecutive chunks of `size` items; the last one may be shorter.

    >>> chunked([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    >>> chunked([], 3)
    []
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    chunks = []
    start = 0
    while start < len(items):
        chunks.append(items[start:start + size])
        start += size
    return chunks
