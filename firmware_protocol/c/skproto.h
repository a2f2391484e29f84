/*
 * skproto.h - reference codec for the sensorkit wire protocol, version 1.
 *
 * Normative description: firmware_protocol/PROTOCOL.md. This code is C99,
 * uses no heap and no library beyond <stdint.h>, <stddef.h> and <string.h>,
 * and is meant to be copied into firmware as is.
 *
 *   encode:  fill an skp_packet_t, call skp_encode_frame(), send the bytes.
 *   decode:  skp_decoder_init() once, then skp_decoder_push() every received
 *            byte; it reports a packet or an error at each 0x00 delimiter.
 *
 * Memory: skp_decoder_t is ~570 bytes, skp_packet_t ~700 bytes (it can hold
 * the largest packet of any type); skp_encode_frame() uses 512 bytes of stack.
 */
#ifndef SKPROTO_H
#define SKPROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SKP_PROTOCOL_VERSION 1u
#define SKP_HEADER_SIZE 6u
#define SKP_CRC_SIZE 2u
#define SKP_MAX_PACKET 512u
#define SKP_MAX_PAYLOAD (SKP_MAX_PACKET - SKP_HEADER_SIZE - SKP_CRC_SIZE) /* 504 */
#define SKP_MAX_ENCODED 515u                      /* COBS body, delimiter excluded */
#define SKP_MAX_FRAME (SKP_MAX_ENCODED + 1u)      /* with the 0x00 delimiter */
#define SKP_PRESSURE_HEADER 19u
#define SKP_IMU_HEADER 20u
#define SKP_MAX_VALUES 323u    /* 12-bit values in the largest pressure payload */
#define SKP_MAX_IMU_SAMPLES 40u
#define SKP_MAX_COMMAND_ARGS (SKP_MAX_PAYLOAD - 1u)

/* Header byte 1. */
typedef enum {
    SKP_TYPE_DEVICE_INFO = 0x01,
    SKP_TYPE_PRESSURE = 0x02,
    SKP_TYPE_IMU = 0x03,
    SKP_TYPE_STATUS = 0x04,
    SKP_TYPE_TIME_SYNC = 0x05,
    SKP_TYPE_COMMAND = 0x10,
    SKP_TYPE_ACK = 0x11,
    SKP_TYPE_NACK = 0x12
} skp_type_t;

typedef enum {
    SKP_CMD_START = 0x01,
    SKP_CMD_STOP = 0x02,
    SKP_CMD_SET_RATE = 0x03,
    SKP_CMD_TARE = 0x04,
    SKP_CMD_REQUEST_INFO = 0x05,
    SKP_CMD_SYNC_TIME = 0x06
} skp_command_id_t;

typedef enum {
    SKP_NACK_UNKNOWN_COMMAND = 0x01,
    SKP_NACK_BAD_ARGUMENT = 0x02,
    SKP_NACK_INVALID_STATE = 0x03,
    SKP_NACK_NOT_SUPPORTED = 0x04,
    SKP_NACK_INTERNAL_ERROR = 0x05
} skp_nack_reason_t;

/* Error codes; the names match the "error" strings of the vector files. */
typedef enum {
    SKP_OK = 0,
    SKP_ERR_OVERSIZE,
    SKP_ERR_BAD_COBS,
    SKP_ERR_TRUNCATED,
    SKP_ERR_BAD_VERSION,
    SKP_ERR_BAD_LENGTH,
    SKP_ERR_BAD_CRC,
    SKP_ERR_UNKNOWN_TYPE,
    SKP_ERR_BAD_PAYLOAD,
    SKP_ERR_INVALID_FIELD /* encoder only */
} skp_error_t;

typedef struct {
    uint64_t device_id;
    uint8_t fw_major, fw_minor, fw_patch;
    uint8_t side; /* 0 unknown, 1 left, 2 right */
    uint8_t sensor_count;
    uint8_t adc_bits;
    uint8_t units; /* 0 raw counts, 1 N, 2 kPa, 3 mV */
    int8_t scale_exp;
    uint16_t layout_id;
    uint16_t sample_rate_hz;
    uint8_t capabilities;
} skp_device_info_t;

typedef struct {
    uint64_t t0_us;
    uint32_t first_sample_seq;
    uint32_t period_ns;
    uint8_t n_channels;
    uint8_t bits; /* 12 or 16 */
    uint8_t n_samples;
    uint16_t values[SKP_MAX_VALUES]; /* sample-major: values[i * n_channels + c] */
} skp_pressure_t;

typedef struct {
    uint64_t t0_us;
    uint32_t first_sample_seq;
    uint32_t period_ns;
    uint8_t accel_range_g;
    uint16_t gyro_range_dps;
    uint8_t n_samples;
    int16_t accel[SKP_MAX_IMU_SAMPLES][3];
    int16_t gyro[SKP_MAX_IMU_SAMPLES][3];
} skp_imu_t;

typedef struct {
    uint64_t device_time_us;
    uint8_t battery_pct;      /* 0..100, 255 unknown */
    int16_t temperature_cdeg; /* -32768 unknown */
    uint32_t error_flags;
    uint8_t streaming;        /* 0 or 1 */
} skp_status_t;

typedef struct {
    uint16_t command_seq;
    uint64_t host_time_us;
    uint64_t device_rx_us;
    uint64_t device_tx_us;
} skp_time_sync_t;

typedef struct {
    uint8_t command; /* skp_command_id_t or an unknown id */
    uint16_t n_args;
    uint8_t args[SKP_MAX_COMMAND_ARGS];
} skp_command_t;

typedef struct {
    uint16_t command_seq;
    uint8_t command;
    uint8_t reason; /* NACK only */
} skp_ack_t;

typedef struct {
    uint8_t type; /* skp_type_t */
    uint16_t seq;
    union {
        skp_device_info_t info;
        skp_pressure_t pressure;
        skp_imu_t imu;
        skp_status_t status;
        skp_time_sync_t time_sync;
        skp_command_t command;
        skp_ack_t ack; /* ACK and NACK */
    } u;
} skp_packet_t;

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.
 * Pass crc = 0xFFFF to start; check value of "123456789" is 0x29B1. */
uint16_t skp_crc16(const uint8_t *data, size_t len, uint16_t crc);

/* COBS-encode len bytes into out (capacity >= len + len / 254 + 1); returns
 * the encoded length. No delimiter is written. */
size_t skp_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);

/* Raw packet (header + payload + CRC) into out[0..cap). */
skp_error_t skp_encode_packet(const skp_packet_t *p, uint8_t *out, size_t cap, size_t *out_len);

/* Wire frame (COBS + 0x00 delimiter) into out[0..cap); cap >= SKP_MAX_FRAME always suffices. */
skp_error_t skp_encode_frame(const skp_packet_t *p, uint8_t *out, size_t cap, size_t *out_len);

/* Validate and parse a raw (COBS-decoded) packet. */
skp_error_t skp_parse_packet(const uint8_t *raw, size_t len, skp_packet_t *out);

/* Streaming decoder: COBS-decodes on the fly, one byte at a time. */
typedef struct {
    uint8_t buf[SKP_MAX_ENCODED]; /* decoded bytes of the current frame */
    uint16_t len;                 /* decoded bytes so far */
    uint16_t enc_len;             /* encoded bytes so far */
    uint8_t code;                 /* current COBS code byte */
    uint8_t left;                 /* data bytes left in the current block */
    uint8_t overflow;             /* frame exceeded SKP_MAX_ENCODED */
    uint32_t packets_ok;
    uint32_t errors[SKP_ERR_INVALID_FIELD + 1]; /* per skp_error_t */
} skp_decoder_t;

typedef enum {
    SKP_PUSH_NONE = 0,   /* byte consumed, nothing completed */
    SKP_PUSH_PACKET = 1, /* *out holds a packet */
    SKP_PUSH_ERROR = 2   /* a frame was rejected; *err says why */
} skp_push_t;

void skp_decoder_init(skp_decoder_t *d);
skp_push_t skp_decoder_push(skp_decoder_t *d, uint8_t byte, skp_packet_t *out, skp_error_t *err);

const char *skp_error_name(skp_error_t e);

#ifdef __cplusplus
}
#endif
#endif /* SKPROTO_H */
