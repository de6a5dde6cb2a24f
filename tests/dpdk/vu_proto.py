# SPDX-License-Identifier: BSD-3-Clause
"""The vhost-user protocol's numbers (the spec's), for the Python frontend
and backend the tests drive: header flags, request codes, feature and
protocol feature bits. A message is a 12-byte header (request, flags,
payload size; little-endian u32 each) and its payload."""

VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
NAMES = {
    1: "GET_FEATURES", 2: "SET_FEATURES", 3: "SET_OWNER",
    5: "SET_MEM_TABLE", 8: "SET_VRING_NUM", 9: "SET_VRING_ADDR",
    10: "SET_VRING_BASE", 11: "GET_VRING_BASE", 12: "SET_VRING_KICK",
    13: "SET_VRING_CALL", 15: "GET_PROTOCOL_FEATURES",
    16: "SET_PROTOCOL_FEATURES", 17: "GET_QUEUE_NUM",
    18: "SET_VRING_ENABLE",
}
CODES = {v: k for k, v in NAMES.items()}
F_VERSION_1, F_PROTOCOL_FEATURES = 1 << 32, 1 << 30
F_EVENT_IDX, F_MQ, F_MRG_RXBUF = 1 << 29, 1 << 22, 1 << 15
PF_MQ, PF_REPLY_ACK = 1 << 0, 1 << 3
