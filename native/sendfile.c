/*
 * sendfile(2) for the issue-17 measurement of a zero-copy Fetch path (bench/sendfile.mjs): Kafka serves plaintext
 * fetches with FileChannel.transferTo, i.e. sendfile; Node has no binding for it.
 *   sendfileAll(socketFd, fileFd, offset, count) -> bytes sent
 * Sends `count` bytes of the file from `offset` to the socket, waiting with poll(2) whenever the (non-blocking)
 * socket's buffer is full: it BLOCKS the calling thread, so it is for a bench or a worker thread, not the event loop.
 * Throws with errno on failure. Not used by the broker (see the notes of issue 17 for what a broker path needs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include "addon.h"

static napi_value sendfile_all(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t out_fd = -1, in_fd = -1;
  int64_t offset = 0, count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_get_value_int32(env, argv[0], &out_fd) != napi_ok || napi_get_value_int32(env, argv[1], &in_fd) != napi_ok ||
      napi_get_value_int64(env, argv[2], &offset) != napi_ok || napi_get_value_int64(env, argv[3], &count) != napi_ok ||
      offset < 0 || count < 0) {
    napi_throw_type_error(env, NULL, "sendfileAll(socketFd, fileFd, offset, count): two fds, two non-negative integers");
    return NULL;
  }
  off_t off = (off_t)offset;
  int64_t sent = 0;
  while (sent < count) {
    ssize_t n = sendfile(out_fd, in_fd, &off, (size_t)(count - sent));
    if (n > 0) { sent += n; continue; }
    if (n == 0) break; /* end of file */
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd p = { .fd = out_fd, .events = POLLOUT, .revents = 0 };
      if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
      continue;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "sendfile: %s", strerror(errno));
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  napi_value out;
  napi_create_int64(env, sent, &out);
  return out;
}

void rafka_init_sendfile(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendfileAll", NAPI_AUTO_LENGTH, sendfile_all, NULL, &fn);
  napi_set_named_property(env, exports, "sendfileAll", fn);
}
