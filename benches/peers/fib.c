/* fib(32), naive doubly recursive. The argument is read through a volatile
   so gcc cannot evaluate the call at compile time. */
#include <stdio.h>

static long fib(long n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void) {
    volatile long n = 32;
    printf("%ld\n", fib(n));
    return 0;
}
