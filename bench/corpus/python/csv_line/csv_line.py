"""A small CSV field splitter."""


def split_csv_line(line, sep=","):
    '''Split one CSV line, honouring double quotes and doubled quotes inside them.

    >>> split_csv_line('a,"b,c",d')
    ['a', 'b,c', 'd']
    >>> split_csv_line('"say ""hi""",x')
    ['say "hi"', 'x']
    >>> split_csv_line('"a""b,c",d')
    ['a"b,c', 'd']
    >>> split_csv_line('')
    ['']
    '''
    fields, current, quoted, i = [], [], False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == sep:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    fields.append("".join(current))
    return fields
