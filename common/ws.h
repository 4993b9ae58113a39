/* SPDX-License-Identifier: ISC */
/*
 * RFC 6455 WebSocket protocol core: an incremental frame parser with
 * message reassembly and UTF-8 validation, a frame builder, the closing
 * handshake state machine and the HTTP opening handshakes.  Pure code:
 * bytes in, results out; no sockets, no event loop, no logging, no
 * global state.  Results are WS_OK, WS_NEED_MORE or one WS_ERR_* value.
 */
#ifndef WSFLOW_WS_H
#define WSFLOW_WS_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "buf.h"
#include "utf8.h"

struct url;

/* Every outcome, one value per reason; ws_strerror() names it. */
enum ws_err {
	WS_OK = 0,
	WS_NEED_MORE,
	WS_ERR_INVAL,			/* bad argument from our own code */
	WS_ERR_NOMEM,
	/* frames: 1002 protocol error */
	WS_ERR_RSV_BITS,
	WS_ERR_RSV1_CONTROL,
	WS_ERR_RSV1_CONTINUATION,
	WS_ERR_RESERVED_OPCODE,
	WS_ERR_LENGTH_MSB,
	WS_ERR_UNMASKED_FRAME,
	WS_ERR_MASKED_FRAME,
	WS_ERR_CONTROL_TOO_LONG,
	WS_ERR_CONTROL_FRAGMENTED,
	WS_ERR_UNEXPECTED_CONTINUATION,
	WS_ERR_EXPECTED_CONTINUATION,
	WS_ERR_CLOSE_PAYLOAD,
	WS_ERR_CLOSE_CODE,
	WS_ERR_AFTER_CLOSE,
	/* frames: 1007 invalid payload data */
	WS_ERR_INVALID_UTF8,
	WS_ERR_CLOSE_REASON_UTF8,
	/* frames: 1009 message too big */
	WS_ERR_FRAME_TOO_BIG,
	WS_ERR_MESSAGE_TOO_BIG,
	WS_ERR_TOO_MANY_FRAGMENTS,
	WS_ERR_BUDGET,			/* the worker's memory budget is spent */
	/* server side of the opening handshake */
	WS_ERR_HS_REQUEST_LINE,
	WS_ERR_HS_REQUEST_LINE_TOO_LONG,
	WS_ERR_HS_METHOD,
	WS_ERR_HS_TARGET,
	WS_ERR_HS_TARGET_TOO_LONG,
	WS_ERR_HS_HTTP_VERSION,
	WS_ERR_HS_HEADER_SYNTAX,
	WS_ERR_HS_HEADER_TOO_LONG,
	WS_ERR_HS_HEADERS_TOO_BIG,
	WS_ERR_HS_TOO_MANY_HEADERS,
	WS_ERR_HS_FIELD_TOO_LONG,
	WS_ERR_HS_DUPLICATE_HEADER,
	WS_ERR_HS_NO_HOST,
	WS_ERR_HS_BODY,
	WS_ERR_HS_NO_UPGRADE,
	WS_ERR_HS_NO_CONNECTION_UPGRADE,
	WS_ERR_HS_NO_KEY,
	WS_ERR_HS_BAD_KEY,
	WS_ERR_HS_NO_VERSION,
	WS_ERR_HS_BAD_VERSION,
	/* client side of the opening handshake */
	WS_ERR_HS_STATUS_LINE,
	WS_ERR_HS_STATUS,
	WS_ERR_HS_RESP_UPGRADE,
	WS_ERR_HS_RESP_CONNECTION,
	WS_ERR_HS_NO_ACCEPT,
	WS_ERR_HS_BAD_ACCEPT,
	WS_ERR_HS_EXTENSION,
	WS_ERR_HS_PROTOCOL,
	WS_ERR_HS_URL,
	WS_ERR_HS_CRYPTO,
	/* server policy (issue 11) */
	WS_ERR_HS_ORIGIN,		/* Origin not allowed: 403 */
	WS_ERR_MAX
};

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* Close status codes used by the library itself. */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_INVALID_DATA	1007
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

#define WS_CONTROL_MAX		125
#define WS_HEADER_MAX		14
#define WS_KEY_POOL		4096	/* bytes of masking keys drawn at once */
#define WS_KEY_LEN		24	/* base64 of 16 bytes */
#define WS_ACCEPT_LEN		28	/* base64 of a SHA-1 */

enum ws_role {
	WS_ROLE_SERVER,		/* expects masked frames, sends unmasked */
	WS_ROLE_CLIENT		/* expects unmasked frames, sends masked */
};

/* Defaults, documented in wsflow.troy(5), WEBSOCKET LIMITS. */
#define WS_DEFAULT_MAX_FRAME		(16ULL * 1024 * 1024)
#define WS_DEFAULT_MAX_MESSAGE		(64ULL * 1024 * 1024)
#define WS_DEFAULT_MAX_FRAGMENTS	131072
#define WS_DEFAULT_MAX_REQUEST_LINE	4096
#define WS_DEFAULT_MAX_HEADER_BYTES	16384
#define WS_DEFAULT_MAX_HEADERS		64

struct ws_limits {
	uint64_t	wl_max_frame;		/* payload bytes of one frame */
	uint64_t	wl_max_message;		/* bytes of one message */
	uint32_t	wl_max_fragments;	/* frames of one message */
	size_t		wl_max_request_line;	/* request or status line */
	size_t		wl_max_header_bytes;	/* whole header section */
	size_t		wl_max_headers;		/* header fields */
};

/*
 * Parser options (ws_parser_init flags).  By default data frames are
 * reassembled into whole messages (a bounded buffer of wl_max_message
 * bytes; a message that arrives as one frame in one input chunk is not
 * copied at all).  WS_PARSE_STREAM instead hands out each payload piece
 * as it arrives, pointing into the input: no copy, no buffer.  Pieces of
 * a text message may end inside a character; the text is still checked
 * incrementally and we_final marks the last piece of a message.
 */
#define WS_PARSE_STREAM	0x01
/*
 * WS_PARSE_RSV1: permessage-deflate (RFC 7692 6) was negotiated.  RSV1
 * may be set on the first frame of a data message, which marks the
 * message compressed (we_compressed on its events); its payload is then
 * not checked as UTF-8 (the caller checks the inflated text).  RSV1 on
 * a control or continuation frame, and RSV2/RSV3, stay errors (1002).
 */
#define WS_PARSE_RSV1	0x02

/* What ws_parse() found. */
enum ws_event_type {
	WS_EV_NONE,
	WS_EV_TEXT,		/* a whole text message (valid UTF-8) */
	WS_EV_BINARY,		/* a whole binary message */
	WS_EV_TEXT_PART,	/* WS_PARSE_STREAM: a piece of a text message */
	WS_EV_BINARY_PART,	/* WS_PARSE_STREAM: a piece of a binary message */
	WS_EV_PING,
	WS_EV_PONG,
	WS_EV_CLOSE
};

/*
 * An event.  we_data points either into the caller's input (which the
 * parser unmasked in place) or into the parser's own buffers; either way
 * it is valid until the next ws_parse() call or until the input changes.
 */
struct ws_event {
	enum ws_event_type	 we_type;
	const uint8_t		*we_data;
	size_t			 we_len;
	int			 we_final;	/* *_PART: last piece of the message */
	int			 we_compressed;	/* data: RSV1 on the first frame */
	uint16_t		 we_code;	/* CLOSE: status, 0 when none */
	const char		*we_reason;	/* CLOSE: UTF-8, not NUL-terminated */
	size_t			 we_reason_len;
};

/* Frame parser state; members are private to ws.c. */
struct ws_parser {
	enum ws_role	 wp_role;
	int		 wp_flags;
	struct ws_limits wp_lim;
	int		 wp_err;		/* sticky error */
	int		 wp_closed;		/* close frame seen */
	int		 wp_in_payload;
	uint8_t		 wp_hdr[WS_HEADER_MAX];
	size_t		 wp_hlen;
	size_t		 wp_hneed;
	int		 wp_opcode;
	int		 wp_fin;
	int		 wp_masked;
	int		 wp_rsv1;
	uint8_t		 wp_key[4];
	uint64_t	 wp_plen;
	uint64_t	 wp_pdone;
	int		 wp_msg_op;		/* 0: no message in progress */
	uint64_t	 wp_msg_len;
	uint32_t	 wp_msg_frags;
	int		 wp_msg_comp;		/* message started with RSV1 */
	uint32_t	 wp_utf8;
	struct buf	 wp_msg;
	struct budget	*wp_budget;		/* NULL: none */
	struct budget_hold *wp_hold;		/* whose share wp_msg is */
	size_t		 wp_charged;		/* wp_msg bytes charged */
	uint8_t		 wp_ctl[WS_CONTROL_MAX];
};

void		 ws_limits_default(struct ws_limits *);
void		 ws_parser_init(struct ws_parser *, enum ws_role,
		    const struct ws_limits *, int);
void		 ws_parser_free(struct ws_parser *);
/* Whether the parser is between messages: no frame or message begun. */
int		 ws_parser_idle(const struct ws_parser *);
/*
 * Charge the bytes of messages being reassembled to a budget, as the
 * holder h, before they are copied (after ws_parser_init); a charge
 * refused is WS_ERR_BUDGET (close 1009).  Released when the message is
 * done with (the next ws_parse), except for the buffer kept for the next
 * message (at most 256 KiB), and by ws_parser_free.
 */
void		 ws_parser_budget(struct ws_parser *, struct budget *,
		    struct budget_hold *);
int		 ws_parse(struct ws_parser *, uint8_t *, size_t, size_t *,
		    struct ws_event *);

const char	*ws_strerror(int);
uint16_t	 ws_err_close_code(int);
int		 ws_err_http_status(int);

/* Masking, in place, starting at offset (mod 4) into the key. */
void		 ws_mask(uint8_t *, size_t, const uint8_t [4], size_t);

/*
 * Frame builder.  WS_FRAME_RSV1 may be or'ed into a text or binary
 * opcode: the first frame of a compressed message (RFC 7692 6).
 */
#define WS_FRAME_RSV1	0x40
int		 ws_frame_header(uint8_t [WS_HEADER_MAX], size_t *, int, int,
		    uint64_t, const uint8_t *);
int		 ws_frame_build(struct buf *, enum ws_role, int, int,
		    const void *, size_t);
int		 ws_close_build(struct buf *, enum ws_role, uint16_t,
		    const char *, size_t);
int		 ws_close_code_valid(uint16_t);

/* Closing handshake. */
enum ws_close_state {
	WS_STATE_OPEN,
	WS_STATE_CLOSING,	/* we sent a close frame, waiting for the peer's */
	WS_STATE_CLOSED		/* both sent, or failed: drop TCP as told */
};

struct ws_close {
	enum ws_role		 wc_role;
	enum ws_close_state	 wc_state;
	int			 wc_sent;
	int			 wc_received;
	uint16_t		 wc_code;	/* what the peer sent (0: none) */
};

/* What the connector must do next. */
struct ws_close_action {
	int		 ca_send;	/* send a close frame with ca_code */
	uint16_t	 ca_code;	/* 0: close frame without a payload */
	int		 ca_drop;	/* close TCP once the output is flushed */
	int		 ca_wait;	/* wait (bounded) for the peer to close TCP */
};

void		 ws_close_init(struct ws_close *, enum ws_role);
void		 ws_close_local(struct ws_close *, uint16_t,
		    struct ws_close_action *);
void		 ws_close_received(struct ws_close *, uint16_t,
		    struct ws_close_action *);
void		 ws_close_failed(struct ws_close *, int,
		    struct ws_close_action *);
int		 ws_close_may_send(const struct ws_close *);
int		 ws_close_may_deliver(const struct ws_close *);

/* Opening handshake. */
#define WS_HOST_MAX	256
#define WS_TARGET_MAX	2048
#define WS_FIELD_MAX	256
#define WS_EXT_MAX	1024	/* Sec-WebSocket-Extensions offers */

struct ws_request {
	char		 wr_target[WS_TARGET_MAX];	/* path and query */
	char		 wr_host[WS_HOST_MAX];
	char		 wr_key[WS_KEY_LEN + 1];
	char		 wr_origin[WS_FIELD_MAX];
	char		 wr_protocols[WS_FIELD_MAX];	/* as sent, may be "" */
	char		 wr_extensions[WS_EXT_MAX];	/* as sent, may be "" */
};

struct ws_response {
	int		 ws_status;
	char		 ws_protocol[WS_FIELD_MAX];	/* selected, may be "" */
	char		 ws_extensions[WS_FIELD_MAX];	/* _ext: as sent */
};

int		 ws_accept_key(const char *, char [WS_ACCEPT_LEN + 1]);
int		 ws_client_key(char [WS_KEY_LEN + 1]);
int		 ws_client_request(struct buf *, const struct url *,
		    const char *, const char *, const char *);
int		 ws_client_request_ext(struct buf *, const struct url *,
		    const char *, const char *, const char *, const char *);
int		 ws_server_request_parse(const char *, size_t,
		    const struct ws_limits *, struct ws_request *, size_t *);
int		 ws_server_response(struct buf *, const struct ws_request *,
		    const char *);
int		 ws_server_response_ext(struct buf *,
		    const struct ws_request *, const char *, const char *);
int		 ws_server_error_response(struct buf *, int);
/*
 * Server policy: whether a request's Origin (wr_origin, "" when absent)
 * may upgrade given the allowed origins (list of n; list NULL: any).
 * Origins compare exactly, ASCII case aside (RFC 6454 serialises them
 * in lower case); a request without Origin is no browser's and passes.
 */
int		 ws_origin_allowed(const char *, const char *const *, size_t);
int		 ws_client_response_parse(const char *, size_t,
		    const struct ws_limits *, const char *, const char *,
		    struct ws_response *, size_t *);
int		 ws_client_response_parse_ext(const char *, size_t,
		    const struct ws_limits *, const char *, const char *, int,
		    struct ws_response *, size_t *);
int		 ws_token_list_has(const char *, size_t, const char *);
int		 ws_protocol_select(const char *, const char *const *, size_t,
		    char *, size_t);

/*
 * Request metadata (issue 14): call fn(name, nlen, value, vlen, arg) for
 * each header field of a complete request header section data[0..len)
 * (len as ws_server_request_parse() returned in *used), in order, value
 * without its surrounding whitespace; fn returns 0 to go on.  -1 when
 * data is not a complete section.
 */
typedef int	(*ws_field_fn)(const char *, size_t, const char *, size_t,
		    void *);
int		 ws_request_fields(const char *, size_t, ws_field_fn, void *);
/*
 * Client (issue 14): add the field "name: value" to the request that
 * ws_client_request() just appended to out, before its blank line.
 * WS_ERR_INVAL for a name that is not a token or a value with CR, LF or
 * other controls; out is then unchanged.
 */
int		 ws_client_request_field(struct buf *, const char *,
		    const char *);
/* Whether s may be a header field value: no CR, LF or other controls. */
int		 ws_header_value_ok(const char *);

#endif
