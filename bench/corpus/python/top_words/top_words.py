"""Word frequencies."""

import re


def top_words(text, k):
    """The k most frequent words (case-insensitive), ties broken alphabetically.

    >>> top_words("the cat and the hat and the bat", 2)
    [('the', 3), ('and', 2)]
    >>> top_words("b a c b a", 3)
    [('a', 2), ('b', 2), ('c', 1)]
    """
    counts = {}
    for word in re.findall(r"[a-z']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:k]
