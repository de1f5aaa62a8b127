# nqueens 10: count all solutions with the classic list-based backtracking
# (the Gabriel/r7rs-benchmarks `queens`). Lists are Python lists: x holds the
# rows still to place, y the rows set aside, z the placed rows, newest first.
def ok(row, placed):
    for dist, q in enumerate(placed, 1):
        if q == row + dist or q == row - dist:
            return False
    return True


def try_it(x, y, z):
    if not x:
        return 1 if not y else 0
    head = x[0]
    count = 0
    if ok(head, z):
        count = try_it(x[1:] + y, [], [head] + z)
    return count + try_it(x[1:], [head] + y, z)


def queens(n):
    return try_it(list(range(1, n + 1)), [], [])


print(queens(10))
