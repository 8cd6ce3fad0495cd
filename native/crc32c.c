/*
 * CRC-32C (Castagnoli) with the SSE4.2 crc32 instruction, three independent streams interleaved to hide the
 * instruction's 3-cycle latency; the three partial CRCs are joined by "shift by n zero bytes" (multiplication by
 * x^(8n) mod P), applied with four 256-entry tables per block size. N-API only (no node-addon-api), C11.
 *
 * Export (only on x86 CPUs with SSE4.2; otherwise absent and JS falls back):
 *   crc32c(data: Uint8Array, start: number, end: number, initial: number): number   (unsigned)
 */
#include "addon.h"
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#define POLY 0x82f63b78u

/* a * b mod P in the reflected bit order (bit 31 = x^0). */
static uint32_t multmodp(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31, p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
  }
  return p;
}

/* x^(8n) mod P: the operator that appends n zero bytes to a raw CRC. */
static uint32_t x8nmodp(size_t n) {
  uint32_t p = 1u << 31;     /* x^0 */
  uint32_t sq = 1u << 23;    /* x^8 */
  while (n) {
    if (n & 1) p = multmodp(sq, p);
    sq = multmodp(sq, sq);
    n >>= 1;
  }
  return p;
}

#define LONG_BLOCK 4096
#define SHORT_BLOCK 256

static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

static void build_shift_table(uint32_t table[4][256], size_t n) {
  uint32_t op = x8nmodp(n);
  for (int k = 0; k < 4; k++)
    for (uint32_t b = 0; b < 256; b++) table[k][b] = multmodp(op, b << (8 * k));
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
  build_shift_table(shift_long, LONG_BLOCK);
  build_shift_table(shift_short, SHORT_BLOCK);
}

static inline uint32_t shift(uint32_t table[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^ table[3][crc >> 24];
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_SSE42_PATH 1

/*
 * One round over 3 * block bytes at *p: three streams of `block` bytes each, joined by shifting. Advances *p and
 * *len. Inlined with a constant block size, so each caller gets its own unrolled loop.
 */
__attribute__((target("sse4.2"), always_inline)) static inline uint64_t crc3way(uint64_t c0, const uint8_t **pp, size_t *len, size_t block, uint32_t table[4][256]) {
  const uint8_t *p = *pp;
  uint64_t c1 = 0, c2 = 0;
  const uint8_t *end = p + block;
  do {
    uint64_t a, b, c;
    memcpy(&a, p, 8);
    memcpy(&b, p + block, 8);
    memcpy(&c, p + 2 * block, 8);
    c0 = __builtin_ia32_crc32di(c0, a);
    c1 = __builtin_ia32_crc32di(c1, b);
    c2 = __builtin_ia32_crc32di(c2, c);
    p += 8;
  } while (p < end);
  c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
  c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;
  *pp = p + 2 * block;
  *len -= 3 * block;
  return c0;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len) {
  uint64_t c0 = crc;
  while (len > 0 && ((uintptr_t)p & 7) != 0) {
    c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
    len--;
  }
  while (len >= 3 * LONG_BLOCK) c0 = crc3way(c0, &p, &len, LONG_BLOCK, shift_long);
  while (len >= 3 * SHORT_BLOCK) c0 = crc3way(c0, &p, &len, SHORT_BLOCK, shift_short);
  while (len >= 8) {
    uint64_t a;
    memcpy(&a, p, 8);
    c0 = __builtin_ia32_crc32di(c0, a);
    p += 8;
    len -= 8;
  }
  while (len > 0) {
    c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
    len--;
  }
  return (uint32_t)c0;
}
#endif

#ifdef HAVE_SSE42_PATH
static uint32_t crc32c_update(uint32_t initial, const uint8_t *p, size_t len) {
  return ~crc32c_hw(~initial, p, len);
}

/* Reads args[i] as a non-negative integer index; -1 on failure. */
static int64_t arg_index(napi_env env, napi_value v) {
  int64_t x;
  if (napi_get_value_int64(env, v, &x) != napi_ok) return -1;
  return x;
}

static napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t byte_offset;
  if (argc < 1 || napi_get_typedarray_info(env, args[0], &type, &length, &data, &ab, &byte_offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c: data must be a Uint8Array");
    return NULL;
  }
  int64_t start = argc > 1 ? arg_index(env, args[1]) : 0;
  int64_t end = argc > 2 ? arg_index(env, args[2]) : (int64_t)length;
  uint32_t initial = 0;
  if (argc > 3 && napi_get_value_uint32(env, args[3], &initial) != napi_ok) initial = 0;
  if (start < 0 || end < start || (size_t)end > length) {
    napi_throw_range_error(env, NULL, "crc32c: range out of bounds");
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, crc32c_update(initial, (const uint8_t *)data + start, (size_t)(end - start)), &result);
  return result;
}
#endif

void rafka_init_crc32c(napi_env env, napi_value exports) {
#ifdef HAVE_SSE42_PATH
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse4.2")) return;
  pthread_once(&tables_once, build_tables); /* once per process: worker_threads load the addon again */
  napi_value fn;
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, Crc32c, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
#else
  (void)env;
  (void)exports;
#endif
}
