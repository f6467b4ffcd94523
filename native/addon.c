/*
 * The ctk-installer addon, dist/ctk-native.node: the few things a start of an engine command should not pay
 * for in JavaScript (issue 11). Node-API only: one .node loads on every Node release with Node-API 8 (Node 20
 * and later). Built by scripts/build-native.sh with gcc and the node-api-headers npm package; src/host/native.ts
 * loads it, and everything it offers has a JavaScript fallback for when it is absent.
 *   tryLock(fd)      native/flock.c
 *   sha256Hex(text), sha256HexPortable(text)  native/sha256.c
 */
#include "ctk-native.h"

static int define(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!define(env, exports, "tryLock", ctk_try_lock)) return NULL;
  if (!define(env, exports, "sha256Hex", ctk_sha256_hex)) return NULL;
  if (!define(env, exports, "sha256HexPortable", ctk_sha256_hex_portable)) return NULL;
  return exports;
}
