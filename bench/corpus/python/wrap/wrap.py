"""Greedy word wrapping."""


def wrap(text, width):
    """Lines of at most `width` characters; a longer word gets a line of its own.

    >>> wrap("the quick brown fox jumps over the lazy dog", 10)
    ['the quick', 'brown fox', 'jumps over', 'the lazy', 'dog']
    >>> wrap("", 5)
    []
    >>> wrap("extraordinary word", 5)
    ['extraordinary', 'word']
    """
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
