/*
 * `sha256Hex(text)`: the SHA-256 (FIPS 180-4) hex digest of a string's UTF-8 bytes, the same as
 * createHash('sha256').update(text).digest('hex'). In JavaScript the hash of a small config runs in V8's
 * interpreter, where every 32-bit sum that leaves the small-integer range allocates a heap number: ~250 KB of
 * garbage and 1-4 ms for two 2 KB texts, on a start that then needs a garbage collection (issue 11).
 * src/engines/sha256.ts keeps the JavaScript version for when the addon is absent; tests compare all three.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ctk-native.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* One 64-byte block into the state. */
static void compress(uint32_t h[8], const unsigned char *block) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[i * 4] << 24 | (uint32_t)block[i * 4 + 1] << 16 | (uint32_t)block[i * 4 + 2] << 8 |
           (uint32_t)block[i * 4 + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

#if defined(__x86_64__)
#include <immintrin.h>

/*
 * The same compression on the x86 SHA extensions (sha256rnds2 does two rounds, sha256msg1/2 the message
 * schedule), for CPUs that have them: a 1 MB text hashes in ~7.5 ms instead of ~10 (Node 20, most of the rest
 * is copying the bytes out of the JS string), twice per 1 MB setup (issue 11). The state lives as the
 * instruction wants it: ABEF and CDGH.
 */
__attribute__((target("sha,sse4.1"))) static void compress_blocks_ni(uint32_t h[8], const unsigned char *data,
                                                                        size_t blocks) {
  const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  for (; blocks > 0; blocks--, data += 64) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4]; /* the last four groups of four schedule words, w[g % 4] */
    for (int g = 0; g < 4; g++) w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), big_endian);
    for (int g = 0; g < 16; g++) {
      if (g >= 4) {
        /* W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], four words at a time */
        __m128i x = _mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4));
        w[g % 4] = _mm_sha256msg2_epu32(x, w[(g + 3) % 4]);
      }
      __m128i msg = _mm_add_epi32(w[g % 4], _mm_loadu_si128((const __m128i *)&K[4 * g]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(msg, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int has_sha_ni(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
  }
  return known;
}
#endif

static void compress_blocks(uint32_t h[8], const unsigned char *data, size_t blocks, int portable) {
#if defined(__x86_64__)
  if (!portable && has_sha_ni()) {
    compress_blocks_ni(h, data, blocks);
    return;
  }
#else
  (void)portable;
#endif
  for (; blocks > 0; blocks--, data += 64) compress(h, data);
}

static void sha256_hex(const unsigned char *data, size_t len, int portable, char out[65]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t whole = len - len % 64;
  compress_blocks(h, data, whole / 64, portable);
  /* the rest, 0x80, zeros, and the bit length as 64-bit big-endian: one or two more blocks */
  unsigned char tail[128] = {0};
  size_t rest = len - whole;
  for (size_t i = 0; i < rest; i++) tail[i] = data[whole + i];
  tail[rest] = 0x80;
  size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
  compress_blocks(h, tail, tail_len / 64, portable);
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) out[i * 8 + j] = hex[(h[i] >> (28 - 4 * j)) & 0xf];
  out[64] = '\0';
}

static napi_value hash_argument(napi_env env, napi_callback_info info, int portable) {
  size_t argc = 1;
  napi_value argv[1];
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "sha256Hex(text): text must be a string");
    return NULL;
  }
  char *bytes = malloc(len + 1);
  if (bytes == NULL) {
    napi_throw_error(env, "ENOMEM", "sha256Hex: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], bytes, len + 1, &len);
  char digest[65];
  sha256_hex((const unsigned char *)bytes, len, portable, digest);
  free(bytes);
  napi_value out;
  napi_create_string_latin1(env, digest, 64, &out);
  return out;
}

napi_value ctk_sha256_hex(napi_env env, napi_callback_info info) { return hash_argument(env, info, 0); }

/* The portable C rounds even where the CPU has the SHA extensions: for the tests, which compare both. */
napi_value ctk_sha256_hex_portable(napi_env env, napi_callback_info info) { return hash_argument(env, info, 1); }
