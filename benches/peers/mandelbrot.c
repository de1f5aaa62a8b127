/* Mandelbrot: iteration counts summed over 1920x1080 pixels, max 100
   iterations (the algorithm of benches/programs/mandelbrot.fl). Float
   operations are in the same order as the Scheme; no -ffast-math, so gcc
   may not reassociate them. The size is read through volatiles. */
#include <stdio.h>

static long mandelbrot(double x, double y, long max_iter) {
    double zr = 0.0, zi = 0.0;
    long i = 0;
    while (!(i >= max_iter || zr * zr + zi * zi > 4.0)) {
        double nzr = zr * zr - zi * zi + x;
        double nzi = 2.0 * zr * zi + y;
        zr = nzr;
        zi = nzi;
        i = i + 1;
    }
    return i;
}

static long render(long width, long height) {
    long total = 0;
    for (long py = 0; py < height; py++) {
        double y = 2.0 * ((double)py / height) - 1.0;
        for (long px = 0; px < width; px++) {
            double x = 3.0 * ((double)px / width) - 2.0;
            total += mandelbrot(x, y, 100);
        }
    }
    return total;
}

int main(void) {
    volatile long width = 1920, height = 1080;
    printf("%ld\n", render(width, height));
    return 0;
}
