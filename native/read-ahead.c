/*
 * Read-ahead for log recovery: one background thread per reader preads the next chunk of a file into a JS
 * buffer while JavaScript validates the current one (CRC-32C, offsets, index rebuild). One outstanding read per
 * reader; the caller double-buffers. JS API (all synchronous):
 *   readAheadCreate(): External                          starts the thread
 *   readAheadStart(r, fd, buffer, offset, length, position)  begins pread(fd, buffer[offset, offset+length), position)
 *   readAheadWait(r): number                             waits; bytes read (short at EOF), or throws the errno error
 *   readAheadClose(r)                                    waits for an outstanding read, stops the thread
 * The buffer is kept alive (napi_ref) until its read has been waited for.
 */
#include "addon.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { IDLE, REQUESTED, DONE, QUIT };

typedef struct {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int state;
  int fd;
  uint8_t *dst;
  size_t len;
  int64_t position;
  int64_t result; /* bytes read, or -errno */
  napi_ref buffer_ref;
  int closed;
} reader_t;

static void *run(void *arg) {
  reader_t *r = arg;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    while (r->state != REQUESTED && r->state != QUIT) pthread_cond_wait(&r->cv, &r->mu);
    if (r->state == QUIT) break;
    int fd = r->fd;
    uint8_t *dst = r->dst;
    size_t len = r->len;
    int64_t pos = r->position;
    pthread_mutex_unlock(&r->mu);
    int64_t got = 0;
    while ((size_t)got < len) {
      ssize_t n = pread(fd, dst + got, len - (size_t)got, (off_t)(pos + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        got = -errno;
        break;
      }
      if (n == 0) break;
      got += n;
    }
    pthread_mutex_lock(&r->mu);
    r->result = got;
    r->state = DONE;
    pthread_cond_broadcast(&r->cv);
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* Waits for an outstanding read; returns its result (0 when none). Caller holds no lock. */
static int64_t wait_done(napi_env env, reader_t *r) {
  pthread_mutex_lock(&r->mu);
  while (r->state == REQUESTED) pthread_cond_wait(&r->cv, &r->mu);
  int64_t result = r->state == DONE ? r->result : 0;
  if (r->state == DONE) r->state = IDLE;
  pthread_mutex_unlock(&r->mu);
  if (r->buffer_ref != NULL && env != NULL) {
    napi_delete_reference(env, r->buffer_ref);
    r->buffer_ref = NULL;
  }
  return result;
}

static void stop(napi_env env, reader_t *r) {
  if (r->closed) return;
  wait_done(env, r);
  pthread_mutex_lock(&r->mu);
  r->state = QUIT;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->thread, NULL);
  r->closed = 1;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  reader_t *r = data;
  stop(env, r); /* a reader dropped without readAheadClose: wait for its read, drop the buffer reference */
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
}

static reader_t *get_reader(napi_env env, napi_value v) {
  reader_t *r = NULL;
  if (napi_get_value_external(env, v, (void **)&r) != napi_ok || r == NULL) {
    napi_throw_type_error(env, NULL, "read-ahead: not a reader");
    return NULL;
  }
  if (r->closed) {
    napi_throw_error(env, NULL, "read-ahead: reader is closed");
    return NULL;
  }
  return r;
}

static napi_value Create(napi_env env, napi_callback_info info) {
  (void)info;
  reader_t *r = calloc(1, sizeof(reader_t));
  if (r == NULL) {
    napi_throw_error(env, NULL, "read-ahead: out of memory");
    return NULL;
  }
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->state = IDLE;
  if (pthread_create(&r->thread, NULL, run, r) != 0) {
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    napi_throw_error(env, NULL, "read-ahead: cannot start a thread");
    return NULL;
  }
  napi_value ext;
  napi_create_external(env, r, finalize, NULL, &ext);
  return ext;
}

static napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "read-ahead: start(reader, fd, buffer, offset, length, position)");
    return NULL;
  }
  reader_t *r = get_reader(env, a[0]);
  if (r == NULL) return NULL;
  int32_t fd;
  int64_t offset, length, position;
  napi_typedarray_type type;
  size_t buf_len;
  void *data;
  napi_value ab;
  size_t byte_offset;
  if (napi_get_value_int32(env, a[1], &fd) != napi_ok || napi_get_value_int64(env, a[3], &offset) != napi_ok ||
      napi_get_value_int64(env, a[4], &length) != napi_ok || napi_get_value_int64(env, a[5], &position) != napi_ok ||
      napi_get_typedarray_info(env, a[2], &type, &buf_len, &data, &ab, &byte_offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "read-ahead: bad arguments");
    return NULL;
  }
  if (offset < 0 || length < 0 || position < 0 || (uint64_t)(offset + length) > buf_len) {
    napi_throw_range_error(env, NULL, "read-ahead: range out of bounds");
    return NULL;
  }
  pthread_mutex_lock(&r->mu);
  int busy = r->state != IDLE;
  pthread_mutex_unlock(&r->mu);
  if (busy) {
    napi_throw_error(env, NULL, "read-ahead: a read is outstanding");
    return NULL;
  }
  napi_create_reference(env, a[2], 1, &r->buffer_ref);
  pthread_mutex_lock(&r->mu);
  r->fd = fd;
  r->dst = (uint8_t *)data + offset;
  r->len = (size_t)length;
  r->position = position;
  r->state = REQUESTED;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

static napi_value Wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  reader_t *r = argc < 1 ? NULL : get_reader(env, a[0]);
  if (r == NULL) return NULL;
  int64_t got = wait_done(env, r);
  if (got < 0) {
    /* an Error with Node's errno fields, so callers treat it like an fs error */
    napi_value msg, err, code_v, errno_v;
    char text[160];
    snprintf(text, sizeof text, "%s, read", strerror((int)-got));
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    const char *code = got == -EIO ? "EIO" : got == -EBADF ? "EBADF" : got == -EISDIR ? "EISDIR" : got == -EINVAL ? "EINVAL" : "EIO";
    napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v);
    napi_set_named_property(env, err, "code", code_v);
    napi_create_int32(env, (int32_t)got, &errno_v);
    napi_set_named_property(env, err, "errno", errno_v);
    napi_set_named_property(env, err, "syscall", (napi_create_string_utf8(env, "read", NAPI_AUTO_LENGTH, &msg), msg));
    napi_throw(env, err);
    return NULL;
  }
  napi_value result;
  napi_create_int64(env, got, &result);
  return result;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  reader_t *r = NULL;
  if (argc < 1 || napi_get_value_external(env, a[0], (void **)&r) != napi_ok || r == NULL) return NULL;
  stop(env, r);
  return NULL;
}

void rafka_init_read_ahead(napi_env env, napi_value exports) {
  struct { const char *name; napi_callback cb; } fns[] = {
    {"readAheadCreate", Create}, {"readAheadStart", Start}, {"readAheadWait", Wait}, {"readAheadClose", Close},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
}
