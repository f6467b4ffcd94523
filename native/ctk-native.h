/* The functions of the ctk-installer addon (dist/ctk-native.node); native/addon.c registers them. */
#ifndef CTK_NATIVE_H
#define CTK_NATIVE_H
#define NAPI_VERSION 8
#include <node_api.h>

napi_value ctk_try_lock(napi_env env, napi_callback_info info);
napi_value ctk_sha256_hex(napi_env env, napi_callback_info info);
napi_value ctk_sha256_hex_portable(napi_env env, napi_callback_info info);

#endif
