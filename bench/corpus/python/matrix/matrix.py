"""Matrices as lists of rows."""


def matmul(a, b):
    """Matrix product.

    >>> matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    [[19, 22], [43, 50]]
    >>> matmul([[1, 2, 3]], [[1], [2], [3]])
    [[14]]
    """
    if len(a[0]) != len(b):
        raise ValueError("inner dimensions differ")
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def transpose(m):
    """Rows become columns.

    >>> transpose([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    """
    return [[row[j] for row in m] for j in range(len(m[0]))]
