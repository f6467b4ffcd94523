/*
 * flock(2) for ctk-installer without a child process: `tryLock(fd)` takes an exclusive lock on the open file
 * description of `fd` without blocking. Returns true when taken, false when another open file description
 * holds it (EWOULDBLOCK), and throws any other failure with the system's own message (code = errno name) so
 * that it is never mistaken for "locked by another process". Node-API only: one .node loads on every Node
 * release that has Node-API 8 (Node 20 and later). Built by scripts/build-native.sh; src/host/lock.ts falls
 * back to flock(1) when it is absent.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/file.h>

static napi_value fail(napi_env env, int err) {
  const char *code = err == EBADF ? "EBADF" : err == ENOLCK ? "ENOLCK" : err == EINVAL ? "EINVAL" : NULL;
  napi_throw_error(env, code, strerror(err));
  return NULL;
}

static napi_value try_lock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "tryLock(fd): fd must be a number");
    return NULL;
  }
  int r;
  do {
    r = flock(fd, LOCK_EX | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  if (r != 0 && errno != EWOULDBLOCK) return fail(env, errno);
  napi_value out;
  napi_get_boolean(env, r == 0, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "tryLock", NAPI_AUTO_LENGTH, try_lock, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "tryLock", fn) != napi_ok) return NULL;
  return exports;
}
