/* Rafka's optional native helpers (N-API, C): see crc32c.c, read-ahead.c, process-exit.c, socket-options.c and sendfile.c. */
#ifndef RAFKA_ADDON_H
#define RAFKA_ADDON_H
#include <node_api.h>

/* Each registers its functions on `exports` (crc32c only where SSE4.2 exists). */
void rafka_init_crc32c(napi_env env, napi_value exports);
void rafka_init_read_ahead(napi_env env, napi_value exports);
void rafka_init_process_exit(napi_env env, napi_value exports);
void rafka_init_socket_options(napi_env env, napi_value exports);
void rafka_init_sendfile(napi_env env, napi_value exports);

#endif
