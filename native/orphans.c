/*
 * Processes agents left behind, as /proc shows them (see orphans.h).
 *
 * Children are read from /proc/<pid>/task/<tid>/children, one file per
 * thread (Linux 3.5 and later); a kernel built without those files is
 * served by a scan of every /proc/<pid>/stat for its parent field.
 */
#define _GNU_SOURCE
#include "orphans.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <dirent.h>
#include <sys/prctl.h>
#endif

static void *grow(void *p, size_t size) {
  void *q = realloc(p, size ? size : 1);
  if (!q) {
    fputs("harness-launcher: out of memory\n", stderr);
    exit(70);
  }
  return q;
}

void pid_list_add(pid_list_t *list, pid_t pid) {
  if (list->count == list->cap) {
    list->cap = list->cap ? list->cap * 2 : 16;
    list->items = grow(list->items, list->cap * sizeof *list->items);
  }
  list->items[list->count++] = pid;
}

void pid_list_free(pid_list_t *list) {
  free(list->items);
  list->items = NULL;
  list->count = list->cap = 0;
}

#ifdef __linux__

/* The whole of a /proc file (they report a size of 0), NUL-terminated; NULL if it cannot be read. */
static char *read_proc_file(const char *path, size_t *len_out, size_t max) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = grow(NULL, cap);
  for (;;) {
    if (len + 1 >= cap) {
      if (cap >= max) break;
      cap *= 2;
      buf = grow(buf, cap);
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      free(buf);
      errno = saved;
      return NULL;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  if (len_out) *len_out = len;
  return buf;
}

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* Fields after the command name of /proc/<pid>/stat (which may hold spaces and parentheses). */
static char *stat_fields(pid_t pid, char **buf_out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  char *buf = read_proc_file(path, NULL, 1 << 16);
  *buf_out = buf;
  if (!buf) return NULL;
  char *close_paren = strrchr(buf, ')');
  return close_paren && close_paren[1] == ' ' ? close_paren + 2 : NULL;
}

static int children_files = -1; /* unknown, 0 absent, 1 present */

static void scan_for_children(pid_t parent, pid_list_t *out) {
  DIR *proc = opendir("/proc");
  if (!proc) return;
  struct dirent *entry;
  while ((entry = readdir(proc))) {
    if (!is_number(entry->d_name)) continue;
    pid_t pid = (pid_t)atoi(entry->d_name);
    char *buf;
    char *fields = stat_fields(pid, &buf);
    /* state ppid ... */
    if (fields && fields[0] && fields[1] == ' ' && (pid_t)atoi(fields + 2) == parent) pid_list_add(out, pid);
    free(buf);
  }
  closedir(proc);
}

/* The pids listed in a task's children file. */
static void read_children(const char *file, pid_list_t *out) {
  char *text = read_proc_file(file, NULL, 1 << 20);
  if (!text) return;
  for (char *p = text; *p;) {
    char *end;
    long child = strtol(p, &end, 10);
    if (end == p) break;
    pid_list_add(out, (pid_t)child);
    p = end;
  }
  free(text);
}

int become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

void list_children(pid_t pid, pid_list_t *out) {
  char path[64];
  if (children_files == -1) {
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    children_files = access(path, R_OK) == 0;
  }
  if (!children_files) {
    scan_for_children(pid, out);
    return;
  }
  if (pid == getpid()) {
    /* The launcher has one thread: one file to read, as after every session. */
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)pid);
    read_children(path, out);
    return;
  }
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *tasks = opendir(path);
  if (!tasks) return; /* gone */
  struct dirent *entry;
  while ((entry = readdir(tasks))) {
    if (!is_number(entry->d_name)) continue;
    char file[96];
    snprintf(file, sizeof file, "/proc/%d/task/%d/children", (int)pid, atoi(entry->d_name));
    read_children(file, out);
  }
  closedir(tasks);
}

void list_tree(pid_t root, pid_list_t *out) {
  size_t from = out->count;
  pid_list_add(out, root);
  /* Breadth first: each process appended is visited once for its own children. */
  for (size_t i = from; i < out->count; i++) list_children(out->items[i], out);
}

int is_zombie(pid_t pid) {
  char *buf;
  char *fields = stat_fields(pid, &buf);
  int zombie = !fields || fields[0] == 'Z' || fields[0] == 'X';
  free(buf);
  return zombie;
}

char *environment_entry(pid_t pid, const char *key) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
  size_t len;
  /* Agents' environments hold issue text (32 KiB a variable at most); a few MiB is plenty. */
  char *env = read_proc_file(path, &len, 8 << 20);
  if (!env) return NULL;
  size_t key_len = strlen(key);
  char *found = NULL;
  for (size_t at = 0; at < len; at += strlen(env + at) + 1) {
    if (strncmp(env + at, key, key_len) == 0) {
      found = strdup(env + at);
      break;
    }
  }
  free(env);
  return found;
}

#else /* not Linux: no /proc, no subreaper; the harness's session-id scan is all there is */

int become_subreaper(void) { return -1; }
void list_children(pid_t pid, pid_list_t *out) { (void)pid, (void)out; }
void list_tree(pid_t root, pid_list_t *out) { (void)root, (void)out; }
int is_zombie(pid_t pid) { (void)pid; return 1; }
char *environment_entry(pid_t pid, const char *key) { (void)pid, (void)key; return NULL; }

#endif
