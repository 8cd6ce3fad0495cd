/*
 * SO_SNDBUF / SO_RCVBUF of a TCP socket by its file descriptor: Node sets them only on UDP sockets, and Kafka's
 * socket.send.buffer.bytes / socket.receive.buffer.bytes need them on the listener and on accepted connections
 * (SocketServer.Acceptor: receive buffer on the ServerSocketChannel, send buffer on each accepted channel).
 *   setSocketBuffer(fd, which, bytes)  which 0 = SO_SNDBUF, 1 = SO_RCVBUF; throws with errno on failure
 *   getSocketBuffer(fd, which) -> bytes as the kernel reports them (Linux doubles what was set)
 *   dupFd(fd) -> a new descriptor of the same open socket (fcntl F_DUPFD_CLOEXEC); throws with errno on failure.
 *     The network workers (src/services/network/worker/) serve an accepted socket from its own descriptor, so the
 *     main thread's handle and the worker's socket close independently (never a number reused under the other).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "addon.h"

static int option_of(int32_t which) { return which == 0 ? SO_SNDBUF : SO_RCVBUF; }

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value set_socket_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1, which = 0, bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &which) != napi_ok ||
      napi_get_value_int32(env, argv[2], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "setSocketBuffer(fd, which, bytes): three int32 arguments");
    return NULL;
  }
  int value = bytes;
  if (setsockopt(fd, SOL_SOCKET, option_of(which), &value, sizeof value) != 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value get_socket_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1, which = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &which) != napi_ok) {
    napi_throw_type_error(env, NULL, "getSocketBuffer(fd, which): two int32 arguments");
    return NULL;
  }
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, option_of(which), &value, &len) != 0) return throw_errno(env, "getsockopt", errno);
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

static napi_value dup_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dupFd(fd): one int32 argument");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
  napi_value out;
  napi_create_int32(env, copy, &out);
  return out;
}

void rafka_init_socket_options(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "setSocketBuffer", NAPI_AUTO_LENGTH, set_socket_buffer, NULL, &fn);
  napi_set_named_property(env, exports, "setSocketBuffer", fn);
  napi_create_function(env, "getSocketBuffer", NAPI_AUTO_LENGTH, get_socket_buffer, NULL, &fn);
  napi_set_named_property(env, exports, "getSocketBuffer", fn);
  napi_create_function(env, "dupFd", NAPI_AUTO_LENGTH, dup_fd, NULL, &fn);
  napi_set_named_property(env, exports, "dupFd", fn);
}
