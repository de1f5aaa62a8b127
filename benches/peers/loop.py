# A 100,000,000-iteration loop summing the loop index.
def sum_to(n):
    i = 0
    acc = 0
    while i != n:
        acc += i
        i += 1
    return acc


print(sum_to(100000000))
