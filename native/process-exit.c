/*
 * _exit(2) for the CLI's last resort: after a clean shutdown, a libuv thread-pool thread blocked in
 * a system call that never returns (an open() on a hung disk or NFS mount, a FIFO) keeps the event
 * loop alive, and process.exit() hangs too (Node joins the pool's threads on exit). Kafka's JVM exits
 * past such a thread; this lets Rafka do the same without losing its exit code.
 */
#include <unistd.h>
#include "addon.h"

static napi_value exit_immediately(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) napi_get_value_int32(env, argv[0], &code);
  _exit(code);
  return NULL;
}

void rafka_init_process_exit(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "exitImmediately", NAPI_AUTO_LENGTH, exit_immediately, NULL, &fn);
  napi_set_named_property(env, exports, "exitImmediately", fn);
}
