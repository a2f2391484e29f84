/*
 * skproto.c - reference codec for the sensorkit wire protocol, version 1.
 * See skproto.h for the API and firmware_protocol/PROTOCOL.md for the rules.
 */
#include "skproto.h"

#include <string.h>

/* ------------------------------------------------------------ helpers */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    unsigned i;
    for (i = 0; i < 4u; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    unsigned i;
    for (i = 0; i < 8u; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

static int16_t get_i16(const uint8_t *p)
{
    uint16_t u = get_u16(p);
    /* Two's complement without implementation-defined conversion. */
    return (u & 0x8000u) ? (int16_t)(-(int32_t)(0x10000ul - u)) : (int16_t)u;
}

static size_t packed_size(size_t count, uint8_t bits)
{
    return bits == 16u ? 2u * count : (3u * count + 1u) / 2u;
}

const char *skp_error_name(skp_error_t e)
{
    switch (e) {
    case SKP_OK: return "OK";
    case SKP_ERR_OVERSIZE: return "OVERSIZE";
    case SKP_ERR_BAD_COBS: return "BAD_COBS";
    case SKP_ERR_TRUNCATED: return "TRUNCATED";
    case SKP_ERR_BAD_VERSION: return "BAD_VERSION";
    case SKP_ERR_BAD_LENGTH: return "BAD_LENGTH";
    case SKP_ERR_BAD_CRC: return "BAD_CRC";
    case SKP_ERR_UNKNOWN_TYPE: return "UNKNOWN_TYPE";
    case SKP_ERR_BAD_PAYLOAD: return "BAD_PAYLOAD";
    case SKP_ERR_INVALID_FIELD: return "INVALID_FIELD";
    }
    return "?";
}

/* ------------------------------------------------------------ CRC, COBS */

uint16_t skp_crc16(const uint8_t *data, size_t len, uint16_t crc)
{
    size_t i;
    unsigned bit;
    for (i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (bit = 0; bit < 8u; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

size_t skp_cobs_encode(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t code_at = 0; /* where the current block's code byte goes */
    size_t o = 1;
    uint8_t code = 1;
    size_t i;
    for (i = 0; i < len; i++) {
        if (in[i] == 0u) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            out[o++] = in[i];
            code++;
            if (code == 0xFFu) {
                out[code_at] = code;
                if (i + 1u == len) {
                    return o; /* canonical: no empty block after a final full run */
                }
                code_at = o++;
                code = 1;
            }
        }
    }
    out[code_at] = code;
    return o;
}

/* ------------------------------------------------------------ encoding */

static skp_error_t encode_pressure(const skp_pressure_t *s, uint8_t *p, size_t *len)
{
    size_t n = (size_t)s->n_channels * s->n_samples;
    size_t i;
    if (s->n_channels == 0u || s->n_samples == 0u || s->period_ns == 0u ||
        (s->bits != 12u && s->bits != 16u) || n > SKP_MAX_VALUES ||
        SKP_PRESSURE_HEADER + packed_size(n, s->bits) > SKP_MAX_PAYLOAD) {
        return SKP_ERR_INVALID_FIELD;
    }
    put_u64(p, s->t0_us);
    put_u32(p + 8, s->first_sample_seq);
    put_u32(p + 12, s->period_ns);
    p[16] = s->n_channels;
    p[17] = s->bits;
    p[18] = s->n_samples;
    p += SKP_PRESSURE_HEADER;
    if (s->bits == 16u) {
        for (i = 0; i < n; i++) {
            put_u16(p + 2u * i, s->values[i]);
        }
    } else {
        for (i = 0; i < n; i++) {
            if (s->values[i] > 0x0FFFu) {
                return SKP_ERR_INVALID_FIELD;
            }
        }
        for (i = 0; i < n; i += 2u) {
            uint16_t a = s->values[i];
            uint16_t b = (i + 1u < n) ? s->values[i + 1u] : 0u;
            uint8_t *g = p + (i / 2u) * 3u;
            g[0] = (uint8_t)(a & 0xFFu);
            g[1] = (uint8_t)((a >> 8) | ((b & 0x0Fu) << 4));
            if (i + 1u < n) {
                g[2] = (uint8_t)(b >> 4);
            }
        }
    }
    *len = SKP_PRESSURE_HEADER + packed_size(n, s->bits);
    return SKP_OK;
}

static skp_error_t encode_imu(const skp_imu_t *s, uint8_t *p, size_t *len)
{
    size_t i;
    unsigned k;
    if (s->n_samples == 0u || s->n_samples > SKP_MAX_IMU_SAMPLES || s->period_ns == 0u ||
        s->accel_range_g == 0u || s->gyro_range_dps == 0u) {
        return SKP_ERR_INVALID_FIELD;
    }
    put_u64(p, s->t0_us);
    put_u32(p + 8, s->first_sample_seq);
    put_u32(p + 12, s->period_ns);
    p[16] = s->accel_range_g;
    put_u16(p + 17, s->gyro_range_dps);
    p[19] = s->n_samples;
    for (i = 0; i < s->n_samples; i++) {
        uint8_t *q = p + SKP_IMU_HEADER + 12u * i;
        for (k = 0; k < 3u; k++) {
            put_u16(q + 2u * k, (uint16_t)s->accel[i][k]);
            put_u16(q + 6u + 2u * k, (uint16_t)s->gyro[i][k]);
        }
    }
    *len = SKP_IMU_HEADER + 12u * (size_t)s->n_samples;
    return SKP_OK;
}

static skp_error_t encode_payload(const skp_packet_t *pk, uint8_t *p, size_t *len)
{
    switch (pk->type) {
    case SKP_TYPE_DEVICE_INFO: {
        const skp_device_info_t *s = &pk->u.info;
        if (s->side > 2u || s->units > 3u || s->sensor_count == 0u || s->adc_bits == 0u ||
            s->adc_bits > 16u) {
            return SKP_ERR_INVALID_FIELD;
        }
        put_u64(p, s->device_id);
        p[8] = s->fw_major;
        p[9] = s->fw_minor;
        p[10] = s->fw_patch;
        p[11] = s->side;
        p[12] = s->sensor_count;
        p[13] = s->adc_bits;
        p[14] = s->units;
        p[15] = (uint8_t)s->scale_exp;
        put_u16(p + 16, s->layout_id);
        put_u16(p + 18, s->sample_rate_hz);
        p[20] = s->capabilities;
        *len = 21u;
        return SKP_OK;
    }
    case SKP_TYPE_PRESSURE:
        return encode_pressure(&pk->u.pressure, p, len);
    case SKP_TYPE_IMU:
        return encode_imu(&pk->u.imu, p, len);
    case SKP_TYPE_STATUS: {
        const skp_status_t *s = &pk->u.status;
        if ((s->battery_pct > 100u && s->battery_pct != 255u) || s->streaming > 1u) {
            return SKP_ERR_INVALID_FIELD;
        }
        put_u64(p, s->device_time_us);
        p[8] = s->battery_pct;
        put_u16(p + 9, (uint16_t)s->temperature_cdeg);
        put_u32(p + 11, s->error_flags);
        p[15] = s->streaming;
        *len = 16u;
        return SKP_OK;
    }
    case SKP_TYPE_TIME_SYNC: {
        const skp_time_sync_t *s = &pk->u.time_sync;
        put_u16(p, s->command_seq);
        put_u64(p + 2, s->host_time_us);
        put_u64(p + 10, s->device_rx_us);
        put_u64(p + 18, s->device_tx_us);
        *len = 26u;
        return SKP_OK;
    }
    case SKP_TYPE_COMMAND: {
        const skp_command_t *s = &pk->u.command;
        if (s->n_args > SKP_MAX_COMMAND_ARGS) {
            return SKP_ERR_INVALID_FIELD;
        }
        p[0] = s->command;
        memcpy(p + 1, s->args, s->n_args);
        *len = 1u + (size_t)s->n_args;
        return SKP_OK;
    }
    case SKP_TYPE_ACK:
    case SKP_TYPE_NACK:
        put_u16(p, pk->u.ack.command_seq);
        p[2] = pk->u.ack.command;
        *len = 3u;
        if (pk->type == SKP_TYPE_NACK) {
            p[3] = pk->u.ack.reason;
            *len = 4u;
        }
        return SKP_OK;
    default:
        return SKP_ERR_INVALID_FIELD;
    }
}

skp_error_t skp_encode_packet(const skp_packet_t *p, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t payload[SKP_MAX_PAYLOAD];
    size_t len = 0;
    uint16_t crc;
    skp_error_t e = encode_payload(p, payload, &len);
    if (e != SKP_OK) {
        return e;
    }
    if (cap < SKP_HEADER_SIZE + len + SKP_CRC_SIZE) {
        return SKP_ERR_INVALID_FIELD;
    }
    out[0] = (uint8_t)SKP_PROTOCOL_VERSION;
    out[1] = p->type;
    put_u16(out + 2, (uint16_t)len);
    put_u16(out + 4, p->seq);
    memcpy(out + SKP_HEADER_SIZE, payload, len);
    crc = skp_crc16(out, SKP_HEADER_SIZE + len, 0xFFFFu);
    put_u16(out + SKP_HEADER_SIZE + len, crc);
    *out_len = SKP_HEADER_SIZE + len + SKP_CRC_SIZE;
    return SKP_OK;
}

skp_error_t skp_encode_frame(const skp_packet_t *p, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t raw[SKP_MAX_PACKET];
    size_t raw_len = 0;
    size_t enc_len;
    skp_error_t e = skp_encode_packet(p, raw, sizeof raw, &raw_len);
    if (e != SKP_OK) {
        return e;
    }
    if (cap < raw_len + raw_len / 254u + 2u) {
        return SKP_ERR_INVALID_FIELD;
    }
    enc_len = skp_cobs_encode(raw, raw_len, out);
    out[enc_len] = 0u;
    *out_len = enc_len + 1u;
    return SKP_OK;
}

/* ------------------------------------------------------------ parsing */

static skp_error_t parse_pressure(const uint8_t *p, size_t len, skp_pressure_t *s)
{
    size_t n;
    size_t i;
    if (len < SKP_PRESSURE_HEADER) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    s->t0_us = get_u64(p);
    s->first_sample_seq = get_u32(p + 8);
    s->period_ns = get_u32(p + 12);
    s->n_channels = p[16];
    s->bits = p[17];
    s->n_samples = p[18];
    if (s->bits != 12u && s->bits != 16u) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    if (s->n_channels == 0u || s->n_samples == 0u || s->period_ns == 0u) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    n = (size_t)s->n_channels * s->n_samples;
    if (len != SKP_PRESSURE_HEADER + packed_size(n, s->bits) || n > SKP_MAX_VALUES) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    p += SKP_PRESSURE_HEADER;
    if (s->bits == 16u) {
        for (i = 0; i < n; i++) {
            s->values[i] = get_u16(p + 2u * i);
        }
        return SKP_OK;
    }
    for (i = 0; i < n; i += 2u) {
        const uint8_t *g = p + (i / 2u) * 3u;
        s->values[i] = (uint16_t)(g[0] | ((uint16_t)(g[1] & 0x0Fu) << 8));
        if (i + 1u < n) {
            s->values[i + 1u] = (uint16_t)((g[1] >> 4) | ((uint16_t)g[2] << 4));
        } else if ((g[1] & 0xF0u) != 0u) {
            return SKP_ERR_BAD_PAYLOAD; /* padding bits must be zero */
        }
    }
    return SKP_OK;
}

static skp_error_t parse_imu(const uint8_t *p, size_t len, skp_imu_t *s)
{
    size_t i;
    unsigned k;
    if (len < SKP_IMU_HEADER) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    s->t0_us = get_u64(p);
    s->first_sample_seq = get_u32(p + 8);
    s->period_ns = get_u32(p + 12);
    s->accel_range_g = p[16];
    s->gyro_range_dps = get_u16(p + 17);
    s->n_samples = p[19];
    if (s->n_samples == 0u || s->period_ns == 0u || s->accel_range_g == 0u ||
        s->gyro_range_dps == 0u) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    if (len != SKP_IMU_HEADER + 12u * (size_t)s->n_samples ||
        s->n_samples > SKP_MAX_IMU_SAMPLES) {
        return SKP_ERR_BAD_PAYLOAD;
    }
    for (i = 0; i < s->n_samples; i++) {
        const uint8_t *q = p + SKP_IMU_HEADER + 12u * i;
        for (k = 0; k < 3u; k++) {
            s->accel[i][k] = get_i16(q + 2u * k);
            s->gyro[i][k] = get_i16(q + 6u + 2u * k);
        }
    }
    return SKP_OK;
}

static skp_error_t parse_payload(uint8_t type, const uint8_t *p, size_t len, skp_packet_t *out)
{
    switch (type) {
    case SKP_TYPE_DEVICE_INFO: {
        skp_device_info_t *s = &out->u.info;
        if (len != 21u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        s->device_id = get_u64(p);
        s->fw_major = p[8];
        s->fw_minor = p[9];
        s->fw_patch = p[10];
        s->side = p[11];
        s->sensor_count = p[12];
        s->adc_bits = p[13];
        s->units = p[14];
        s->scale_exp = (int8_t)(p[15] < 128u ? (int)p[15] : (int)p[15] - 256);
        s->layout_id = get_u16(p + 16);
        s->sample_rate_hz = get_u16(p + 18);
        s->capabilities = p[20];
        if (s->side > 2u || s->units > 3u || s->sensor_count == 0u || s->adc_bits == 0u ||
            s->adc_bits > 16u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        return SKP_OK;
    }
    case SKP_TYPE_PRESSURE:
        return parse_pressure(p, len, &out->u.pressure);
    case SKP_TYPE_IMU:
        return parse_imu(p, len, &out->u.imu);
    case SKP_TYPE_STATUS: {
        skp_status_t *s = &out->u.status;
        if (len != 16u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        s->device_time_us = get_u64(p);
        s->battery_pct = p[8];
        s->temperature_cdeg = get_i16(p + 9);
        s->error_flags = get_u32(p + 11);
        s->streaming = p[15];
        if ((s->battery_pct > 100u && s->battery_pct != 255u) || s->streaming > 1u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        return SKP_OK;
    }
    case SKP_TYPE_TIME_SYNC: {
        skp_time_sync_t *s = &out->u.time_sync;
        if (len != 26u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        s->command_seq = get_u16(p);
        s->host_time_us = get_u64(p + 2);
        s->device_rx_us = get_u64(p + 10);
        s->device_tx_us = get_u64(p + 18);
        return SKP_OK;
    }
    case SKP_TYPE_COMMAND: {
        skp_command_t *s = &out->u.command;
        size_t want;
        if (len < 1u) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        s->command = p[0];
        s->n_args = (uint16_t)(len - 1u);
        switch (s->command) {
        case SKP_CMD_SET_RATE: want = 2u; break;
        case SKP_CMD_SYNC_TIME: want = 8u; break;
        case SKP_CMD_START:
        case SKP_CMD_STOP:
        case SKP_CMD_TARE:
        case SKP_CMD_REQUEST_INFO: want = 0u; break;
        default: want = s->n_args; break; /* unknown: any arguments; the device NACKs it */
        }
        if (s->n_args != want) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        memcpy(s->args, p + 1, s->n_args);
        return SKP_OK;
    }
    case SKP_TYPE_ACK:
    case SKP_TYPE_NACK:
        if (len != (type == SKP_TYPE_ACK ? 3u : 4u)) {
            return SKP_ERR_BAD_PAYLOAD;
        }
        out->u.ack.command_seq = get_u16(p);
        out->u.ack.command = p[2];
        out->u.ack.reason = (type == SKP_TYPE_NACK) ? p[3] : 0u;
        return SKP_OK;
    default:
        return SKP_ERR_UNKNOWN_TYPE;
    }
}

skp_error_t skp_parse_packet(const uint8_t *raw, size_t len, skp_packet_t *out)
{
    size_t length;
    if (len > SKP_MAX_PACKET) {
        return SKP_ERR_OVERSIZE;
    }
    if (len < SKP_HEADER_SIZE + SKP_CRC_SIZE) {
        return SKP_ERR_TRUNCATED;
    }
    if (raw[0] != SKP_PROTOCOL_VERSION) {
        return SKP_ERR_BAD_VERSION;
    }
    length = get_u16(raw + 2);
    if (length > SKP_MAX_PAYLOAD) {
        return SKP_ERR_OVERSIZE;
    }
    if (SKP_HEADER_SIZE + length + SKP_CRC_SIZE > len) {
        return SKP_ERR_TRUNCATED;
    }
    if (SKP_HEADER_SIZE + length + SKP_CRC_SIZE < len) {
        return SKP_ERR_BAD_LENGTH;
    }
    if (skp_crc16(raw, len - SKP_CRC_SIZE, 0xFFFFu) != get_u16(raw + len - SKP_CRC_SIZE)) {
        return SKP_ERR_BAD_CRC;
    }
    out->type = raw[1];
    out->seq = get_u16(raw + 4);
    return parse_payload(raw[1], raw + SKP_HEADER_SIZE, length, out);
}

/* ------------------------------------------------------------ streaming */

static void reset_frame(skp_decoder_t *d)
{
    d->len = 0;
    d->enc_len = 0;
    d->code = 0;
    d->left = 0;
    d->overflow = 0;
}

void skp_decoder_init(skp_decoder_t *d)
{
    memset(d, 0, sizeof *d);
}

skp_push_t skp_decoder_push(skp_decoder_t *d, uint8_t byte, skp_packet_t *out, skp_error_t *err)
{
    skp_error_t e;
    if (byte == 0u) {
        if (d->overflow) {
            e = SKP_ERR_OVERSIZE;
        } else if (d->enc_len == 0u) {
            return SKP_PUSH_NONE; /* empty frame: idle fill */
        } else if (d->left != 0u) {
            e = SKP_ERR_BAD_COBS; /* the last code byte points past the delimiter */
        } else {
            e = skp_parse_packet(d->buf, d->len, out);
        }
        reset_frame(d);
        if (e == SKP_OK) {
            d->packets_ok++;
            return SKP_PUSH_PACKET;
        }
        d->errors[e]++;
        *err = e;
        return SKP_PUSH_ERROR;
    }
    if (d->overflow) {
        return SKP_PUSH_NONE;
    }
    if (d->enc_len >= SKP_MAX_ENCODED) {
        d->overflow = 1u; /* drop everything up to the next delimiter */
        return SKP_PUSH_NONE;
    }
    d->enc_len++;
    if (d->enc_len == 1u) {
        d->code = byte;
        d->left = (uint8_t)(byte - 1u);
    } else if (d->left > 0u) {
        d->buf[d->len++] = byte;
        d->left--;
    } else {
        if (d->code != 0xFFu) {
            d->buf[d->len++] = 0u; /* the zero the previous code byte stood for */
        }
        d->code = byte;
        d->left = (uint8_t)(byte - 1u);
    }
    return SKP_PUSH_NONE;
}
