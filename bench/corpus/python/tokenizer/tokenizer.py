"""A tokenizer for arithmetic expressions."""


def tokenize(source):
    """Split an expression into numbers, names, operators and parentheses.

    >>> tokenize("3 + 4.5*(x1 - 2)")
    ['3', '+', '4.5', '*', '(', 'x1', '-', '2', ')']
    >>> tokenize("  ")
    []
    """
    tokens = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit() or ch == ".":
            start = i
            while i < len(source) and (source[i].isdigit() or source[i] == "."):
                i += 1
            tokens.append(source[start:i])
        elif ch.isalpha() or ch == "_":
            start = i
            while i < len(source) and (source[i].isalnum() or source[i] == "_"):
                i += 1
            tokens.append(source[start:i])
        elif ch in "+-*/()":
            tokens.append(ch)
            i += 1
        else:
            raise ValueError(f"unexpected {ch!r} at {i}")
    return tokens
