/* nqueens 10: count all solutions with the classic list-based backtracking
   (the Gabriel/r7rs-benchmarks `queens`). The lists are small int arrays on
   the stack (copied, as the Scheme version conses fresh lists): x holds the
   rows still to place, y the rows set aside, z the placed rows, newest
   first. n is read through a volatile. */
#include <stdio.h>

#define MAXN 32

static int ok(int row, const int *placed, int np) {
    for (int dist = 1; dist <= np; dist++) {
        int q = placed[dist - 1];
        if (q == row + dist || q == row - dist) return 0;
    }
    return 1;
}

static long try_it(const int *x, int nx, const int *y, int ny,
                   const int *z, int nz) {
    if (nx == 0) return ny == 0 ? 1 : 0;
    int head = x[0];
    long count = 0;
    if (ok(head, z, nz)) {
        int x2[MAXN], z2[MAXN];
        int n2 = 0;
        for (int i = 1; i < nx; i++) x2[n2++] = x[i];   /* (append (cdr x) y) */
        for (int i = 0; i < ny; i++) x2[n2++] = y[i];
        z2[0] = head;                                   /* (cons (car x) z) */
        for (int i = 0; i < nz; i++) z2[i + 1] = z[i];
        count = try_it(x2, n2, NULL, 0, z2, nz + 1);
    }
    int y3[MAXN];
    y3[0] = head;                                       /* (cons (car x) y) */
    for (int i = 0; i < ny; i++) y3[i + 1] = y[i];
    return count + try_it(x + 1, nx - 1, y3, ny + 1, z, nz);  /* (cdr x) shares */
}

int main(void) {
    volatile int vn = 10;
    int n = vn;
    int rows[MAXN];
    for (int i = 0; i < n; i++) rows[i] = i + 1;
    printf("%ld\n", try_it(rows, n, NULL, 0, NULL, 0));
    return 0;
}
