/* Decode throughput of the C reference codec (firmware_protocol/c/skproto.c) on a file of
 * frames, for benchmarks/bench_protocol.py (issue 17, goal 7).
 *
 *   decode_bench FILE REPEAT   ->  prints "<best seconds> <packets> <samples>"
 *
 * The whole file is read into memory first; each pass pushes every byte through one
 * skp_decoder_t, as firmware or a C host would, and keeps the best wall time. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "skproto.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE REPEAT\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    int repeat = atoi(argv[2]);
    static skp_decoder_t dec;
    static skp_packet_t pkt;
    double best = 1e30;
    unsigned long packets = 0, samples = 0, errors = 0;
    for (int r = 0; r < repeat; r++) {
        skp_decoder_init(&dec);
        packets = samples = errors = 0;
        double t0 = now();
        for (long i = 0; i < size; i++) {
            skp_error_t err;
            skp_push_t res = skp_decoder_push(&dec, buf[i], &pkt, &err);
            if (res == SKP_PUSH_PACKET) {
                packets++;
                if (pkt.type == SKP_TYPE_PRESSURE) samples += pkt.u.pressure.n_samples;
            } else if (res == SKP_PUSH_ERROR) {
                errors++;
            }
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    if (errors) {
        fprintf(stderr, "%lu frames rejected\n", errors);
        return 1;
    }
    printf("%.9f %lu %lu\n", best, packets, samples);
    free(buf);
    return 0;
}
