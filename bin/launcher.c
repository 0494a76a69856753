// icc++'s native launcher: the fast path without Node's start-up.
//
// Node takes 60-80 ms to start on a build machine, 10-12% of a header-heavy
// compile (npm run bench:build). Most compiles in a build have no
// interceptor, and for those icc++ only has to run clang with the user's
// arguments. This program decides that case and execs clang itself; for
// anything else, and whenever it is unsure, it execs the Node driver
// (bin/icc++.mjs), which decides everything again from scratch.
//
// For the fast path it mirrors two pieces of the driver, and takes it only
// when both are certain:
//  * which words are C++ sources, and the include search path: the option
//    table comes from lib/args/options.ts (dist/launcher-options.h is
//    generated from it by scripts/launcher.mjs);
//  * the include scan of lib/scan.ts: no source, -include file or header
//    reachable through the user's -iquote/-I/-isystem/-idirafter dirs
//    mentions "interceptor", and every #include names a file, not a macro.
// test/e2e/launcher.test.ts checks both against the driver.
//
// When a source may hold interceptors, the driver's first step is `clang -E` on it. For a `-c`
// of one source, the launcher also mirrors that command (lib/preprocess.ts preprocessArgs, with
// flags generated from the same table) and starts it before it execs Node (start_early), so that
// it runs while Node starts; the driver adopts the run only if it is exactly the command it
// would run itself, and otherwise stops it and runs its own.
//
// ICC_LAUNCHER_TRACE=1 prints the decisions on stderr (for the tests); ICC_NO_EARLY=1 turns
// the early clang -E off (to compare).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher-options.h"

enum { LIMIT_FILES = 5000 };

static bool trace;

/** Hands the command to the Node driver. Never returns. */
static void run_node(const char *root, int argc, char **argv, const char *why, ...) {
  if (trace) {
    va_list ap;
    va_start(ap, why);
    fputs("icc++: launcher: node: ", stderr);
    vfprintf(stderr, why, ap);
    fputc('\n', stderr);
    va_end(ap);
  }
  char entry[PATH_MAX];
  snprintf(entry, sizeof entry, "%s/bin/icc++.mjs", root);
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) abort();
  args[0] = "node";
  args[1] = entry;
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  execvp("node", args);
  fprintf(stderr, "icc++: error: cannot run node: %s\n", strerror(errno));
  exit(1);
}

// ---- growable lists of strings --------------------------------------------------------------

typedef struct {
  char **items;
  size_t count, cap;
} List;

static void push(List *l, char *s) {
  if (l->count == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->items = realloc(l->items, l->cap * sizeof *l->items);
    if (!l->items) abort();
  }
  l->items[l->count++] = s;
}

static bool contains(const List *l, const char *s) {
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->items[i], s) == 0) return true;
  return false;
}

// ---- paths, as node's path.resolve makes them -----------------------------------------------

/** `dir`/`name` made absolute and normal (no `.`, `..` or doubled `/`), symlinks untouched. */
static char *resolve(const char *cwd, const char *dir, const char *name) {
  size_t size = strlen(cwd) + strlen(dir) + strlen(name) + 4;
  char *joined = malloc(size);
  char *out = malloc(size);
  if (!joined || !out) abort();
  if (name[0] == '/') snprintf(joined, size, "%s", name);
  else if (dir[0] == '/') snprintf(joined, size, "%s/%s", dir, name);
  else snprintf(joined, size, "%s/%s/%s", cwd, dir, name);
  size_t n = 0;
  for (char *seg = strtok(joined, "/"); seg; seg = strtok(NULL, "/")) {
    if (strcmp(seg, ".") == 0) continue;
    if (strcmp(seg, "..") == 0) {
      while (n > 0 && out[n - 1] != '/') n--;
      if (n > 0) n--;
      continue;
    }
    out[n++] = '/';
    size_t len = strlen(seg);
    memcpy(out + n, seg, len);
    n += len;
  }
  if (n == 0) out[n++] = '/';
  out[n] = '\0';
  free(joined);
  return out;
}

static char *dirname_of(const char *file) {
  const char *slash = strrchr(file, '/');
  size_t len = slash == file ? 1 : (size_t)(slash - file);
  char *d = strndup(file, len);
  if (!d) abort();
  return d;
}

static bool is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

// ---- the option table -----------------------------------------------------------------------

/** The option a word starts, as lib/args/options.ts lookupOption finds it; NULL when none. */
static const LauncherOption *lookup_option(const char *word, const char **rest) {
  size_t wlen = strlen(word);
  for (size_t len = wlen < LAUNCHER_LONGEST ? wlen : LAUNCHER_LONGEST; len > 0; len--) {
    size_t lo = 0, hi = LAUNCHER_OPTION_COUNT;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = strncmp(LAUNCHER_OPTIONS[mid].name, word, len);
      if (c == 0 && LAUNCHER_OPTIONS[mid].name[len] != '\0') c = 1;
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        const LauncherOption *o = &LAUNCHER_OPTIONS[mid];
        bool joins = o->kind != KIND_FLAG && o->kind != KIND_SEPARATE && o->kind != KIND_MULTI_ARG;
        if (len == wlen || joins) {
          *rest = word + len;
          return o;
        }
        break;
      }
    }
  }
  return NULL;
}

/** The word's extension is one of `extensions` (generated from classify.ts languageFor, as it
 *  reads inputs under clang++: LAUNCHER_CXX_EXTENSIONS for C++ sources and headers). */
static bool has_extension(const char *word, const char *const *extensions) {
  const char *dot = strrchr(word, '.');
  if (!dot) return false;
  for (const char *const *e = extensions; *e; e++)
    if (strcmp(dot + 1, *e) == 0) return true;
  return false;
}

// ---- the include scan (lib/scan.ts) ---------------------------------------------------------

typedef struct {
  List quote, angle; // search directories, as scan.ts searchPath builds them
} SearchPath;

static char *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return NULL;
  }
  size_t cap = (size_t)st.st_size + 1, n = 0;
  char *buf = malloc(cap);
  if (!buf) abort();
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) abort();
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      free(buf);
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/** JavaScript's String.prototype.trim for text read as latin1. */
static bool js_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool ident_char(unsigned char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

typedef struct {
  char *name;
  bool quoted, every;
} Include;

/**
 * One file's #include lines, as scan.ts's INCLUDE and TARGET expressions read them.
 * Returns false when a line names no file (`#include MACRO`): only the preprocessor knows.
 */
static bool includes_of(const char *text, size_t len, Include **out, size_t *count) {
  size_t cap = 0;
  *out = NULL;
  *count = 0;
  for (size_t line = 0; line < len;) {
    // Lines end at \n or \r, as for the `m` flag of scan.ts's expression (and for clang).
    size_t eol = line;
    while (eol < len && text[eol] != '\n' && text[eol] != '\r') eol++;
    size_t i = line;
    while (i < eol && (text[i] == ' ' || text[i] == '\t')) i++;
    if (i < eol && text[i] == '#') {
      i++;
      while (i < eol && (text[i] == ' ' || text[i] == '\t')) i++;
      static const char *const keywords[] = {"include_next", "include", "import"};
      for (size_t k = 0; k < 3; k++) {
        size_t kl = strlen(keywords[k]);
        if (eol - i < kl || memcmp(text + i, keywords[k], kl) != 0) continue;
        if (i + kl < eol && ident_char((unsigned char)text[i + kl])) continue; // \b
        size_t j = i + kl;
        while (j < eol && (text[j] == ' ' || text[j] == '\t')) j++;
        char close = j < eol && text[j] == '"' ? '"' : j < eol && text[j] == '<' ? '>' : 0;
        const char *stop = close ? memchr(text + j + 1, close, eol - j - 1) : NULL;
        if (!stop || stop == text + j + 1) {
          free(*out);
          return false;
        }
        const char *a = text + j + 1, *b = stop;
        while (a < b && js_space((unsigned char)*a)) a++;
        while (b > a && js_space((unsigned char)b[-1])) b--;
        if (*count == cap) {
          cap = cap ? cap * 2 : 16;
          *out = realloc(*out, cap * sizeof **out);
          if (!*out) abort();
        }
        Include *inc = &(*out)[(*count)++];
        inc->name = strndup(a, (size_t)(b - a));
        if (!inc->name) abort();
        inc->quoted = close == '"';
        inc->every = k == 0;
        break;
      }
    }
    line = eol + 1;
  }
  return true;
}

/** NULL when no file the source can include mentions an interceptor; else why not certain. */
static const char *why_not_certain(const char *cwd, const char *source, const List *forced, const SearchPath *search) {
  List queue = {0}, seen = {0};
  push(&queue, resolve(cwd, "", source));
  for (size_t i = 0; i < forced->count; i++) push(&queue, resolve(cwd, "", forced->items[i]));
  while (queue.count > 0) {
    char *file = queue.items[--queue.count];
    if (contains(&seen, file)) continue;
    push(&seen, file);
    if (seen.count > LIMIT_FILES) return "more headers than the scan reads";
    size_t len;
    char *text = read_file(file, &len);
    if (!text) return "a file it can't read";
    if (memmem(text, len, "interceptor", 11)) return "a file mentions interceptor";
    Include *incs;
    size_t n;
    if (!includes_of(text, len, &incs, &n)) return "an #include that names a macro";
    free(text);
    char *here = dirname_of(file);
    for (size_t k = 0; k < n; k++) {
      List dirs = {0};
      if (incs[k].name[0] == '/') push(&dirs, "");
      else if (incs[k].quoted) {
        push(&dirs, here);
        for (size_t d = 0; d < search->quote.count; d++) push(&dirs, search->quote.items[d]);
      } else
        for (size_t d = 0; d < search->angle.count; d++) push(&dirs, search->angle.items[d]);
      for (size_t d = 0; d < dirs.count; d++) {
        char *candidate = resolve(cwd, dirs.items[d], incs[k].name);
        if (!is_file(candidate)) {
          free(candidate);
          continue;
        }
        push(&queue, candidate);
        if (!incs[k].every) break;
      }
      free(dirs.items);
    }
  }
  return NULL;
}

// ---- the real clang (lib/clang.ts findClang) ------------------------------------------------

static bool env_flag(const char *name) {
  const char *v = getenv(name);
  return v && *v && strcmp(v, "0") != 0;
}

/** An executable file that isn't icc++ itself (`self`: bin/icc++, symlinks resolved). */
static bool usable_clang(const char *candidate, const char *self) {
  char real[PATH_MAX];
  return access(candidate, X_OK) == 0 && is_file(candidate) && !(realpath(candidate, real) && strcmp(real, self) == 0);
}

/** The clang++ to run, or NULL when the driver should decide (and report) it. */
static char *find_clang(const char *cwd, const char *self) {
  const char *name = getenv("ICC_CLANG");
  if (!name || !*name) name = "clang++";
  if (strchr(name, '/')) {
    char *candidate = resolve(cwd, "", name);
    return usable_clang(candidate, self) ? candidate : NULL;
  }
  const char *path = getenv("PATH");
  char *dirs = strdup(path ? path : "");
  if (!dirs) abort();
  for (char *save, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    if (dir[0] != '/') return NULL; // node's path.join would reshape a relative entry: let it
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = '\0';
    size_t size = strlen(dir) + strlen(name) + 2;
    char *candidate = malloc(size);
    if (!candidate) abort();
    snprintf(candidate, size, dl == 1 ? "%s%s" : "%s/%s", dir, name);
    if (usable_clang(candidate, self)) return candidate;
    free(candidate);
  }
  return NULL;
}

// ---- clang -E started early (lib/preprocess.ts adopts it) ----------------------------------

static pid_t early_clang;
static int wake[2]; // the waiter's self-pipe: SIGCHLD writes to it

static void forward_signal(int sig) {
  if (early_clang > 0) kill(early_clang, sig);
}

static void child_ended(int sig) {
  (void)sig;
  int saved = errno;
  if (write(wake[1], "", 1) < 0) {} // full: a wake-up is pending anyway
  errno = saved;
}

static bool write_all(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = write(fd, data, len) == (ssize_t)len;
  return close(fd) == 0 && ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

/** The waiter, after clang has started: records how clang ends, and once the driver is gone (it
 *  holds the write end of `driver`; EOF when it and its children have ended), removes the temp
 *  dir, if the driver didn't (it was stopped before it could). */
static void wait_and_clean(const char *dir, int driver) {
  bool clang_done = false, driver_gone = false;
  char path[PATH_MAX + 16], done[PATH_MAX + 16];
  while (!(clang_done && driver_gone)) {
    struct pollfd fds[2] = {{.fd = wake[0], .events = POLLIN}, {.fd = driver, .events = POLLIN}};
    if (poll(fds, driver_gone ? 1 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char drain[64];
    while (read(wake[0], drain, sizeof drain) > 0) {}
    int status = 0;
    if (!clang_done && waitpid(early_clang, &status, WNOHANG) == early_clang) {
      clang_done = true;
      early_clang = 0;
      char text[32];
      int n = WIFSIGNALED(status) ? snprintf(text, sizeof text, "signal %d", WTERMSIG(status))
                                  : snprintf(text, sizeof text, "exit %d", WEXITSTATUS(status));
      snprintf(path, sizeof path, "%s/status.part", dir);
      snprintf(done, sizeof done, "%s/status", dir);
      if (write_all(path, text, (size_t)n)) rename(path, done);
    }
    if (!driver_gone && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      char b;
      ssize_t r = read(driver, &b, 1);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        driver_gone = true;
        if (!clang_done) kill(early_clang, SIGTERM);
      }
    }
  }
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/**
 * A source may hold interceptors, so the driver's first step will be `clang -E` on it: start it
 * now, to run while Node starts (Node's start-up and the -E take about as long). A waiter process
 * runs clang with stdout and stderr into files of a new temp dir, forwards SIGINT/SIGTERM/SIGHUP
 * to it, and writes its status last. The driver adopts the run only if it would have run exactly
 * this command (lib/preprocess.ts), and otherwise stops it and runs its own. Returns "pid:dir"
 * for ICC_EARLY_E, or NULL when nothing was started.
 */
static char *start_early_held(char **args, const sigset_t *before);

static char *start_early(char **args) {
  // A build tool's SIGINT to the process group may come at any instant. Held back from here
  // until the waiter forwards signals and cleans up (and the launcher has a waiter to clean up
  // for it), it can't leave the temp dir behind: before, one arriving between mkdtemp and the
  // waiter's handlers left icc-XXXXXX/args.
  sigset_t held, before;
  sigemptyset(&held);
  const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  for (size_t k = 0; k < 4; k++) sigaddset(&held, forwarded[k]);
  sigprocmask(SIG_BLOCK, &held, &before);
  char *started = start_early_held(args, &before);
  sigprocmask(SIG_SETMASK, &before, NULL); // one that came meanwhile acts now
  return started;
}

/** start_early with the forwarded signals blocked; `before` is the mask to give clang (and the
 *  waiter, once its handlers are in place). */
static char *start_early_held(char **args, const sigset_t *before) {
  const char *tmp = getenv("TMPDIR");
  static char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/icc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return NULL;
  size_t len = 0;
  for (char **a = args; *a; a++) len += strlen(*a) + 1;
  char *joined = malloc(len), *p = joined;
  if (!joined) abort();
  for (char **a = args; *a; a++) p = stpcpy(p, *a) + 1;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/args", dir);
  bool written = write_all(path, joined, len);
  free(joined);
  int driver[2] = {-1, -1};
  pid_t waiter = written && pipe(driver) == 0 ? fork() : -1;
  if (waiter < 0) {
    if (driver[0] >= 0) close(driver[0]), close(driver[1]);
    snprintf(path, sizeof path, "%s/args", dir);
    unlink(path);
    rmdir(dir);
    return NULL;
  }
  if (waiter == 0) {
    int null = open("/dev/null", O_RDWR);
    snprintf(path, sizeof path, "%s/out", dir);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    snprintf(path, sizeof path, "%s/err", dir);
    int err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null < 0 || out < 0 || err < 0 || pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) _exit(127);
    close(driver[1]);
    struct sigaction on_child = {0};
    on_child.sa_handler = child_ended;
    sigaction(SIGCHLD, &on_child, NULL);
    setenv("ICC_ACTIVE", "1", 1);
    early_clang = fork();
    if (early_clang == 0) {
      close(driver[0]);
      dup2(null, 0), dup2(out, 1), dup2(err, 2);
      sigprocmask(SIG_SETMASK, before, NULL);
      execv(args[0], args);
      _exit(127);
    }
    // The waiter holds none of the build's pipes: a build tool waiting for the end of icc++'s
    // output must not wait for it.
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    struct sigaction sa = {0};
    sa.sa_handler = forward_signal;
    const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t k = 0; k < 4; k++) sigaction(forwarded[k], &sa, NULL);
    if (early_clang < 0) _exit(127);
    sigprocmask(SIG_SETMASK, before, NULL); // a signal held back so far goes to clang now
    wait_and_clean(dir, driver[0]);
    _exit(0);
  }
  close(driver[0]); // the write end stays open across the exec into Node: the waiter's EOF
  static char env[PATH_MAX + 32];
  snprintf(env, sizeof env, "%d:%s", (int)waiter, dir);
  return env;
}

/** What lib/preprocess.ts preprocessArgs reads of a command. */
typedef struct {
  List words; // the option words clang -E gets, in order
  int flags;  // every option's F_* flags, or-ed
  int inputs; // how many words are inputs
  const char *output;
  bool color; // the user chose colors (-f[no-]color-diagnostics, -f[no-]diagnostics-color)
} EarlyPlan;

/** `s` without its last extension; `in_name`: only one after the last '/'. */
static char *without_extension(const char *s, bool in_name) {
  char *copy = strdup(s);
  if (!copy) abort();
  char *dot = strrchr(copy, '.');
  if (dot && !(in_name && strchr(dot, '/'))) *dot = '\0';
  return copy;
}

static char *concat(const char *a, const char *b) {
  char *r = malloc(strlen(a) + strlen(b) + 1);
  if (!r) abort();
  return strcat(strcpy(r, a), b);
}

/** The driver's clang -E for `source` in a `-c` command of one input, or NULL for other commands. */
static char **early_command(const char *clang, const EarlyPlan *plan, const char *source) {
  if (plan->inputs != 1 || !has_extension(source, LAUNCHER_CXX_SOURCE_EXTENSIONS)) return NULL;
  if (!(plan->flags & F_COMPILE) || (plan->flags & (F_OTHER_MODE | F_INFO))) return NULL;
  List args = {0};
  push(&args, (char *)clang);
  for (size_t k = 0; k < plan->words.count; k++) push(&args, plan->words.items[k]);
  push(&args, "-Qunused-arguments");
  if (plan->flags & F_DEPS) { // depTarget: name the real output, never a temp file
    const char *slash = strrchr(source, '/');
    char *out = plan->output ? (char *)plan->output : concat(without_extension(slash ? slash + 1 : source, false), ".o");
    if (!(plan->flags & F_DEP_TARGET)) push(&args, "-MQ"), push(&args, out);
    if (!(plan->flags & F_DEP_FILE)) push(&args, "-MF"), push(&args, concat(without_extension(out, true), ".d"));
  }
  push(&args, "-E"), push(&args, "-x"), push(&args, "c++"), push(&args, (char *)source);
  if (isatty(2) && !plan->color) push(&args, "-fcolor-diagnostics");
  push(&args, NULL);
  return args.items;
}

// ---- main -----------------------------------------------------------------------------------

int main(int argc, char **argv) {
  trace = env_flag("ICC_LAUNCHER_TRACE");
  // The package root: this program is <root>/dist/icc++-launch.
  char root[PATH_MAX], self[PATH_MAX], cwd[PATH_MAX];
  if (!realpath("/proc/self/exe", root)) {
    fprintf(stderr, "icc++: error: cannot find the icc++ installation: %s\n", strerror(errno));
    return 1;
  }
  *strrchr(root, '/') = '\0';
  *strrchr(root, '/') = '\0';
  snprintf(self, sizeof self, "%s/bin/icc++", root);
  char real_self[PATH_MAX];
  if (realpath(self, real_self)) snprintf(self, sizeof self, "%s", real_self);
  if (!getcwd(cwd, sizeof cwd)) run_node(root, argc, argv, "no working directory");

  if (env_flag("ICC_DEBUG")) run_node(root, argc, argv, "ICC_DEBUG is set");
  if (env_flag("ICC_ACTIVE")) run_node(root, argc, argv, "started by the compiler icc++ runs");
  const char *scan = getenv("ICC_SCAN");
  if (scan && !env_flag("ICC_SCAN")) run_node(root, argc, argv, "ICC_SCAN=0");

  static const char *const colors[] = {"-fcolor-diagnostics", "-fno-color-diagnostics", "-fdiagnostics-color", "-fno-diagnostics-color"};
  List sources = {0}, forced = {0}, iquote = {0}, angle = {0}, after = {0};
  EarlyPlan early = {0};
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    const char *w = argv[i];
    for (size_t k = 0; k < 4; k++) early.color |= strncmp(w, colors[k], strlen(colors[k])) == 0;
    if (strncmp(w, "--icc-", 6) == 0) run_node(root, argc, argv, "%s", w);
    if (w[0] == '@') run_node(root, argc, argv, "a response file");
    if (strcmp(w, "-") == 0 || strcmp(w, "--") == 0) run_node(root, argc, argv, "%s", w);
    // A version query: the driver prints clang's text, then icc++'s own line (lib/about.ts).
    if (strcmp(w, "--version") == 0) run_node(root, argc, argv, "%s", w);
    verbose |= strcmp(w, "-v") == 0;
    if (w[0] != '-') {
      early.inputs++;
      if (has_extension(w, LAUNCHER_CXX_EXTENSIONS)) push(&sources, (char *)w);
      continue;
    }
    const char *rest = "";
    const LauncherOption *o = lookup_option(w, &rest);
    if (!o) { // -f/-g/-m families and unknown words stand alone, as in classify.ts
      push(&early.words, (char *)w);
      continue;
    }
    const int first = i;
    if (o->role == ROLE_LANGUAGE) run_node(root, argc, argv, "%s", w);
    const char *value = NULL;
    switch (o->kind) {
      case KIND_SEPARATE:
      case KIND_JOINED_AND_SEPARATE:
        value = i + 1 < argc ? argv[++i] : NULL;
        break;
      case KIND_JOINED_OR_SEPARATE:
        value = *rest ? rest : i + 1 < argc ? argv[++i] : NULL;
        break;
      case KIND_MULTI_ARG:
        i += o->count;
        break;
      default:
        value = rest;
    }
    early.flags |= o->flags;
    if (strcmp(o->name, "-Wp,") == 0 && (strncmp(rest, "-MD,", 4) == 0 || strncmp(rest, "-MMD,", 5) == 0) && strchr(rest, ',') == strrchr(rest, ','))
      early.flags |= F_DEPS | F_DEP_FILE; // clang's driver reads it as -MD/-MMD -MF file
    for (int k = first; k <= i && k < argc; k++) {
      if (!(o->flags & F_NOT_FOR_PP)) push(&early.words, argv[k]);
      for (size_t c = 0; c < 4 && k > first; c++) early.color |= strncmp(argv[k], colors[c], strlen(colors[c])) == 0;
    }
    if (o->flags & F_OUTPUT) early.output = value;
    if (!value) continue;
    switch (o->role) {
      case ROLE_IQUOTE: push(&iquote, resolve(cwd, "", value)); break;
      case ROLE_ANGLE: push(&angle, resolve(cwd, "", value)); break;
      case ROLE_AFTER: push(&after, resolve(cwd, "", value)); break;
      case ROLE_FORCED: push(&forced, (char *)value); break;
      default: break;
    }
  }

  if (verbose && early.inputs == 0) run_node(root, argc, argv, "-v without inputs");
  SearchPath search = {0};
  for (size_t k = 0; k < iquote.count; k++) push(&search.quote, iquote.items[k]);
  for (size_t k = 0; k < angle.count; k++) push(&search.quote, angle.items[k]), push(&search.angle, angle.items[k]);
  for (size_t k = 0; k < after.count; k++) push(&search.quote, after.items[k]), push(&search.angle, after.items[k]);
  char *clang = find_clang(cwd, self);
  for (size_t k = 0; k < sources.count; k++) {
    const char *why = why_not_certain(cwd, sources.items[k], &forced, &search);
    if (!why) continue;
    char **command = clang && getenv("ICC_NO_EARLY") == NULL ? early_command(clang, &early, sources.items[k]) : NULL;
    char *started = command ? start_early(command) : NULL;
    if (started) setenv("ICC_EARLY_E", started, 1);
    // The driver's own scan would find the same: it preprocesses without reading the files again.
    setenv("ICC_SCAN", "0", 1);
    run_node(root, argc, argv, "%s: %s%s", sources.items[k], why, started ? "; clang -E started early" : "");
  }
  if (!clang) run_node(root, argc, argv, "no clang++ found here");
  if (trace) fprintf(stderr, "icc++: launcher: clang: %s\n", clang);
  setenv("ICC_ACTIVE", "1", 1);
  argv[0] = clang;
  execv(clang, argv);
  run_node(root, argc, argv, "exec %s: %s", clang, strerror(errno));
}
