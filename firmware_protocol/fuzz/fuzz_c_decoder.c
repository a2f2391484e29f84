/*
 * libFuzzer harness for the C reference decoder (not built by the test suite).
 *
 *   clang-14 -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined \
 *       -I firmware_protocol/c firmware_protocol/c/skproto.c \
 *       firmware_protocol/fuzz/fuzz_c_decoder.c -o /tmp/fuzz_c
 *   python firmware_protocol/fuzz/make_corpus.py /tmp/skp-c-corpus
 *   /tmp/fuzz_c /tmp/skp-c-corpus -max_total_time=120 -max_len=4096
 *
 * Oracles, beyond AddressSanitizer/UBSan finding memory or UB errors:
 *  - the byte-at-a-time decoder reports, frame by frame, exactly what
 *    skp_parse_packet() says about an independently COBS-decoded frame;
 *  - every accepted packet re-encodes to exactly the raw bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "skproto.h"

/* Plain COBS decoder for the oracle; returns 0 on invalid input. */
static int ref_cobs(const uint8_t *in, size_t n, uint8_t *out, size_t *out_len)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t code = in[i++];
        size_t k;
        if (code == 0u || i + code - 1u > n) {
            return 0;
        }
        for (k = 1; k < code; k++) {
            out[o++] = in[i++];
        }
        if (code != 0xFFu && i < n) {
            out[o++] = 0u;
        }
    }
    *out_len = o;
    return 1;
}

static void check_canonical(const skp_packet_t *p, const uint8_t *raw, size_t len)
{
    uint8_t again[SKP_MAX_PACKET];
    size_t n = 0;
    if (skp_encode_packet(p, again, sizeof again, &n) != SKP_OK || n != len ||
        memcmp(again, raw, len) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static skp_decoder_t dec;
    static skp_packet_t got, want;
    static uint8_t raw[4096];
    size_t i, start = 0, raw_len = 0;
    skp_error_t err = SKP_OK;

    if (size <= SKP_MAX_PACKET && skp_parse_packet(data, size, &want) == SKP_OK) {
        check_canonical(&want, data, size);
    }

    skp_decoder_init(&dec);
    for (i = 0; i < size; i++) {
        skp_push_t r = skp_decoder_push(&dec, data[i], &got, &err);
        if (data[i] != 0u) {
            if (r != SKP_PUSH_NONE) {
                abort();
            }
            continue;
        }
        /* Frame data[start..i): what should the decoder have said? */
        {
            size_t n = i - start;
            skp_error_t expect;
            if (n == 0u) {
                expect = SKP_OK; /* idle fill: no event */
                if (r != SKP_PUSH_NONE) {
                    abort();
                }
            } else {
                if (n > SKP_MAX_ENCODED) {
                    expect = SKP_ERR_OVERSIZE;
                } else if (!ref_cobs(data + start, n, raw, &raw_len)) {
                    expect = SKP_ERR_BAD_COBS;
                } else {
                    expect = skp_parse_packet(raw, raw_len, &want);
                }
                if (expect == SKP_OK) {
                    if (r != SKP_PUSH_PACKET) {
                        abort();
                    }
                    check_canonical(&got, raw, raw_len);
                } else if (r != SKP_PUSH_ERROR || err != expect) {
                    abort();
                }
            }
        }
        start = i + 1u;
    }
    return 0;
}
