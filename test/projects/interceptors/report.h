// What the interceptors in this folder counted, as one line per program
// (`name key=count …`) appended to the file $ICC_INTERCEPT_LOG names, at exit:
// test/e2e/real-projects.test.ts reads it. Each program calls it from a
// destructor function with its own counts.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void report_counts(const char *counts)
{
  const char *log = getenv("ICC_INTERCEPT_LOG");
  if (!log) return;
  char line[256];
  int n = snprintf(line, sizeof line, "%s %s\n", program_invocation_short_name, counts);
  int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  if (write(fd, line, n) != n) perror("ICC_INTERCEPT_LOG");
  close(fd);
}
