/*
 * flock(2) without a child process: `tryLock(fd)` takes an exclusive lock on the open file
 * description of `fd` without blocking. Returns true when taken, false when another open file description
 * holds it (EWOULDBLOCK), and throws any other failure with the system's own message (code = errno name) so
 * that it is never mistaken for "locked by another process". src/host/lock.ts falls back to flock(1) when the
 * addon is absent.
 */
#include <errno.h>
#include <string.h>
#include <sys/file.h>

#include "ctk-native.h"

static napi_value fail(napi_env env, int err) {
  const char *code = err == EBADF ? "EBADF" : err == ENOLCK ? "ENOLCK" : err == EINVAL ? "EINVAL" : NULL;
  napi_throw_error(env, code, strerror(err));
  return NULL;
}

napi_value ctk_try_lock(napi_env env, napi_callback_info info) {
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
