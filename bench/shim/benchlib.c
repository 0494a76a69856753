// libbench.so for npm run bench:shim: one tiny function, so that what is timed is the call.
int bench_add(int a, int b) { return a + b; }
