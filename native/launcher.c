/*
 * harness-launcher: starts agent sessions for the harness and watches them.
 *
 * The harness talks to it over stdin and stdout, one line per message, fields
 * separated by tabs; '%', tab, newline and NUL inside a field are written as
 * %25, %09, %0A and %00 (src/agents/launcher/protocol.ts is the other side).
 *
 *   init   <killGraceMs> <logMaxBytes> <heartbeatPollMs> <progressCoalesceMs>
 *          <exitFlushMs> <truncationNotice> <lineMaxBytes> <argc> <arg>...
 *          <envc> <KEY=VALUE>...
 *   start  <key> <cwd> <logPath or empty> <issueFile> <issueJson>
 *          <heartbeatFile> <promptFile> <prompt> <mode> <argc> <arg>...
 *          <envc> <KEY=VALUE>...
 *   kill   <key>
 *
 * A start's mode is `t` (text: the agent's output is progress) or `s`
 * (structured: the harness reads the agent's stdout, see below); argc 0
 * runs the init line's command, anything else this session's own argv (a
 * resume id, a budget). It answers with
 *
 *   spawn    <key> <pid>                   the agent runs, in its own session and group
 *   progress <key>                         output (mode t), or a touched heartbeat file
 *   out      <key> <line>                  mode s: one line of the agent's stdout, without its newline
 *   long     <key> <bytes>                 mode s: a stdout line longer than lineMaxBytes, not sent
 *   err      <key> <text>                  mode s: the agent's stderr, its first ERR_FORWARD_MAX bytes
 *   exit     <key> <code or -> <signal>    the agent ended (signal 0: none)
 *   fail     <key> <stage> <errno name> <message>   it could not be started
 *
 * Each session follows the same course as ProcessSession
 * (src/agents/process-session.ts), the runner used where this program is not
 * built, with one difference: stdin is a pipe already holding the whole
 * prompt and closed (a file, as there, when the prompt is larger than a
 * pipe holds). stdout and stderr go into a log capped at logMaxBytes, made
 * when the first output arrives (a session that prints nothing leaves no
 * log file): through one pipe in mode t, where any output is progress; in
 * mode s through two, stdout also sent to the harness line by line (its
 * parser decides what is progress) and stderr's head sent as it is (for
 * the agent's own words when it refuses to start). The exit is reported once
 * the output is drained, or exitFlushMs after the exit if something the
 * agent left behind holds the pipe. A kill is SIGTERM to the group, then
 * SIGKILL after the grace period if anything in the group is left.
 *
 * Agents are started with posix_spawn, which does not copy the launcher's
 * memory, with default signal dispositions and an empty signal mask. Every
 * descriptor of the launcher is close-on-exec, so agents inherit only their
 * stdin, stdout and stderr.
 *
 * On Linux the launcher is a child subreaper (PR_SET_CHILD_SUBREAPER): a
 * process an agent started and left behind, even one that moved to a new
 * session and process group with setsid, becomes the launcher's child when
 * its parent dies, instead of init's. When a session's agent exits, such
 * orphans (found through /proc, orphans.c) are stopped with everything they
 * started, together with the agent's group: SIGTERM, then SIGKILL after the
 * grace period. An orphan whose environment names a session still running
 * here (HARNESS_SESSION_ID) belongs to that session and is left to it; one
 * that names none is stopped, since nothing else would ever stop it.
 *
 * The launcher ignores SIGINT, SIGTERM and SIGHUP, which the harness handles
 * for the whole run. When its stdin closes (or its stdout breaks) the
 * harness is done with it, or gone (killed with SIGKILL, say): agents still
 * running then are stopped with everything they started, SIGTERM and then
 * SIGKILL after the grace period, and the launcher exits once they are.
 * Nothing could record what they do any more, and their issues go back to
 * the queue for others (the next run's recovery, or a fleet's coordinators).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "orphans.h"

#define READ_CHUNK 65536
#define NO_DEADLINE INT64_MAX
/* Bytes of a structured session's stderr sent to the harness; the log keeps all of it. */
#define ERR_FORWARD_MAX 8192

#ifdef __APPLE__
#define MTIME_NS(st) ((int64_t)(st).st_mtimespec.tv_sec * 1000000000 + (st).st_mtimespec.tv_nsec)
#else
#define MTIME_NS(st) ((int64_t)(st).st_mtim.tv_sec * 1000000000 + (st).st_mtim.tv_nsec)
#endif

extern char **environ;

/* ---- small helpers ---------------------------------------------------- */

static void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) {
    fputs("harness-launcher: out of memory\n", stderr);
    exit(70);
  }
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_cloexec_nonblock(int fd, int nonblock) {
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) return -1;
  if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) return -1;
  return 0;
}

static int make_pipe(int fds[2], int nonblock_read) {
  if (pipe(fds) == -1) return -1;
  if (set_cloexec_nonblock(fds[0], nonblock_read) == -1 || set_cloexec_nonblock(fds[1], 0) == -1) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  return 0;
}

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case EINVAL: return "EINVAL";
    case ETXTBSY: return "ETXTBSY";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

/* Write all of buf to fd (blocking); -1 on error. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* mkdir -p of the directory holding path. */
static void make_parent_dirs(const char *path) {
  char *copy = xstrdup(path);
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(copy, 0777);
    *p = '/';
  }
  free(copy);
}

/* open(), creating the parent directory first if it is missing. */
static int open_with_parent(const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC, 0666);
  if (fd == -1 && errno == ENOENT) {
    make_parent_dirs(path);
    fd = open(path, flags | O_CLOEXEC, 0666);
  }
  return fd;
}

/* ---- output to the harness -------------------------------------------- */

static char *out_buf;
static size_t out_len, out_cap;

static void out_append(const char *s, size_t n) {
  if (out_len + n > out_cap) {
    out_cap = (out_len + n) * 2 + 4096;
    char *grown = xmalloc(out_cap);
    memcpy(grown, out_buf, out_len);
    free(out_buf);
    out_buf = grown;
  }
  memcpy(out_buf + out_len, s, n);
  out_len += n;
}

static void out_field(const char *s) {
  out_append("\t", 1);
  for (; *s; s++) {
    if (*s == '%') out_append("%25", 3);
    else if (*s == '\t') out_append("%09", 3);
    else if (*s == '\n') out_append("%0A", 3);
    else out_append(s, 1);
  }
}

/* A field of `len` bytes that may hold anything (agent output): NUL is escaped too. */
static void out_field_n(const char *s, size_t len) {
  out_append("\t", 1);
  const char *run = s;
  for (const char *p = s; p < s + len; p++) {
    const char *esc = *p == '%' ? "%25" : *p == '\t' ? "%09" : *p == '\n' ? "%0A" : *p == '\0' ? "%00" : NULL;
    if (!esc) continue;
    out_append(run, (size_t)(p - run));
    out_append(esc, 3);
    run = p + 1;
  }
  out_append(run, (size_t)(s + len - run));
}

static void out_event(const char *type, const char *key, const char *a, const char *b, const char *c) {
  out_append(type, strlen(type));
  out_field(key);
  if (a) out_field(a);
  if (b) out_field(b);
  if (c) out_field(c);
  out_append("\n", 1);
}

/* Everything said this turn in one write. The harness gone: nothing to do but leave. */
/* Stdin closed or stdout broken: the harness is done with this launcher, or gone. */
static int harness_gone = 0;

static void out_flush(void) {
  if (out_len == 0) return;
  /* Nobody reads what the sessions still running say while they are stopped. */
  if (!harness_gone && write_all(STDOUT_FILENO, out_buf, out_len) == -1) harness_gone = 1;
  out_len = 0;
}

/* ---- configuration (the init line) ------------------------------------ */

static struct {
  int ready;
  int argv_has_nul;
  int64_t kill_grace_ms;
  int64_t log_max_bytes;
  int64_t heartbeat_poll_ms;
  int64_t progress_coalesce_ms;
  int64_t exit_flush_ms;
  int64_t line_max_bytes;
  char *notice;
  char **argv;
  char **env;
  size_t envc;
} config;

/* ---- sessions ----------------------------------------------------------- */

typedef struct {
  char *key;
  pid_t pid; /* also the process group */
  int structured; /* mode s: stdout sent line by line, stderr apart; output is not progress */
  int out_fd; /* read end of the output pipe (stdout, and stderr in mode t), -1 once closed */
  int err_fd; /* mode s: read end of the stderr pipe, -1 once closed (always in mode t) */
  char *line; /* mode s: the stdout line being read */
  size_t line_len, line_cap;
  int64_t line_skipped; /* bytes of a line over line_max_bytes being skipped; -1 when not skipping */
  int64_t err_sent; /* stderr bytes sent so far */
  char *log_path; /* NULL when the session has no log */
  int log_fd; /* -1 until the first output, and when there is no log or it failed */
  int log_opened; /* the first output came: log_fd is open, or failed to open */
  int64_t log_written;
  int log_capped;
  char *files[3]; /* issue, heartbeat, prompt (the worker's, rewritten per session; the harness removes them) */
  char *tag; /* its HARNESS_SESSION_ID=<id> environment entry, or NULL */
  int64_t heartbeat_mtime;
  int64_t last_progress;
  int exited, exit_code, exit_signal;
  int stdio_closed, reported, finished, terminating, group_gone;
  int64_t flush_at, abandon_at, kill_at;
} session_t;

static session_t **sessions;
static size_t session_count, session_cap;

static session_t *find_by_key(const char *key) {
  for (size_t i = 0; i < session_count; i++)
    if (strcmp(sessions[i]->key, key) == 0) return sessions[i];
  return NULL;
}

/* The running session of an agent; one that already exited no longer owns its pid. */
static session_t *find_by_pid(pid_t pid) {
  for (size_t i = 0; i < session_count; i++)
    if (sessions[i]->pid == pid && !sessions[i]->exited) return sessions[i];
  return NULL;
}

static int group_alive(pid_t pgid) {
  return kill(-pgid, 0) == 0 || errno == EPERM;
}

/* Whether an orphan's environment entry names a session whose agent still runs here. */
static int owned_by_running_session(const char *tag) {
  if (!tag) return 0;
  for (size_t i = 0; i < session_count; i++) {
    session_t *s = sessions[i];
    if (s->pid != 0 && !s->exited && s->tag && strcmp(s->tag, tag) == 0) return 1;
  }
  return 0;
}

/* After a SIGKILL sweep, orphans dying may free children of theirs forked meanwhile: sweep again until then. */
static int64_t kill_sweep_until = INT64_MIN;

/*
 * Signal (with `sig`; 0 only counts) every process left behind by sessions
 * that ended: each child of the launcher that is neither a running agent
 * nor owned by a running session, with all its descendants. Processes of
 * group `skip_pgid` are left out: the caller signals that group itself.
 * Returns how many processes were found.
 */
static size_t sweep_orphans(int sig, pid_t skip_pgid) {
  pid_list_t roots = {0}, left = {0};
  list_children(getpid(), &roots);
  for (size_t i = 0; i < roots.count; i++) {
    pid_t pid = roots.items[i];
    if (find_by_pid(pid) || is_zombie(pid)) continue;
    char *tag = environment_entry(pid, "HARNESS_SESSION_ID=");
    int owned = owned_by_running_session(tag);
    free(tag);
    if (!owned) list_tree(pid, &left);
  }
  size_t found = 0;
  for (size_t i = 0; i < left.count; i++) {
    pid_t pid = left.items[i];
    if (is_zombie(pid)) continue;
    found++;
    if (sig != 0 && (skip_pgid == 0 || getpgid(pid) != skip_pgid)) kill(pid, sig);
  }
  pid_list_free(&roots);
  pid_list_free(&left);
  return found;
}

static void terminate(session_t *s, int64_t now) {
  if (s->terminating) return;
  s->terminating = 1;
  kill(-s->pid, SIGTERM);
  if (s->exited) sweep_orphans(SIGTERM, s->pid);
  s->kill_at = now + config.kill_grace_ms;
}

/* The grace period is over: SIGKILL the group and whatever ended sessions left. */
static void kill_leftovers(session_t *s, int64_t now) {
  if (group_alive(s->pid)) kill(-s->pid, SIGKILL);
  sweep_orphans(SIGKILL, 0);
  kill_sweep_until = now + config.kill_grace_ms;
}

/* ---- a structured session's stdout, line by line ---------------------- */

static void send_line(session_t *s) {
  size_t len = s->line_len;
  if (len > 0 && s->line[len - 1] == '\r') len--;
  s->line_len = 0;
  if (len == 0) return;
  out_append("out", 3);
  out_field(s->key);
  out_field_n(s->line, len);
  out_append("\n", 1);
}

static void send_long(session_t *s) {
  char bytes[24];
  snprintf(bytes, sizeof bytes, "%lld", (long long)s->line_skipped);
  s->line_skipped = -1;
  out_event("long", s->key, bytes, NULL, NULL);
}

/* The line read so far, when the stream ends or the exit is reported without a last newline. */
static void flush_line(session_t *s) {
  if (!s->structured) return;
  if (s->line_skipped >= 0) send_long(s);
  else send_line(s);
}

static void line_append(session_t *s, const char *data, size_t len) {
  if (s->line_skipped >= 0) {
    s->line_skipped += (int64_t)len;
    return;
  }
  if ((int64_t)(s->line_len + len) > config.line_max_bytes) {
    /* Too long to send: counted, and reported by its size once it ends. */
    s->line_skipped = (int64_t)(s->line_len + len);
    s->line_len = 0;
    return;
  }
  if (s->line_len + len > s->line_cap) {
    size_t cap = (s->line_len + len) * 2 + 256;
    char *grown = xmalloc(cap);
    if (s->line_len) memcpy(grown, s->line, s->line_len);
    free(s->line);
    s->line = grown;
    s->line_cap = cap;
  }
  memcpy(s->line + s->line_len, data, len);
  s->line_len += len;
}

static void stdout_bytes(session_t *s, const char *data, size_t len) {
  const char *end = data + len;
  while (data < end) {
    const char *nl = memchr(data, '\n', (size_t)(end - data));
    if (!nl) {
      line_append(s, data, (size_t)(end - data));
      return;
    }
    if (s->line_len == 0 && s->line_skipped < 0 && (int64_t)(nl - data) <= config.line_max_bytes) {
      /* The whole line is in this chunk: sent from it, without a copy. */
      size_t n = (size_t)(nl - data);
      if (n > 0 && data[n - 1] == '\r') n--;
      if (n > 0) {
        out_append("out", 3);
        out_field(s->key);
        out_field_n(data, n);
        out_append("\n", 1);
      }
    } else {
      line_append(s, data, (size_t)(nl - data));
      flush_line(s);
    }
    data = nl + 1;
  }
}

static void stderr_bytes(session_t *s, const char *data, size_t len) {
  if (s->err_sent >= ERR_FORWARD_MAX) return;
  size_t part = (int64_t)len <= ERR_FORWARD_MAX - s->err_sent ? len : (size_t)(ERR_FORWARD_MAX - s->err_sent);
  s->err_sent += (int64_t)part;
  out_append("err", 3);
  out_field(s->key);
  out_field_n(data, part);
  out_append("\n", 1);
}

static void progress(session_t *s, int64_t now) {
  if (s->reported) return;
  if (now - s->last_progress < config.progress_coalesce_ms) return;
  s->last_progress = now;
  out_event("progress", s->key, NULL, NULL, NULL);
}

static void log_write(session_t *s, const char *data, size_t len) {
  if (!s->log_opened && s->log_path) {
    /* The first output: make the log now. One that cannot be made is lost as on a full disk; the session goes on. */
    s->log_opened = 1;
    s->log_fd = open_with_parent(s->log_path, O_WRONLY | O_CREAT | O_APPEND);
  }
  if (s->log_fd == -1 || s->log_capped) return;
  int64_t room = config.log_max_bytes - s->log_written;
  size_t part = (int64_t)len <= room ? len : (size_t)(room > 0 ? room : 0);
  int failed = write_all(s->log_fd, data, part) == -1;
  s->log_written += (int64_t)part;
  if (!failed && (int64_t)len > room) {
    s->log_capped = 1;
    failed = write_all(s->log_fd, config.notice, strlen(config.notice)) == -1;
  }
  if (failed) {
    /* A full disk must not stop the session: keep the agent running, stop logging. */
    close(s->log_fd);
    s->log_fd = -1;
  }
}

static void finish(session_t *s) {
  if (s->finished) return;
  s->finished = 1;
  s->flush_at = s->abandon_at = NO_DEADLINE;
  if (s->out_fd != -1) close(s->out_fd);
  s->out_fd = -1;
  if (s->err_fd != -1) close(s->err_fd);
  s->err_fd = -1;
  if (s->log_fd != -1) close(s->log_fd);
  s->log_fd = -1;
  if (s->group_gone || !group_alive(s->pid)) s->group_gone = 1;
  /* Only a session being stopped can have left orphans (on_exit_status looked). */
  if (s->group_gone && (!s->terminating || sweep_orphans(0, 0) == 0)) s->kill_at = NO_DEADLINE;
}

static void flush_line(session_t *s);

static void report(session_t *s, int64_t now) {
  if (s->reported || !s->exited) return;
  s->reported = 1;
  /* What the agent printed before it exited goes first, a last line without its newline too. */
  flush_line(s);
  s->flush_at = NO_DEADLINE;
  if (s->stdio_closed) finish(s);
  else s->abandon_at = now + config.kill_grace_ms + config.exit_flush_ms;
  char code[16], sig[16];
  if (s->exit_signal) strcpy(code, "-");
  else snprintf(code, sizeof code, "%d", s->exit_code);
  snprintf(sig, sizeof sig, "%d", s->exit_signal);
  out_event("exit", s->key, code, sig, NULL);
}

static void on_exit_status(session_t *s, int status, int64_t now) {
  if (s->exited) return;
  s->exited = 1;
  if (WIFSIGNALED(status)) s->exit_signal = WTERMSIG(status);
  else s->exit_code = WEXITSTATUS(status);
  /*
   * Anything still in the group, or orphaned outside it, was started by the
   * agent and outlived it. A session being stopped already had its SIGTERM
   * (and its SIGKILL, once kill_at has passed): what it left gets the same.
   */
  if (s->terminating && s->kill_at == NO_DEADLINE) sweep_orphans(SIGKILL, 0);
  else if (s->terminating) sweep_orphans(SIGTERM, s->pid); /* the group had its SIGTERM */
  else if (group_alive(s->pid) || sweep_orphans(0, 0) > 0) terminate(s, now);
  else s->group_gone = 1;
  if (s->stdio_closed) report(s, now);
  else {
    int64_t wait = config.kill_grace_ms < config.exit_flush_ms ? config.kill_grace_ms : config.exit_flush_ms;
    s->flush_at = now + wait;
  }
}

/* One of the output pipes reached its end (or failed); the session's output is over when both have. */
static void on_stream_closed(session_t *s, int is_err, int64_t now) {
  int *fd = is_err ? &s->err_fd : &s->out_fd;
  if (*fd != -1) close(*fd);
  *fd = -1;
  if (!is_err) flush_line(s);
  if (s->out_fd != -1 || s->err_fd != -1) return;
  s->stdio_closed = 1;
  if (s->exited && !s->reported) report(s, now);
  else if (s->reported) finish(s);
}

static void free_session(session_t *s) {
  free(s->key);
  free(s->log_path);
  free(s->tag);
  free(s->line);
  for (int i = 0; i < 3; i++) free(s->files[i]);
  free(s);
}

/* A session is forgotten once finished and no SIGKILL is still due. */
static void collect_sessions(void) {
  size_t kept = 0;
  for (size_t i = 0; i < session_count; i++) {
    session_t *s = sessions[i];
    if (s->finished && s->kill_at == NO_DEADLINE) free_session(s);
    else sessions[kept++] = s;
  }
  session_count = kept;
}

/* ---- requests ----------------------------------------------------------- */

/* Decode %XX escapes in place. Returns the decoded length. */
static size_t unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '%' && r[1] && r[2]) {
      char hex[3] = {r[1], r[2], 0};
      *w++ = (char)strtol(hex, NULL, 16);
      r += 2;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return (size_t)(w - s);
}

typedef struct {
  char **items;
  size_t *lens;
  size_t count;
} fields_t;

static fields_t split_fields(char *line) {
  fields_t f = {0};
  size_t cap = 16;
  f.items = xmalloc(cap * sizeof *f.items);
  f.lens = xmalloc(cap * sizeof *f.lens);
  for (char *p = line;;) {
    char *tab = strchr(p, '\t');
    if (tab) *tab = '\0';
    if (f.count == cap) {
      cap *= 2;
      char **items = xmalloc(cap * sizeof *items);
      size_t *lens = xmalloc(cap * sizeof *lens);
      memcpy(items, f.items, f.count * sizeof *items);
      memcpy(lens, f.lens, f.count * sizeof *lens);
      free(f.items);
      free(f.lens);
      f.items = items;
      f.lens = lens;
    }
    f.lens[f.count] = unescape(p);
    f.items[f.count++] = p;
    if (!tab) break;
    p = tab + 1;
  }
  return f;
}

static void protocol_error(const char *what) {
  fprintf(stderr, "harness-launcher: bad request: %s\n", what);
  exit(65);
}

/* A string that reaches exec must not hold a NUL byte (it would be cut short). */
static int has_nul(const fields_t *f, size_t i) {
  return strlen(f->items[i]) != f->lens[i];
}

static char **copy_strings(const fields_t *f, size_t from, size_t count) {
  char **list = xmalloc((count + 1) * sizeof *list);
  for (size_t i = 0; i < count; i++) list[i] = xstrdup(f->items[from + i]);
  list[count] = NULL;
  return list;
}

static int64_t next_heartbeat = NO_DEADLINE;

static void handle_init(const fields_t *f) {
  if (f->count < 10) protocol_error("init: too few fields");
  config.kill_grace_ms = strtoll(f->items[1], NULL, 10);
  config.log_max_bytes = strtoll(f->items[2], NULL, 10);
  config.heartbeat_poll_ms = strtoll(f->items[3], NULL, 10);
  if (config.heartbeat_poll_ms <= 0) config.heartbeat_poll_ms = 1000;
  config.progress_coalesce_ms = strtoll(f->items[4], NULL, 10);
  config.exit_flush_ms = strtoll(f->items[5], NULL, 10);
  config.notice = xstrdup(f->items[6]);
  config.line_max_bytes = strtoll(f->items[7], NULL, 10);
  if (config.line_max_bytes <= 0) config.line_max_bytes = 4 << 20;
  const size_t args = 9;
  size_t argc = strtoul(f->items[8], NULL, 10);
  if (argc == 0 || args + argc >= f->count) protocol_error("init: bad argument count");
  config.argv = copy_strings(f, args, argc);
  size_t envc = strtoul(f->items[args + argc], NULL, 10);
  if (args + 1 + argc + envc != f->count) protocol_error("init: bad environment count");
  config.env = copy_strings(f, args + 1 + argc, envc);
  config.envc = envc;
  /* posix_spawnp searches the launcher's own PATH: make it the agents'. */
  for (size_t i = 0; i < envc; i++)
    if (strncmp(config.env[i], "PATH=", 5) == 0) setenv("PATH", config.env[i] + 5, 1);
  for (size_t i = 0; i < argc; i++)
    if (has_nul(f, args + i)) config.argv_has_nul = 1;
  next_heartbeat = now_ms() + config.heartbeat_poll_ms;
  config.ready = 1;
}

static int write_file(const char *path, const char *data, size_t len, int keep_open) {
  int fd = open_with_parent(path, O_RDWR | O_CREAT | O_TRUNC);
  if (fd == -1) return -1;
  size_t done = 0;
  while (done < len) {
    /* pwrite leaves the offset at 0, so an agent reading this as stdin starts at the top. */
    ssize_t n = pwrite(fd, data + done, len - done, (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      return -1;
    }
    done += (size_t)n;
  }
  if (keep_open) return fd;
  close(fd);
  return 0;
}

/*
 * The prompt in a pipe whose write end is already closed: the agent reads
 * the prompt and then end of file, and one that never reads blocks nothing.
 * Creates no file, unlike the prompt file, which is the fallback: returns
 * the read end, or -1 when the prompt is more than a pipe holds (64 KiB on
 * Linux).
 */
static int prompt_pipe(const char *prompt, size_t len) {
  int fds[2];
  if (make_pipe(fds, 0) == -1) return -1;
  if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fds[1], prompt + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fds[1]);
  if (done == len) return fds[0];
  close(fds[0]);
  return -1;
}

/* The session could not be started: say why and clean up. Returns -1. */
static int fail(session_t *s, const char *stage, int err, const char *path) {
  char message[PATH_MAX + 128];
  if (path) snprintf(message, sizeof message, "%s: %s", strerror(err), path);
  else snprintf(message, sizeof message, "%s", strerror(err));
  out_event("fail", s->key, stage, errno_name(err), message);
  s->reported = 1;
  s->stdio_closed = 1;
  s->group_gone = 1;
  finish(s);
  return -1;
}

/* The agent's environment: the base one, with the session's variables put over it. */
static char **session_env(const fields_t *f, size_t from, size_t count) {
  char **env = xmalloc((config.envc + count + 1) * sizeof *env);
  size_t n = 0;
  for (size_t i = 0; i < config.envc; i++) {
    const char *eq = strchr(config.env[i], '=');
    size_t keylen = eq ? (size_t)(eq - config.env[i]) + 1 : strlen(config.env[i]);
    int replaced = 0;
    for (size_t j = 0; j < count && !replaced; j++)
      replaced = strncmp(f->items[from + j], config.env[i], keylen) == 0;
    if (!replaced) env[n++] = config.env[i];
  }
  for (size_t j = 0; j < count; j++) env[n++] = f->items[from + j];
  env[n] = NULL;
  return env;
}

/* Write the session's files and start its agent. Returns 0, or -1 after reporting why not. */
static int launch(session_t *s, const fields_t *f, size_t args, size_t argc, size_t env_at, size_t envc) {
  const char *cwd = f->items[2];

  /* The session's files: issue, heartbeat, prompt (kept open: the agent's stdin). */
  if (write_file(s->files[0], f->items[5], f->lens[5], 0) == -1) return fail(s, "files", errno, s->files[0]);
  if (write_file(s->files[1], "", 0, 0) == -1) return fail(s, "files", errno, s->files[1]);
  struct stat st;
  if (stat(s->files[1], &st) == 0) s->heartbeat_mtime = MTIME_NS(st);
  int prompt_fd = prompt_pipe(f->items[8], f->lens[8]);
  if (prompt_fd == -1) {
    prompt_fd = write_file(s->files[2], f->items[8], f->lens[8], 1);
    if (prompt_fd == -1) return fail(s, "files", errno, s->files[2]);
  }
  int argv_has_nul = argc == 0 && config.argv_has_nul;
  for (size_t i = 0; i < argc; i++)
    if (has_nul(f, args + i)) argv_has_nul = 1;
  if (argv_has_nul) {
    close(prompt_fd);
    return fail(s, "spawn", EINVAL, "the agent command holds a NUL byte");
  }
  for (size_t i = 0; i < envc; i++)
    if (has_nul(f, env_at + i)) {
      close(prompt_fd);
      return fail(s, "spawn", EINVAL, "an environment value holds a NUL byte");
    }

  /* out: stdout (and stderr in mode t); err: stderr in mode s. */
  int out[2], err_pipe[2] = {-1, -1};
  if (make_pipe(out, 1) == -1) {
    int err = errno;
    close(prompt_fd);
    return fail(s, "spawn", err, NULL);
  }
  if (s->structured && make_pipe(err_pipe, 1) == -1) {
    int err = errno;
    close(prompt_fd);
    close(out[0]);
    close(out[1]);
    return fail(s, "spawn", err, NULL);
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, prompt_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, s->structured ? err_pipe[1] : out[1], STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
#ifdef POSIX_SPAWN_SETSID
  flags |= POSIX_SPAWN_SETSID;
#else
  flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setpgroup(&attr, 0);
#endif
  posix_spawnattr_setflags(&attr, flags);

  char **env = session_env(f, env_at, envc);
  /* The fields stay valid until the request is handled: this session's own argv needs no copy. */
  char **argv = config.argv;
  if (argc > 0) {
    argv = xmalloc((argc + 1) * sizeof *argv);
    for (size_t i = 0; i < argc; i++) argv[i] = f->items[args + i];
    argv[argc] = NULL;
  }
  pid_t pid;
  int err = posix_spawnp(&pid, argv[0], &actions, &attr, argv, env);
  if (argv != config.argv) free(argv);
  free(env);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(prompt_fd);
  close(out[1]);
  if (err_pipe[1] != -1) close(err_pipe[1]);
  if (err != 0) {
    close(out[0]);
    if (err_pipe[0] != -1) close(err_pipe[0]);
    return fail(s, "spawn", err, NULL);
  }
  s->pid = pid;
  s->out_fd = out[0];
  s->err_fd = err_pipe[0];
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
  out_event("spawn", s->key, pid_text, NULL, NULL);
  return 0;
}

static void handle_start(const fields_t *f) {
  if (!config.ready) protocol_error("start before init");
  if (f->count < 12) protocol_error("start: too few fields");
  const size_t args = 11;
  size_t argc = strtoul(f->items[10], NULL, 10);
  if (args + argc >= f->count) protocol_error("start: bad argument count");
  size_t envc = strtoul(f->items[args + argc], NULL, 10);
  if (args + 1 + argc + envc != f->count) protocol_error("start: bad environment count");

  session_t *s = xmalloc(sizeof *s);
  memset(s, 0, sizeof *s);
  s->key = xstrdup(f->items[1]);
  s->pid = 0;
  s->structured = f->items[9][0] == 's';
  s->out_fd = s->err_fd = s->log_fd = -1;
  s->line_skipped = -1;
  s->last_progress = INT64_MIN / 2;
  s->flush_at = s->abandon_at = s->kill_at = NO_DEADLINE;
  if (session_count == session_cap) {
    session_cap = session_cap ? session_cap * 2 : 64;
    session_t **grown = xmalloc(session_cap * sizeof *grown);
    memcpy(grown, sessions, session_count * sizeof *grown);
    free(sessions);
    sessions = grown;
  }
  sessions[session_count++] = s;
  if (f->items[3][0]) s->log_path = xstrdup(f->items[3]);
  s->files[0] = xstrdup(f->items[4]);
  s->files[1] = xstrdup(f->items[6]);
  s->files[2] = xstrdup(f->items[7]);
  size_t env_at = args + argc + 1;
  for (size_t i = 0; i < envc; i++)
    if (strncmp(f->items[env_at + i], "HARNESS_SESSION_ID=", 19) == 0) s->tag = xstrdup(f->items[env_at + i]);
  (void)launch(s, f, args, argc, env_at, envc);
}
static void handle_kill(const fields_t *f) {
  if (f->count < 2) protocol_error("kill: no key");
  session_t *s = find_by_key(f->items[1]);
  if (!s || s->pid == 0 || s->group_gone) return;
  if (!s->exited || group_alive(s->pid)) terminate(s, now_ms());
}

static void handle_line(char *line) {
  if (*line == '\0') return;
  fields_t f = split_fields(line);
  if (strcmp(f.items[0], "init") == 0) handle_init(&f);
  else if (strcmp(f.items[0], "start") == 0) handle_start(&f);
  else if (strcmp(f.items[0], "kill") == 0) handle_kill(&f);
  else protocol_error(f.items[0]);
  free(f.items);
  free(f.lens);
}

/* ---- the loop ------------------------------------------------------------ */

static int sigchld_pipe[2];

static void on_sigchld(int sig) {
  (void)sig;
  int saved = errno;
  ssize_t ignored = write(sigchld_pipe[1], "x", 1);
  (void)ignored;
  errno = saved;
}

static char *in_buf;
static size_t in_len, in_cap;

/* Read what the harness sent; returns 0 at end of input. */
static int read_requests(void) {
  if (in_cap - in_len < READ_CHUNK) {
    in_cap = (in_len + READ_CHUNK) * 2;
    char *grown = xmalloc(in_cap);
    memcpy(grown, in_buf, in_len);
    free(in_buf);
    in_buf = grown;
  }
  ssize_t n = read(STDIN_FILENO, in_buf + in_len, in_cap - in_len - 1);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (n == 0) return 0;
  in_len += (size_t)n;
  size_t start = 0;
  for (size_t i = in_len - (size_t)n; i < in_len; i++) {
    if (in_buf[i] != '\n') continue;
    in_buf[i] = '\0';
    handle_line(in_buf + start);
    start = i + 1;
  }
  memmove(in_buf, in_buf + start, in_len - start);
  in_len -= start;
  return 1;
}

static void reap_children(int64_t now) {
  char drain[64];
  while (read(sigchld_pipe[0], drain, sizeof drain) > 0) {
  }
  int status;
  pid_t pid;
  int orphan_died = 0;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    session_t *s = find_by_pid(pid);
    if (s) on_exit_status(s, status, now);
    else orphan_died = 1;
  }
  if (orphan_died && now < kill_sweep_until) sweep_orphans(SIGKILL, 0);
}

static void read_output(session_t *s, int is_err, int64_t now) {
  static char chunk[READ_CHUNK];
  int fd = is_err ? s->err_fd : s->out_fd;
  if (fd == -1) return; /* closed earlier in this turn of the loop */
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n > 0) {
    log_write(s, chunk, (size_t)n);
    if (!s->structured) progress(s, now);
    else if (s->reported) return; /* the harness has the exit: what comes after goes to the log only */
    else if (is_err) stderr_bytes(s, chunk, (size_t)n);
    else stdout_bytes(s, chunk, (size_t)n);
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    on_stream_closed(s, is_err, now);
  }
}

static void poll_heartbeats(int64_t now) {
  for (size_t i = 0; i < session_count; i++) {
    session_t *s = sessions[i];
    if (s->exited || s->finished || s->pid == 0) continue;
    struct stat st;
    if (stat(s->files[1], &st) != 0) continue; /* removed or replaced: only a visible touch counts */
    int64_t mtime = MTIME_NS(st);
    if (mtime == s->heartbeat_mtime) continue;
    s->heartbeat_mtime = mtime;
    progress(s, now);
  }
}

static void run_timers(int64_t now) {
  for (size_t i = 0; i < session_count; i++) {
    session_t *s = sessions[i];
    if (s->flush_at <= now) report(s, now);
    if (s->abandon_at <= now) finish(s);
    if (s->kill_at <= now) {
      s->kill_at = NO_DEADLINE;
      kill_leftovers(s, now);
    }
  }
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  /* Best effort: where the system cannot, orphans go to init and only the harness's session-id scan finds them. */
  (void)become_subreaper();
  if (make_pipe(sigchld_pipe, 1) == -1 || fcntl(sigchld_pipe[1], F_SETFL, O_NONBLOCK) == -1) {
    perror("harness-launcher: pipe");
    return 71;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  struct pollfd *fds = NULL;
  session_t **owners = NULL;
  int *streams = NULL; /* per descriptor: 1 for a structured session's stderr */
  size_t fds_cap = 0;
  for (;;) {
    if (fds_cap < 2 * session_count + 2) {
      fds_cap = (2 * session_count + 2) * 2;
      free(fds);
      free(owners);
      free(streams);
      fds = xmalloc(fds_cap * sizeof *fds);
      owners = xmalloc(fds_cap * sizeof *owners);
      streams = xmalloc(fds_cap * sizeof *streams);
    }
    size_t nfds = 0;
    /* A negative descriptor is left out by poll: once the harness is gone, stdin is not read again. */
    fds[nfds++] = (struct pollfd){.fd = harness_gone ? -1 : STDIN_FILENO, .events = POLLIN};
    fds[nfds++] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
    int64_t deadline = next_heartbeat;
    for (size_t i = 0; i < session_count; i++) {
      session_t *s = sessions[i];
      if (s->out_fd != -1) {
        owners[nfds] = s;
        streams[nfds] = 0;
        fds[nfds++] = (struct pollfd){.fd = s->out_fd, .events = POLLIN};
      }
      if (s->err_fd != -1) {
        owners[nfds] = s;
        streams[nfds] = 1;
        fds[nfds++] = (struct pollfd){.fd = s->err_fd, .events = POLLIN};
      }
      if (s->flush_at < deadline) deadline = s->flush_at;
      if (s->abandon_at < deadline) deadline = s->abandon_at;
      if (s->kill_at < deadline) deadline = s->kill_at;
    }
    int64_t now = now_ms();
    int timeout = deadline == NO_DEADLINE ? -1 : deadline <= now ? 0 : (int)(deadline - now);
    int ready = poll(fds, nfds, timeout);
    if (ready < 0 && errno != EINTR) {
      perror("harness-launcher: poll");
      return 71;
    }
    now = now_ms();
    if (ready > 0 && fds[1].revents) reap_children(now);
    if (ready > 0) {
      for (size_t i = 2; i < nfds; i++)
        if (fds[i].revents) read_output(owners[i], streams[i], now);
    }
    run_timers(now);
    if (config.ready && now >= next_heartbeat) {
      poll_heartbeats(now);
      next_heartbeat = now + config.heartbeat_poll_ms;
    }
    if (ready > 0 && fds[0].revents && !read_requests()) harness_gone = 1;
    out_flush();
    if (harness_gone) {
      /* Each running session gets its SIGTERM once (terminate is idempotent), then its SIGKILL from run_timers. */
      for (size_t i = 0; i < session_count; i++)
        if (!sessions[i]->finished && sessions[i]->pid > 0) terminate(sessions[i], now);
    }
    collect_sessions();
    if (harness_gone && session_count == 0) return 0;
  }
}
