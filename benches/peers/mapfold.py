# map + fold over a 1,000,000-element list (a Python list): build
# [0 ... 999999], map x -> x*x mod 1000 over it, fold + over the result
# (sum() is Python's fold of +).
def square_mod(x):
    return (x * x) % 1000


xs = list(range(1000000))
ys = list(map(square_mod, xs))
print(sum(ys))
