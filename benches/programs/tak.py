def tak(x, y, z):
    if not (y < x):
        return z
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
r = 0
for i in range(200):
    r = tak(18, 12, 6)
print(r)
