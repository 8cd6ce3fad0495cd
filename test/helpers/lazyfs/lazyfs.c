/*
 * lazyfs: a FUSE passthrough filesystem that loses what was not fsynced, on command ("power cut").
 *
 * Modelled on Jepsen's LazyFS (dsrhaslab/lazyfs), much smaller and with a different mechanism: LazyFS keeps
 * unsynced data in its own page cache and writes it to the backing dir on fsync; this one writes through to the
 * backing dir at once and keeps an UNDO journal instead, which makes reads trivial:
 *  - per file (keyed by the backing inode): the size at the last fsync/fdatasync and, for every write/truncate
 *    since, the bytes it overwrote inside that size (all-zero chunks stored as "zeros", so trimming a sparse
 *    preallocated index costs nothing). fsync/fdatasync of the file drops its journal (the data is durable).
 *  - directory entries: every create/mkdir/symlink/unlink/rmdir/rename since the last fsync of the dir(s) it
 *    touches. unlink/rmdir/rename-over move the old entry to a trash dir (outside the mount) so it can come back.
 *    An op is durable once every dir it touches was fsynced after it (a rename touches both dirs).
 *  - "cut" (the power cut; the writer processes must be killed first): every file's journal is applied backwards
 *    and the file truncated to its synced size, then every non-durable dir op is undone, newest first.
 * LazyFS does not model directory entries; ext4 may keep more than this (e.g. an unsynced rename) — this models
 * what POSIX promises, which is what a program that claims durability may rely on.
 *
 * Usage: lazyfs <backing-dir> <trash-dir> <control-fifo> <mountpoint> [FUSE options, e.g. -f]
 * Control: write "cut\n" or "stats\n" to the FIFO; one result line per command is appended to <control-fifo>.out:
 *   "cut files=<files rolled back> bytes=<bytes restored or dropped> dirops=<ops undone>" / "stats files=<files with
 *   unsynced writes> dirops=<dir changes not durable>" (stats also lists those dir changes on stderr).
 * Kernel caching is off (direct_io, zero attr/entry timeouts) so that no page or attribute survives a cut.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

static char backing[PATH_MAX];
static char trash[PATH_MAX];
static char ctl_fifo[PATH_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long trash_seq = 0;

/* ------------------------------------------------------------------------------------------ file journals */

#define CHUNK 65536

typedef struct undo {
  off_t off;
  size_t len;
  char *data; /* NULL: the range held zeros */
  struct undo *next; /* older record */
} undo;

typedef struct journal {
  ino_t ino;
  off_t synced_size;
  undo *undo; /* newest first */
  struct journal *next;
} journal;

#define BUCKETS 1024
static journal *journals[BUCKETS];

static journal **jslot(ino_t ino) {
  journal **p = &journals[ino % BUCKETS];
  while (*p && (*p)->ino != ino) p = &(*p)->next;
  return p;
}

static void jfree(journal *j) {
  undo *u = j->undo;
  while (u) {
    undo *n = u->next;
    free(u->data);
    free(u);
    u = n;
  }
  free(j);
}

static void jdrop(ino_t ino) {
  journal **p = jslot(ino);
  if (*p) {
    journal *j = *p;
    *p = j->next;
    jfree(j);
  }
}

/* The journal of the file open as fd, created with its current size as the synced one (or 0 for a new file). */
static journal *jget(int fd, int fresh) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  journal **p = jslot(st.st_ino);
  if (*p && fresh) jdrop(st.st_ino), p = jslot(st.st_ino);
  if (*p) return *p;
  journal *j = calloc(1, sizeof *j);
  j->ino = st.st_ino;
  j->synced_size = fresh ? 0 : st.st_size;
  *p = j;
  return j;
}

static int all_zero(const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) if (b[i]) return 0;
  return 1;
}

/* Save what [off, off+len) holds now, inside the synced size, before it is overwritten or cut. */
static void save_range(journal *j, int fd, off_t off, off_t len) {
  if (off >= j->synced_size || len <= 0) return;
  if (off + len > j->synced_size) len = j->synced_size - off;
  char *buf = malloc(CHUNK);
  while (len > 0) {
    size_t want = len > CHUNK ? CHUNK : (size_t)len;
    ssize_t n = pread(fd, buf, want, off);
    if (n <= 0) break;
    undo *u = calloc(1, sizeof *u);
    u->off = off;
    u->len = (size_t)n;
    if (!all_zero(buf, (size_t)n)) {
      u->data = malloc((size_t)n);
      memcpy(u->data, buf, (size_t)n);
    }
    u->next = j->undo;
    j->undo = u;
    off += n;
    len -= n;
  }
  free(buf);
}

/* ------------------------------------------------------------------------------------------ dir journal */

enum { OP_CREATE, OP_REMOVE, OP_RENAME };

typedef struct dirop {
  int type;
  char *a;      /* CREATE/REMOVE: the path; RENAME: from */
  char *b;      /* RENAME: to */
  char *saved;  /* REMOVE: where the entry went; RENAME: the replaced target, if any */
  char *dirs[2];
  int pending[2];
  struct dirop *prev, *next;
} dirop;

static dirop *ops_head, *ops_tail;
static long ops_count;

static char *parent_of(const char *p) {
  char *d = strdup(p);
  char *s = strrchr(d, '/');
  if (s == d) s[1] = 0;
  else if (s) *s = 0;
  return d;
}

static void op_add(int type, const char *a, const char *b, const char *saved) {
  dirop *o = calloc(1, sizeof *o);
  o->type = type;
  o->a = strdup(a);
  o->b = b ? strdup(b) : NULL;
  o->saved = saved ? strdup(saved) : NULL;
  o->dirs[0] = parent_of(a);
  o->pending[0] = 1;
  if (b) {
    o->dirs[1] = parent_of(b);
    o->pending[1] = strcmp(o->dirs[0], o->dirs[1]) != 0;
  }
  o->prev = ops_tail;
  if (ops_tail) ops_tail->next = o;
  else ops_head = o;
  ops_tail = o;
  ops_count++;
}

static void op_unlink(dirop *o) {
  if (o->prev) o->prev->next = o->next;
  else ops_head = o->next;
  if (o->next) o->next->prev = o->prev;
  else ops_tail = o->prev;
  free(o->a);
  free(o->b);
  free(o->saved);
  free(o->dirs[0]);
  free(o->dirs[1]);
  free(o);
  ops_count--;
}

static int rm_entry(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftw) {
  (void)typeflag; (void)ftw;
  if (!S_ISDIR(sb->st_mode)) jdrop(sb->st_ino);
  return remove(fpath);
}

static void rm_tree(const char *p) {
  nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void full(char *out, const char *path) {
  snprintf(out, PATH_MAX, "%s%s", backing, path);
}

/* A new trash path for an entry leaving the tree. */
static void trash_path(char *out) {
  snprintf(out, PATH_MAX, "%.4000s/%lu", trash, ++trash_seq);
}

/* The dir `path` (mount-relative) was fsynced: ops whose every touched dir is synced become durable. */
static void dir_synced(const char *path) {
  for (dirop *o = ops_head; o;) {
    dirop *n = o->next;
    for (int i = 0; i < 2; i++) if (o->dirs[i] && strcmp(o->dirs[i], path) == 0) o->pending[i] = 0;
    if (!o->pending[0] && !o->pending[1]) {
      if (o->saved) rm_tree(o->saved);
      op_unlink(o);
    }
    o = n;
  }
}

/* ------------------------------------------------------------------------------------------ the cut */

static long cut_files, cut_bytes;

static int undo_file(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftw) {
  (void)ftw;
  if (typeflag != FTW_F) return 0;
  journal **p = jslot(sb->st_ino);
  if (!*p) return 0;
  journal *j = *p;
  int fd = open(fpath, O_WRONLY);
  if (fd >= 0) {
    char *zeros = NULL;
    for (undo *u = j->undo; u; u = u->next) {
      if (u->data) {
        if (pwrite(fd, u->data, u->len, u->off) < 0) perror("lazyfs: pwrite");
        cut_bytes += (long)u->len;
        continue;
      }
      /* zeros (a sparse preallocated index): punch a hole, no bytes written; beyond EOF a later extension is zeros anyway */
      if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, u->off, (off_t)u->len) != 0) {
        if (!zeros) zeros = calloc(1, CHUNK);
        if (pwrite(fd, zeros, u->len, u->off) < 0) perror("lazyfs: pwrite");
      }
    }
    free(zeros);
    if (sb->st_size > j->synced_size) cut_bytes += (long)(sb->st_size - j->synced_size);
    if (ftruncate(fd, j->synced_size) != 0) perror("lazyfs: ftruncate");
    close(fd);
    if (j->undo || sb->st_size != j->synced_size) cut_files++;
  }
  *p = j->next;
  jfree(j);
  return 0;
}

static long power_cut(void) {
  cut_files = cut_bytes = 0;
  nftw(backing, undo_file, 16, FTW_PHYS);
  nftw(trash, undo_file, 16, FTW_PHYS);
  for (int i = 0; i < BUCKETS; i++) {
    while (journals[i]) {
      journal *j = journals[i];
      journals[i] = j->next;
      jfree(j);
    }
  }
  long undone = 0;
  char a[PATH_MAX], b[PATH_MAX];
  while (ops_tail) {
    dirop *o = ops_tail;
    full(a, o->a);
    if (o->type == OP_CREATE) {
      rm_tree(a);
    } else if (o->type == OP_REMOVE) {
      if (rename(o->saved, a) != 0) perror("lazyfs: undo remove");
      free(o->saved);
      o->saved = NULL;
    } else {
      full(b, o->b);
      if (rename(b, a) != 0) perror("lazyfs: undo rename");
      if (o->saved && rename(o->saved, b) != 0) perror("lazyfs: undo rename-over");
      free(o->saved);
      o->saved = NULL;
    }
    op_unlink(o);
    undone++;
  }
  return undone;
}

static void *control(void *arg) {
  (void)arg;
  char out[PATH_MAX + 8];
  snprintf(out, sizeof out, "%s.out", ctl_fifo);
  for (;;) {
    FILE *in = fopen(ctl_fifo, "r");
    if (!in) {
      perror("lazyfs: control fifo");
      sleep(1);
      continue;
    }
    char line[256];
    while (fgets(line, sizeof line, in)) {
      char reply[256];
      pthread_mutex_lock(&lock);
      if (strncmp(line, "cut", 3) == 0) {
        long undone = power_cut();
        snprintf(reply, sizeof reply, "cut files=%ld bytes=%ld dirops=%ld\n", cut_files, cut_bytes, undone);
      } else if (strncmp(line, "stats", 5) == 0) {
        long files = 0;
        for (int i = 0; i < BUCKETS; i++) for (journal *j = journals[i]; j; j = j->next) files++;
        snprintf(reply, sizeof reply, "stats files=%ld dirops=%ld\n", files, ops_count);
        for (dirop *o = ops_head; o; o = o->next)
          fprintf(stderr, "lazyfs: pending %s %s%s%s (dirs %s%s%s)\n", o->type == OP_CREATE ? "create" : o->type == OP_REMOVE ? "remove" : "rename", o->a,
                  o->b ? " -> " : "", o->b ? o->b : "", o->pending[0] ? o->dirs[0] : "", o->pending[1] ? " " : "", o->pending[1] ? o->dirs[1] : "");
      } else {
        snprintf(reply, sizeof reply, "error unknown command\n");
      }
      pthread_mutex_unlock(&lock);
      FILE *o = fopen(out, "a");
      if (o) {
        fputs(reply, o);
        fclose(o);
      }
    }
    fclose(in);
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------------ FUSE operations */

#define LOCKED(body) do { pthread_mutex_lock(&lock); body; pthread_mutex_unlock(&lock); } while (0)

static void *lz_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;
  cfg->direct_io = 1;
  cfg->attr_timeout = 0;
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;
  cfg->kernel_cache = 0;
  return NULL;
}

static int lz_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  int r;
  char p[PATH_MAX];
  full(p, path);
  LOCKED(r = (fi ? fstat((int)fi->fh, st) : lstat(p, st)) == 0 ? 0 : -errno);
  return r;
}

static int lz_access(const char *path, int mask) {
  char p[PATH_MAX];
  full(p, path);
  return access(p, mask) == 0 ? 0 : -errno;
}

static int lz_readlink(const char *path, char *buf, size_t size) {
  char p[PATH_MAX];
  full(p, path);
  ssize_t n = readlink(p, buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = 0;
  return 0;
}

static int lz_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  char p[PATH_MAX];
  full(p, path);
  int r = 0;
  pthread_mutex_lock(&lock);
  DIR *d = opendir(p);
  if (!d) r = -errno;
  else {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      struct stat st = {0};
      st.st_ino = e->d_ino;
      st.st_mode = (mode_t)(e->d_type << 12);
      if (filler(buf, e->d_name, &st, 0, 0)) break;
    }
    closedir(d);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_mkdir(const char *path, mode_t mode) {
  char p[PATH_MAX];
  full(p, path);
  int r;
  LOCKED(r = mkdir(p, mode) == 0 ? (op_add(OP_CREATE, path, NULL, NULL), 0) : -errno);
  return r;
}

static int lz_symlink(const char *from, const char *to) {
  char p[PATH_MAX];
  full(p, to);
  int r;
  LOCKED(r = symlink(from, p) == 0 ? (op_add(OP_CREATE, to, NULL, NULL), 0) : -errno);
  return r;
}

/* unlink/rmdir: the entry moves to the trash until the removal is durable. */
static int remove_entry(const char *path) {
  char p[PATH_MAX], t[PATH_MAX];
  full(p, path);
  int r;
  pthread_mutex_lock(&lock);
  trash_path(t);
  if (rename(p, t) == 0) {
    op_add(OP_REMOVE, path, NULL, t);
    r = 0;
  } else r = -errno;
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_unlink(const char *path) {
  return remove_entry(path);
}

static int lz_rmdir(const char *path) {
  char p[PATH_MAX];
  full(p, path);
  DIR *d = opendir(p);
  if (!d) return -errno;
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
  closedir(d);
  if (!empty) return -ENOTEMPTY;
  return remove_entry(path);
}

static int lz_rename(const char *from, const char *to, unsigned int flags) {
  if (flags & ~RENAME_NOREPLACE) return -EINVAL;
  char a[PATH_MAX], b[PATH_MAX], t[PATH_MAX];
  full(a, from);
  full(b, to);
  int r = 0;
  pthread_mutex_lock(&lock);
  struct stat st;
  int replaced = lstat(b, &st) == 0;
  if (replaced && (flags & RENAME_NOREPLACE)) r = -EEXIST;
  else if (lstat(a, &st) != 0) r = -errno;
  else {
    if (replaced) {
      trash_path(t);
      if (rename(b, t) != 0) r = -errno;
    }
    if (r == 0 && rename(a, b) != 0) {
      r = -errno;
      if (replaced) rename(t, b);
    }
    if (r == 0) op_add(OP_RENAME, from, to, replaced ? t : NULL);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  return (fi ? fchmod((int)fi->fh, mode) : chmod(p, mode)) == 0 ? 0 : -errno;
}

static int lz_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  return (fi ? fchown((int)fi->fh, uid, gid) : lchown(p, uid, gid)) == 0 ? 0 : -errno;
}

static int truncate_fd(int fd, off_t size) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  journal *j = jget(fd, 0);
  if (j && size < st.st_size) save_range(j, fd, size, st.st_size - size);
  return ftruncate(fd, size) == 0 ? 0 : -errno;
}

static int lz_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  int r;
  pthread_mutex_lock(&lock);
  if (fi) r = truncate_fd((int)fi->fh, size);
  else {
    int fd = open(p, O_RDWR);
    if (fd < 0) r = -errno;
    else {
      r = truncate_fd(fd, size);
      close(fd);
    }
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_utimens(const char *path, const struct timespec ts[2], struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  return (fi ? futimens((int)fi->fh, ts) : utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW)) == 0 ? 0 : -errno;
}

/* Backing fds are read-write (the journal reads what a write overwrites) and never O_APPEND (writes carry offsets). */
static int backing_flags(int flags) {
  return (flags & ~(O_ACCMODE | O_APPEND)) | O_RDWR;
}

static int lz_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  int r;
  pthread_mutex_lock(&lock);
  struct stat st;
  int existed = lstat(p, &st) == 0;
  int fd = open(p, backing_flags(fi->flags) | O_CREAT, mode);
  if (fd < 0) r = -errno;
  else {
    fi->fh = (uint64_t)fd;
    /* the kernel sends create only for a missing name (an existing file goes through open, O_TRUNC included) */
    if (!existed) {
      jget(fd, 1);
      op_add(OP_CREATE, path, NULL, NULL);
    }
    r = 0;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_open(const char *path, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  int r;
  pthread_mutex_lock(&lock);
  int fd = open(p, backing_flags(fi->flags) & ~O_TRUNC);
  if (fd < 0) r = -errno;
  else {
    fi->fh = (uint64_t)fd;
    r = (fi->flags & O_TRUNC) ? truncate_fd(fd, 0) : 0;
    if (r != 0) close(fd);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  int r;
  LOCKED(r = (int)pread((int)fi->fh, buf, size, off); if (r < 0) r = -errno);
  return r;
}

static int lz_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  int r;
  pthread_mutex_lock(&lock);
  journal *j = jget((int)fi->fh, 0);
  if (j) save_range(j, (int)fi->fh, off, (off_t)size);
  r = (int)pwrite((int)fi->fh, buf, size, off);
  if (r < 0) r = -errno;
  pthread_mutex_unlock(&lock);
  return r;
}

static int lz_statfs(const char *path, struct statvfs *st) {
  (void)path;
  return statvfs(backing, st) == 0 ? 0 : -errno;
}

static int lz_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  LOCKED(close((int)fi->fh));
  return 0;
}

static int lz_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path; (void)datasync;
  struct stat st;
  LOCKED(if (fstat((int)fi->fh, &st) == 0) jdrop(st.st_ino));
  return 0;
}

static int lz_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)datasync; (void)fi;
  LOCKED(dir_synced(path));
  return 0;
}

static const struct fuse_operations ops = {
  .init = lz_init,
  .getattr = lz_getattr,
  .access = lz_access,
  .readlink = lz_readlink,
  .readdir = lz_readdir,
  .mkdir = lz_mkdir,
  .symlink = lz_symlink,
  .unlink = lz_unlink,
  .rmdir = lz_rmdir,
  .rename = lz_rename,
  .chmod = lz_chmod,
  .chown = lz_chown,
  .truncate = lz_truncate,
  .utimens = lz_utimens,
  .create = lz_create,
  .open = lz_open,
  .read = lz_read,
  .write = lz_write,
  .statfs = lz_statfs,
  .release = lz_release,
  .fsync = lz_fsync,
  .fsyncdir = lz_fsyncdir,
};

int main(int argc, char *argv[]) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s <backing-dir> <trash-dir> <control-fifo> <mountpoint> [FUSE options]\n", argv[0]);
    return 2;
  }
  if (!realpath(argv[1], backing) || !realpath(argv[2], trash)) {
    perror("lazyfs: backing/trash dir");
    return 2;
  }
  if (argv[3][0] == '/') snprintf(ctl_fifo, sizeof ctl_fifo, "%s", argv[3]);
  else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return 2;
    snprintf(ctl_fifo, sizeof ctl_fifo, "%.2000s/%.2000s", cwd, argv[3]);
  }
  if (mkfifo(ctl_fifo, 0600) != 0 && errno != EEXIST) {
    perror("lazyfs: mkfifo");
    return 2;
  }
  pthread_t t;
  pthread_create(&t, NULL, control, NULL);
  pthread_detach(t);
  /* argv for FUSE: program, mountpoint, options */
  char **fargv = calloc((size_t)argc, sizeof *fargv);
  int fargc = 0;
  fargv[fargc++] = argv[0];
  for (int i = 4; i < argc; i++) fargv[fargc++] = argv[i];
  return fuse_main(fargc, fargv, &ops, NULL);
}
