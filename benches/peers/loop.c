/* A 100,000,000-iteration loop summing the loop index.
   To keep the loop from being computed at compile time: the bound is read
   through a volatile (so it is not a constant), and an empty asm statement
   makes acc opaque on every iteration, so gcc can neither replace the loop
   by its closed form n*(n-1)/2 nor vectorize it. What remains is one add,
   one increment, one compare and a branch per iteration, in registers. */
#include <stdio.h>

int main(void) {
    volatile long bound = 100000000;
    long n = bound;
    long acc = 0;
    for (long i = 0; i < n; i++) {
        acc += i;
        __asm__ volatile("" : "+r"(acc));
    }
    printf("%ld\n", acc);
    return 0;
}
