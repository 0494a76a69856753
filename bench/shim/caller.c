// Calls bench_add (in libbench.so) CALLS times and prints how long the loop took, in ns.
#include <stdio.h>
#include <time.h>

int bench_add(int, int);

enum { CALLS = 100000 };

int main(void)
{
    struct timespec t0, t1;
    int acc = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < CALLS; ++i)
        acc = bench_add(acc, i);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
    printf("%ld %d\n", ns, acc);
    return 0;
}
