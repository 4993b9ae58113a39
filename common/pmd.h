/* SPDX-License-Identifier: ISC */
/*
 * permessage-deflate (RFC 7692), the protocol half: parsing and
 * answering Sec-WebSocket-Extensions offers, checking a server's answer,
 * and the per-connection zlib codec that inflates and deflates whole
 * messages.  Pure code: no sockets, no event loop, no logging, no global
 * state.  Results are PMD_OK, PMD_NONE or one PMD_ERR_* value.
 *
 * What the connection code must do to use it (the wiring):
 *
 * Handshake, server (ws_server):
 *  - After ws_server_request_parse(), if the configuration has
 *    pc_enabled, call pmd_server_negotiate() on wr_extensions (all
 *    Sec-WebSocket-Extensions headers joined with ", ").  PMD_OK: add
 *    "Sec-WebSocket-Extensions: <resp>" to the 101 response
 *    (ws_server_response() needs an extra header argument for that) and
 *    keep the struct pmd_params.  Anything else: answer without the
 *    header and without compression; PMD_ERR_SYNTAX may be logged, it
 *    does not fail the handshake.
 * Handshake, client (ws_client):
 *  - Build the offer with pmd_client_offer() and send it as
 *    Sec-WebSocket-Extensions (ws_client_request() needs the header).
 *  - ws_client_response_parse() today fails any non-empty
 *    Sec-WebSocket-Extensions with WS_ERR_HS_EXTENSION; it must instead
 *    hand the value (all such headers joined with ", ") to
 *    pmd_client_accept().  PMD_OK: compression on with the returned
 *    parameters; PMD_NONE: off; any PMD_ERR_*: fail the connection
 *    (RFC 6455 4.1, _Fail the WebSocket Connection_).
 * Frames, both roles, once negotiated:
 *  - pm = pmd_new(&params, role, pc_level); parse with
 *    ws_parser_init(..., WS_PARSE_RSV1 | ...) so the first frame of a
 *    data message may carry RSV1; ev.we_compressed marks a compressed
 *    message.  The parser does not check UTF-8 of compressed text: check
 *    the inflated text with utf8_valid() (close 1007 when it fails).
 *  - Inflate: feed each payload piece (WS_PARSE_STREAM) or the whole
 *    message to pmd_inflate(), fin on the last, appending to a struct
 *    buf, with limit = max_message_size.  PMD_ERR_TOO_BIG is close 1009,
 *    PMD_ERR_DATA 1007, PMD_ERR_NOMEM 1011 (pmd_err_close_code()).  The
 *    parser's wl_max_message then bounds only the compressed bytes.
 *  - Deflate: pmd_deflate(pm, data, len, 1, &out) and send out as the
 *    message, WS_FRAME_RSV1 or'ed into the opcode of its first frame
 *    (ws_frame_build(b, role, WS_OP_TEXT | WS_FRAME_RSV1, fin, ...));
 *    continuation and control frames never carry RSV1.
 *  - Count pmd_memory_peak() (or pmd_memory() after each call) toward
 *    the connection's max_buffered budget; pmd_free() on close.
 * Build: the programs that link pmd.o need $(ZLIB_LIBS) in their LDADD.
 */
#ifndef WSFLOW_PMD_H
#define WSFLOW_PMD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ws.h"

enum pmd_err {
	PMD_OK = 0,
	PMD_NONE,		/* no permessage-deflate agreed */
	PMD_ERR_INVAL,		/* bad argument from our own code */
	PMD_ERR_NOMEM,
	PMD_ERR_SYNTAX,		/* not the RFC 6455 9.1 grammar */
	PMD_ERR_UNOFFERED,	/* response: an extension we did not offer */
	PMD_ERR_DUPLICATE,	/* response: an extension or parameter twice */
	PMD_ERR_PARAM,		/* response: unknown or misused parameter */
	PMD_ERR_VALUE,		/* response: window bits not 8..15 */
	PMD_ERR_WINDOW,		/* response: window bits not as offered */
	PMD_ERR_CONTEXT,	/* response: no server_no_context_takeover */
	PMD_ERR_TOO_BIG,	/* inflated message over the limit: 1009 */
	PMD_ERR_DATA,		/* not a valid deflate stream: 1007 */
	PMD_ERR_MAX
};

#define PMD_WBITS_MIN		8
#define PMD_WBITS_MAX		15
#define PMD_RESPONSE_MAX	160	/* longest offer or answer we build */

/*
 * memLevel of our deflate streams.  The hash table and the pending
 * buffer cost 1 << (memLevel + 9) bytes: 8 KB at 4 against zlib's
 * default 128 KB at 8, for 1-3% larger output on JSON event streams.
 */
#define PMD_MEM_LEVEL		4

/* What we want (the troy `compression` record). */
struct pmd_config {
	int	pc_enabled;
	int	pc_server_no_context_takeover;
	int	pc_client_no_context_takeover;
	int	pc_server_max_window_bits;	/* 8..15 */
	int	pc_client_max_window_bits;	/* 8..15 */
	int	pc_level;			/* 0..9, -1 zlib's default */
};

/* What was agreed; window bits are 15 when the parameter was absent. */
struct pmd_params {
	int	pp_server_no_context_takeover;
	int	pp_client_no_context_takeover;
	int	pp_server_max_window_bits;
	int	pp_client_max_window_bits;
};

struct pmd;

void		 pmd_config_default(struct pmd_config *);
int		 pmd_config_valid(const struct pmd_config *);
const char	*pmd_strerror(int);
uint16_t	 pmd_err_close_code(int);

/* Negotiation (RFC 7692 5 and 7.1). */
int		 pmd_server_negotiate(const struct pmd_config *, const char *,
		    size_t, struct pmd_params *, char *, size_t);
int		 pmd_client_offer(const struct pmd_config *, char *, size_t);
int		 pmd_client_accept(const struct pmd_config *, const char *,
		    size_t, struct pmd_params *);

/* The per-connection codec (RFC 7692 7.2). */
struct pmd	*pmd_new(const struct pmd_params *, enum ws_role, int);
void		 pmd_free(struct pmd *);
int		 pmd_inflate(struct pmd *, const void *, size_t, int, size_t,
		    struct buf *);
int		 pmd_deflate(struct pmd *, const void *, size_t, int,
		    struct buf *);
size_t		 pmd_memory(const struct pmd *);
size_t		 pmd_memory_peak(const struct pmd *);
size_t		 pmd_deflate_memory(int);
size_t		 pmd_inflate_memory(int);

#endif
