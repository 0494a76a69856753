// Calls bench_add (in libbench.so) 100,000 times (or as many as argv[1] says) and prints how
// long the loop took, in ns: wall clock, then the CPU time of its thread (user and system, so a
// shim's writes count; steadier than the wall clock on a machine shared with other work).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int bench_add(int, int);

static long elapsed(struct timespec a, struct timespec b) { return (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec); }

int main(int argc, char **argv)
{
    struct timespec t0, t1, c0, c1;
    int calls = argc > 1 ? atoi(argv[1]) : 100000;
    int acc = 0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < calls; ++i)
        acc = bench_add(acc, i);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    printf("%ld %ld %d\n", elapsed(t0, t1), elapsed(c0, c1), acc);
    return 0;
}
