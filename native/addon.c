#include "addon.h"

static napi_value Init(napi_env env, napi_value exports) {
  rafka_init_crc32c(env, exports);
  rafka_init_read_ahead(env, exports);
  rafka_init_process_exit(env, exports);
  rafka_init_socket_options(env, exports);
  rafka_init_sendfile(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
