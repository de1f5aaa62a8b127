/* map + fold over a 1,000,000-element list: a malloc'd singly linked list
   (one malloc per cell, never freed, like a cons per element). Build
   (0 ... 999999), map x -> x*x mod 1000 into a fresh list, fold + over it.
   The length is read through a volatile. */
#include <stdio.h>
#include <stdlib.h>

typedef struct Cell { long car; struct Cell *cdr; } Cell;

static Cell *cons(long car, Cell *cdr) {
    Cell *c = malloc(sizeof *c);
    if (!c) { perror("malloc"); exit(1); }
    c->car = car;
    c->cdr = cdr;
    return c;
}

static Cell *range(long n) {               /* (0 1 ... n-1) */
    Cell *l = NULL;
    for (long i = n - 1; i >= 0; i--) l = cons(i, l);
    return l;
}

static Cell *map(long (*f)(long), Cell *l) { /* order-preserving */
    Cell head = { 0, NULL }, *tail = &head;
    for (; l; l = l->cdr) {
        tail->cdr = cons(f(l->car), NULL);
        tail = tail->cdr;
    }
    return head.cdr;
}

static long fold_left(long (*f)(long, long), long acc, Cell *l) {
    for (; l; l = l->cdr) acc = f(acc, l->car);
    return acc;
}

static long square_mod(long x) { return (x * x) % 1000; }
static long add(long a, long b) { return a + b; }

int main(void) {
    volatile long n = 1000000;
    printf("%ld\n", fold_left(add, 0, map(square_mod, range(n))));
    return 0;
}
