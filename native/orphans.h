/*
 * What the launcher needs to know about processes its agents left behind,
 * read from /proc (Linux). Elsewhere every function finds nothing.
 */
#ifndef HARNESS_ORPHANS_H
#define HARNESS_ORPHANS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
  pid_t *items;
  size_t count, cap;
} pid_list_t;

void pid_list_add(pid_list_t *list, pid_t pid);
void pid_list_free(pid_list_t *list);

/*
 * Make this process the reaper of its orphaned descendants: a process an
 * agent started and left (even in a new session, after setsid) becomes a
 * child of the launcher instead of init's. Returns 0, or -1 where the
 * system cannot.
 */
int become_subreaper(void);

/* Append the children of `pid` (of every thread of it) to `out`. */
void list_children(pid_t pid, pid_list_t *out);

/* Append `root` and every descendant of it to `out`. */
void list_tree(pid_t root, pid_list_t *out);

/* Whether `pid` has exited and waits to be reaped (or is gone). */
int is_zombie(pid_t pid);

/*
 * The `KEY=value` entry of `pid`'s environment whose key is `key` (with
 * its '='), as a string the caller frees, or NULL when there is none or
 * the environment cannot be read.
 */
char *environment_entry(pid_t pid, const char *key);

#endif
