# Mandelbrot: iteration counts summed over 1920x1080 pixels, max 100
# iterations (the algorithm of benches/programs/mandelbrot.fl).
def mandelbrot(x, y, max_iter):
    zr = 0.0
    zi = 0.0
    i = 0
    while not (i >= max_iter or zr * zr + zi * zi > 4.0):
        zr, zi, i = zr * zr - zi * zi + x, 2.0 * zr * zi + y, i + 1
    return i


def render(width, height):
    total = 0
    for py in range(height):
        y = 2.0 * (float(py) / height) - 1.0
        for px in range(width):
            x = 3.0 * (float(px) / width) - 2.0
            total += mandelbrot(x, y, 100)
    return total


print(render(1920, 1080))
