/*
 * test_vectors.c - check the C reference codec against every golden vector.
 *
 * Needs "vectors.h", generated from firmware_protocol/vectors/ by
 * firmware_protocol/tools/gen_c_vectors.py. Build and run, e.g.:
 *
 *   python firmware_protocol/tools/gen_c_vectors.py /tmp/vectors.h
 *   gcc -Wall -Wextra -Werror -std=c99 -I firmware_protocol/c -I /tmp \
 *       firmware_protocol/c/skproto.c firmware_protocol/c/test_vectors.c -o /tmp/t && /tmp/t
 *
 * Exit status 0 when every check passes; one line per failure otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "skproto.h"
#include "vectors.h"

static unsigned failures;
static unsigned checks;

static void fail(const char *vector, const char *what)
{
    failures++;
    printf("FAIL %s: %s\n", vector, what);
}

#define CHECK(cond, vector, what) \
    do {                          \
        checks++;                 \
        if (!(cond)) {            \
            fail(vector, what);   \
        }                         \
    } while (0)

/* Field-by-field comparison (unions and padding make memcmp unreliable). */
static int same_packet(const skp_packet_t *a, const skp_packet_t *b)
{
    size_t i;
    if (a->type != b->type || a->seq != b->seq) {
        return 0;
    }
    switch (a->type) {
    case SKP_TYPE_DEVICE_INFO: {
        const skp_device_info_t *x = &a->u.info, *y = &b->u.info;
        return x->device_id == y->device_id && x->fw_major == y->fw_major &&
               x->fw_minor == y->fw_minor && x->fw_patch == y->fw_patch && x->side == y->side &&
               x->sensor_count == y->sensor_count && x->adc_bits == y->adc_bits &&
               x->units == y->units && x->scale_exp == y->scale_exp &&
               x->layout_id == y->layout_id && x->sample_rate_hz == y->sample_rate_hz &&
               x->capabilities == y->capabilities;
    }
    case SKP_TYPE_PRESSURE: {
        const skp_pressure_t *x = &a->u.pressure, *y = &b->u.pressure;
        if (x->t0_us != y->t0_us || x->first_sample_seq != y->first_sample_seq ||
            x->period_ns != y->period_ns || x->n_channels != y->n_channels || x->bits != y->bits ||
            x->n_samples != y->n_samples) {
            return 0;
        }
        for (i = 0; i < (size_t)x->n_channels * x->n_samples; i++) {
            if (x->values[i] != y->values[i]) {
                return 0;
            }
        }
        return 1;
    }
    case SKP_TYPE_IMU: {
        const skp_imu_t *x = &a->u.imu, *y = &b->u.imu;
        if (x->t0_us != y->t0_us || x->first_sample_seq != y->first_sample_seq ||
            x->period_ns != y->period_ns || x->accel_range_g != y->accel_range_g ||
            x->gyro_range_dps != y->gyro_range_dps || x->n_samples != y->n_samples) {
            return 0;
        }
        for (i = 0; i < x->n_samples; i++) {
            if (memcmp(x->accel[i], y->accel[i], sizeof x->accel[i]) != 0 ||
                memcmp(x->gyro[i], y->gyro[i], sizeof x->gyro[i]) != 0) {
                return 0;
            }
        }
        return 1;
    }
    case SKP_TYPE_STATUS: {
        const skp_status_t *x = &a->u.status, *y = &b->u.status;
        return x->device_time_us == y->device_time_us && x->battery_pct == y->battery_pct &&
               x->temperature_cdeg == y->temperature_cdeg && x->error_flags == y->error_flags &&
               x->streaming == y->streaming;
    }
    case SKP_TYPE_TIME_SYNC: {
        const skp_time_sync_t *x = &a->u.time_sync, *y = &b->u.time_sync;
        return x->command_seq == y->command_seq && x->host_time_us == y->host_time_us &&
               x->device_rx_us == y->device_rx_us && x->device_tx_us == y->device_tx_us;
    }
    case SKP_TYPE_COMMAND: {
        const skp_command_t *x = &a->u.command, *y = &b->u.command;
        return x->command == y->command && x->n_args == y->n_args &&
               memcmp(x->args, y->args, x->n_args) == 0;
    }
    case SKP_TYPE_ACK:
        return a->u.ack.command_seq == b->u.ack.command_seq &&
               a->u.ack.command == b->u.ack.command;
    case SKP_TYPE_NACK:
        return a->u.ack.command_seq == b->u.ack.command_seq &&
               a->u.ack.command == b->u.ack.command && a->u.ack.reason == b->u.ack.reason;
    default:
        return 0;
    }
}

static skp_packet_t got_packets[8];
static skp_error_t got_errors[8];

/* Feed bytes one at a time; collect packets and errors in arrival order. */
static void run_decoder(const vector_t *v, size_t *n_packets, size_t *n_errors, int *early)
{
    skp_decoder_t dec;
    skp_packet_t pkt;
    skp_error_t err = SKP_OK;
    size_t i;
    skp_decoder_init(&dec);
    *n_packets = 0;
    *n_errors = 0;
    *early = 0;
    for (i = 0; i < v->n_bytes; i++) {
        skp_push_t r = skp_decoder_push(&dec, v->bytes[i], &pkt, &err);
        if (r != SKP_PUSH_NONE && v->bytes[i] != 0u) {
            *early = 1; /* events may only happen at a delimiter */
        }
        if (r == SKP_PUSH_PACKET && *n_packets < 8u) {
            got_packets[(*n_packets)++] = pkt;
        } else if (r == SKP_PUSH_ERROR && *n_errors < 8u) {
            got_errors[(*n_errors)++] = err;
        }
    }
    CHECK(dec.packets_ok == *n_packets, v->name, "decoder packet counter");
}

static void check_vector(const vector_t *v)
{
    size_t n_packets, n_errors, i;
    int early;
    char msg[160];
    run_decoder(v, &n_packets, &n_errors, &early);
    CHECK(!early, v->name, "event before a delimiter");
    CHECK(n_packets == v->n_packets, v->name, "number of packets");
    CHECK(n_errors == v->n_errors, v->name, "number of errors");
    for (i = 0; i < n_packets && i < v->n_packets; i++) {
        CHECK(same_packet(&got_packets[i], &v->packets[i]), v->name, "decoded packet fields");
    }
    for (i = 0; i < n_errors && i < v->n_errors; i++) {
        snprintf(msg, sizeof msg, "error %s, expected %s", skp_error_name(got_errors[i]),
                 skp_error_name(v->errors[i]));
        CHECK(got_errors[i] == v->errors[i], v->name, msg);
    }
    if (!v->is_stream && v->n_packets == 1u) {
        uint8_t buf[SKP_MAX_FRAME];
        size_t len = 0;
        skp_packet_t parsed;
        CHECK(skp_encode_packet(&v->packets[0], buf, sizeof buf, &len) == SKP_OK, v->name,
              "encode_packet status");
        CHECK(len == v->n_raw && memcmp(buf, v->raw, len) == 0, v->name, "encode_packet bytes");
        CHECK(skp_encode_frame(&v->packets[0], buf, sizeof buf, &len) == SKP_OK, v->name,
              "encode_frame status");
        CHECK(len == v->n_bytes && memcmp(buf, v->bytes, len) == 0, v->name,
              "encode_frame bytes");
        CHECK(skp_parse_packet(v->raw, v->n_raw, &parsed) == SKP_OK &&
                  same_packet(&parsed, &v->packets[0]),
              v->name, "parse_packet of the raw packet");
    }
}

static void check_basics(void)
{
    static const uint8_t digits[] = "123456789";
    skp_packet_t p;
    uint8_t buf[SKP_MAX_FRAME];
    size_t len = 0;
    CHECK(skp_crc16(digits, 9u, 0xFFFFu) == 0x29B1u, "basics", "CRC check value 0x29B1");

    memset(&p, 0, sizeof p);
    p.type = SKP_TYPE_PRESSURE;
    p.u.pressure.period_ns = 1000u;
    p.u.pressure.n_channels = 2u;
    p.u.pressure.n_samples = 1u;
    p.u.pressure.bits = 12u;
    p.u.pressure.values[1] = 4096u;
    CHECK(skp_encode_frame(&p, buf, sizeof buf, &len) == SKP_ERR_INVALID_FIELD, "basics",
          "12-bit value 4096 is rejected");
    p.u.pressure.values[1] = 4095u;
    CHECK(skp_encode_frame(&p, buf, sizeof buf, &len) == SKP_OK, "basics",
          "12-bit value 4095 is accepted");
    CHECK(skp_encode_frame(&p, buf, 4u, &len) == SKP_ERR_INVALID_FIELD, "basics",
          "small output buffer is rejected");
}

int main(void)
{
    size_t i;
    check_basics();
    for (i = 0; i < N_VECTORS; i++) {
        check_vector(&VECTORS[i]);
    }
    printf("%u vectors, %u checks, %u failures\n", (unsigned)N_VECTORS, checks, failures);
    return failures == 0u ? 0 : 1;
}
