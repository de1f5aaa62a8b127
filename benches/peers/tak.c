/* tak(18, 12, 6), repeated 200 times; prints the last result.
   The arguments are re-read from volatiles on every repetition so gcc cannot
   hoist the (pure) call out of the loop and run it once. */
#include <stdio.h>

static long tak(long x, long y, long z) {
    if (!(y < x)) return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

int main(void) {
    volatile long a = 18, b = 12, c = 6;
    long r = 0;
    for (int i = 0; i < 200; i++) r = tak(a, b, c);
    printf("%ld\n", r);
    return 0;
}
