"""Pagination of listings."""


def paginate(total_items, page, per_page=10):
    """Describe one page of a listing: the slice of items it shows and its neighbours.

    >>> paginate(95, 1)
    {'pages': 10, 'start': 0, 'end': 10, 'prev': None, 'next': 2}
    >>> paginate(95, 10)
    {'pages': 10, 'start': 90, 'end': 95, 'prev': 9, 'next': None}
    >>> paginate(0, 1)
    {'pages': 1, 'start': 0, 'end': 0, 'prev': None, 'next': None}
    """
    pages = max(1, -(-total_items // per_page))
    if not 1 <= page <= pages:
        raise ValueError(f"page {page} is not in 1..{pages}")
    start = (page - 1) * per_page
    end = min(start + per_page, total_items)
    return {
        "pages": pages,
        "start": start,
        "end": end,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
    }
